package io.sightline.domain.kinematics;

/**
 * Time to collision from range kinematics: the one definition the edge decides with and the
 * explanations re-derive margins from, so the two can never disagree.
 */
public final class TimeToCollision {

    /**
     * Reported instead of infinity when no collision is predicted: events are JSON, which has no
     * infinity, and anything this long is far outside every threshold.
     */
    public static final double NO_COLLISION_S = 99.0;

    /** Below this |d̈| the quadratic is numerically a line: use the constant-velocity form. */
    public static final double NEGLIGIBLE_ACCEL_MPS2 = 1e-6;

    private TimeToCollision() {
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
        if (!(rangeM > 0)) {
            return 0;
        }
        double t;
        if (Math.abs(rangeAccelMps2) < NEGLIGIBLE_ACCEL_MPS2) {
            t = rangeRateMps < 0 ? -rangeM / rangeRateMps : Double.POSITIVE_INFINITY;
        } else {
            double disc = rangeRateMps * rangeRateMps - 2 * rangeAccelMps2 * rangeM;
            if (disc < 0) {
                t = Double.POSITIVE_INFINITY;
            } else {
                double sq = Math.sqrt(disc);
                // numerically stable roots of ½a t² + v t + d = 0
                double qq = -0.5 * (rangeRateMps + Math.copySign(sq, rangeRateMps));
                double r1 = qq / (0.5 * rangeAccelMps2);
                double r2 = qq != 0 ? rangeM / qq : Double.POSITIVE_INFINITY;
                t = Double.POSITIVE_INFINITY;
                if (r1 > 0) {
                    t = r1;
                }
                if (r2 > 0 && r2 < t) {
                    t = r2;
                }
            }
        }
        return Math.min(t, NO_COLLISION_S);
    }
}
