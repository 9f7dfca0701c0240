package io.sightline.edge.range;

/** Time to collision and required deceleration from range kinematics. Pure functions. */
public final class Ttc {

    /**
     * Reported instead of infinity when no collision is predicted: events are JSON, which has no
     * infinity, and anything this long is far outside every threshold.
     */
    public static final double NO_COLLISION_S = io.sightline.domain.kinematics.TimeToCollision.NO_COLLISION_S;

    private Ttc() {
    }

    /**
     * Smallest positive t with {@code d + ḋ t + ½ d̈ t² = 0}, or {@link #NO_COLLISION_S}.
     * With d̈ ≈ 0 this is the constant-velocity {@code −d/ḋ} for a closing object. A range already
     * at or below zero gives 0.
     *
     * @param rangeM gap d, m
     * @param rangeRateMps ḋ, m/s (negative = closing)
     * @param rangeAccelMps2 d̈, m/s² (negative = closing faster)
     */
    public static double timeToCollisionS(double rangeM, double rangeRateMps, double rangeAccelMps2) {
        return io.sightline.domain.kinematics.TimeToCollision.timeToCollisionS(rangeM, rangeRateMps, rangeAccelMps2);
    }

    /**
     * Constant deceleration the ego needs to match the object's speed exactly at the object:
     * {@code v_rel² / (2 d)} for a closing object, 0 otherwise.
     */
    public static double requiredDecelMps2(double rangeM, double closingSpeedMps) {
        if (!(closingSpeedMps > 0)) {
            return 0;
        }
        if (!(rangeM > 0)) {
            return Double.MAX_VALUE;
        }
        return closingSpeedMps * closingSpeedMps / (2 * rangeM);
    }
}
