package io.sightline.app.clip;

/**
 * What the composited lead vehicle does, in the ego's road frame (X right, Z forward, metres from
 * the camera). The ego drives at a constant {@code egoSpeedMps}, as {@code run} assumes for the
 * bundled clips; the lead drives slower in the ego lane, then changes to the left lane.
 *
 * <p>Exact in closed form, so the ground truth written beside the clip (gap, closing speed, TTC)
 * has no integration error.
 *
 * @param initialGapM       rear face of the lead ahead of the camera at t = 0
 * @param laneChangeAtS     when the lead starts moving left
 * @param laneChangeSpeedMps lateral speed of the lane change (positive = to the left)
 * @param laneChangeWidthM  how far left it moves: one lane
 * @param initialLateralM   the lead's centre at t = 0, right of the camera axis (the ego lane centre)
 */
public record LeadVehicleScript(double egoSpeedMps, double leadSpeedMps, double initialGapM, double initialLateralM,
                                double laneChangeAtS, double laneChangeSpeedMps, double laneChangeWidthM,
                                double widthM, double heightM) implements LeadMotion {

    public LeadVehicleScript {
        if (!(egoSpeedMps > leadSpeedMps) || !(leadSpeedMps >= 0)) {
            throw new IllegalArgumentException("the ego (" + egoSpeedMps + " m/s) must close on a lead that is not reversing ("
                    + leadSpeedMps + " m/s)");
        }
        if (!(initialGapM > 0) || !(widthM > 0) || !(heightM > 0) || !(laneChangeSpeedMps > 0) || !(laneChangeWidthM >= 0)) {
            throw new IllegalArgumentException("gap, size and lane change speed must be positive");
        }
    }

    /**
     * The default of the bundled clip: NHTSA's FCW confirmation test 2 (slower lead, constant
     * speeds) with the speeds of the assumed drive: ego 25 m/s, lead 16 m/s, closing at 9 m/s from
     * 40 m. At a true TTC of about 1.8 s the lead changes lanes, so the warning must also clear.
     */
    public static LeadVehicleScript slowerLeadChangingLanes(double egoSpeedMps, double widthM, double heightM) {
        return new LeadVehicleScript(egoSpeedMps, egoSpeedMps - 9.0, 40.0, 0.3, 2.6, 2.5, 3.7, widthM, heightM);
    }

    public double closingSpeedMps() {
        return egoSpeedMps - leadSpeedMps;
    }

    public double gapM(double tS) {
        return initialGapM - closingSpeedMps() * tS;
    }

    /** Centre of the lead, right of the camera axis. */
    public double lateralM(double tS) {
        double moved = tS <= laneChangeAtS ? 0 : Math.min(laneChangeWidthM, laneChangeSpeedMps * (tS - laneChangeAtS));
        return initialLateralM - moved;
    }

    /** Constant-velocity time to collision, the quantity NHTSA's test states its minimum warning time in. */
    public double ttcS(double tS) {
        return gapM(tS) / closingSpeedMps();
    }
}
