package io.sightline.explain.margins;

import io.sightline.domain.kinematics.TimeToCollision;

/**
 * Exact time-to-collision algebra for the range model {@code r(t) = d − v·t + ½·a·t²}, with
 * {@code d} the range (m), {@code v} the closing speed (m/s, positive = closing) and {@code a} the
 * recorded relative acceleration, which is the range acceleration d̈ (m/s², negative = closing
 * faster), as the edge's range filter reports it. TTC is the first t > 0 with r(t) = 0.
 *
 * <p>"TTC ≤ T" holds exactly when r touches zero somewhere in (0, T], so each bound below is an
 * extremum over that interval rather than the root of r(T) = 0: with a positive (opening)
 * acceleration the range can reach zero before T and open again.
 */
public final class TtcKinematics {

    /** Same cap as the edge: events are JSON, which has no infinity. */
    public static final double NO_COLLISION_S = TimeToCollision.NO_COLLISION_S;
    /** Below this |a| the quadratic is numerically a line, as on the edge. */
    static final double NEGLIGIBLE_ACCEL_MPS2 = TimeToCollision.NEGLIGIBLE_ACCEL_MPS2;

    private TtcKinematics() {
    }

    public static double ttcS(double rangeM, double closingSpeedMps, double relativeAccelMps2) {
        // The edge's own solver: closing speed is the negated range rate.
        return TimeToCollision.timeToCollisionS(rangeM, -closingSpeedMps, relativeAccelMps2);
    }

    /**
     * The closing speed at which TTC equals {@code thresholdS}: min over t in (0, T] of
     * (d + ½·a·t²)/t. For a ≤ 0 that is d/T + a·T/2 (constant velocity: d/T); for a > 0 the
     * minimum is √(2·a·d) when the tangent time √(2d/a) falls inside (0, T].
     */
    public static double closingSpeedBoundaryMps(double rangeM, double relativeAccelMps2, double thresholdS) {
        double a = Math.abs(relativeAccelMps2) < NEGLIGIBLE_ACCEL_MPS2 ? 0 : relativeAccelMps2;
        if (a > 0) {
            double tangentS = Math.sqrt(2 * rangeM / a);
            if (tangentS <= thresholdS) {
                return Math.sqrt(2 * a * rangeM);
            }
        }
        return rangeM / thresholdS + 0.5 * a * thresholdS;
    }

    /** The range at which TTC equals {@code thresholdS}: max over t in [0, T] of v·t − ½·a·t². */
    public static double rangeBoundaryM(double closingSpeedMps, double relativeAccelMps2, double thresholdS) {
        double a = Math.abs(relativeAccelMps2) < NEGLIGIBLE_ACCEL_MPS2 ? 0 : relativeAccelMps2;
        double v = closingSpeedMps;
        if (a > 0) {
            double t = Math.max(0, Math.min(thresholdS, v / a));
            return v * t - 0.5 * a * t * t;
        }
        return Math.max(0, v * thresholdS - 0.5 * a * thresholdS * thresholdS);
    }

    /**
     * The relative acceleration at which TTC equals {@code thresholdS}: max over t in (0, T] of
     * 2·(v·t − d)/t², reached at t = 2d/v when that lies inside, where it is v²/(2d).
     */
    public static double relativeAccelBoundaryMps2(double rangeM, double closingSpeedMps, double thresholdS) {
        double v = closingSpeedMps;
        if (v > 0 && 2 * rangeM / v <= thresholdS) {
            return v * v / (2 * rangeM);
        }
        return 2 * (v * thresholdS - rangeM) / (thresholdS * thresholdS);
    }
}
