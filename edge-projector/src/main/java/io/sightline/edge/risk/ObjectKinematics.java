package io.sightline.edge.risk;

import io.sightline.edge.range.ObjectClass;

/**
 * What the policy knows about one object in one frame: the filtered range kinematics and lateral
 * state, however they were measured (camera track or radar). Mutable and reused per track; the
 * policy also keeps the following-distance timer here because it is per object.
 */
public final class ObjectKinematics {

    public String trackKey;
    public ObjectClass objectClass = ObjectClass.OTHER;
    public double rangeM;
    public double rangeSigmaM;
    /** dRange/dt, m/s, negative when closing. */
    public double rangeRateMps;
    public double rangeRateSigmaMps;
    /** d²Range/dt², m/s², negative when the gap closes ever faster. */
    public double rangeAccelMps2;
    public double rangeAccelSigmaMps2;
    /** Off-diagonal covariances of (range, rate, accel), for the TTC uncertainty. */
    public double covRangeRate;
    public double covRangeAccel;
    public double covRateAccel;
    /** Lateral position of the object's centre, m, positive right. */
    public double lateralM;
    public double lateralSpeedMps;
    /** Half the object's width, m. */
    public double halfWidthM;
    /** How long the range filter has been running, s. */
    public double trackAgeS;

    /** Start of the current run of time gaps below the raise threshold; Long.MIN_VALUE when none. */
    long headwayBelowSinceNanos = Long.MIN_VALUE;

    public void resetTimers() {
        headwayBelowSinceNanos = Long.MIN_VALUE;
    }

    public double closingSpeedMps() {
        return -rangeRateMps;
    }
}
