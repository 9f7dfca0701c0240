package io.sightline.edge.pipeline;

/**
 * Noise model of the range and lateral estimators. Defaults and their reasons are in
 * docs/risk-policy.md ("Estimator").
 *
 * @param boxEdgeSigmaPx one standard deviation of a detector's box edge
 * @param pitchSigmaRad dynamic camera pitch against the road (slopes, braking dive)
 * @param minRowsBelowHorizonPx the box bottom must be this far below the horizon for a ground-plane range
 * @param rangeJerkPsd white-jerk spectral density of the range filter, m²/s⁵
 * @param initialRangeRateSigmaMps range-rate spread when a track starts
 * @param initialRangeAccelSigmaMps2 range-acceleration spread when a track starts
 * @param rangeGateSigma innovation gate of the range filter, standard deviations
 * @param lateralAccelPsd white-acceleration spectral density of the lateral filter, m²/s³
 * @param initialLateralSpeedSigmaMps lateral-speed spread when a track starts
 * @param radarRangeSigmaM radar range noise
 * @param radarRangeRateSigmaMps radar range-rate noise
 * @param radarLateralSigmaM radar lateral-position noise
 * @param maxVehicleStateAgeS a vehicle-state sample older than this is stale: no decision is made on it
 * @param measuredObjectMaxGapS a measured (radar) object not seen for longer than this is a new
 *     object when it reappears: radars reuse track slots without always raising the new-track flag
 */
public record EstimatorConfig(double boxEdgeSigmaPx, double pitchSigmaRad, double minRowsBelowHorizonPx,
                              double rangeJerkPsd, double initialRangeRateSigmaMps, double initialRangeAccelSigmaMps2,
                              double rangeGateSigma, double lateralAccelPsd, double initialLateralSpeedSigmaMps,
                              double radarRangeSigmaM, double radarRangeRateSigmaMps, double radarLateralSigmaM,
                              double maxVehicleStateAgeS, double measuredObjectMaxGapS) {

    public static EstimatorConfig defaults() {
        return new EstimatorConfig(1.5, 0.002, 2.0, 2.0, 15.0, 0.5, 5.0, 1.0, 2.0, 0.5, 0.3, 0.3, 0.5, 1.0);
    }
}
