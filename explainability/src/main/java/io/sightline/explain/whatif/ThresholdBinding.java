package io.sightline.explain.whatif;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Which threshold of a policy a recorded factor is compared with. The edge policy names factors
 * by rule and quantity ({@code fcw.ttc}) and keys thresholds by rule and parameter
 * ({@code forwardCollision.ttcRaiseS}); some thresholds are sums (the path corridor is the ego
 * half-width plus a margin), so a binding is a function of the whole threshold map.
 */
@FunctionalInterface
public interface ThresholdBinding {

    /** The threshold for {@code factorName} under {@code thresholds}, or empty when the policy does not set it. */
    OptionalDouble thresholdFor(String factorName, Map<String, Double> thresholds);

    /**
     * The edge-projector's factor and threshold names (RiskEvaluator, RiskPolicy.thresholds()),
     * with the short {@code fcw.ttcWarnS}-style keys as aliases, and a threshold keyed by the factor
     * name itself as the last resort.
     */
    static ThresholdBinding edgePolicy() {
        Map<String, List<List<String>>> sums = Map.ofEntries(
                Map.entry("fcw.ttc", List.of(List.of("forwardCollision.ttcRaiseS"), List.of("fcw.ttcWarnS"), List.of("fcw.ttcRaiseS"))),
                Map.entry("fcw.lateralOffset", List.of(List.of("egoHalfWidthM", "forwardCollision.corridorMarginM"))),
                Map.entry("fcw.egoSpeed", List.of(List.of("forwardCollision.minEgoSpeedMps"), List.of("fcw.minEgoSpeedMps"))),
                Map.entry("fcw.trackAge", List.of(List.of("forwardCollision.minTrackAgeS"), List.of("fcw.minTrackAgeS"))),
                Map.entry("fcw.closingSpeedSigma", List.of(List.of("forwardCollision.maxClosingSpeedSigmaMps"))),
                Map.entry("fcw.requiredDecel", List.of(List.of("forwardCollision.hardBrakingDecelMps2"))),
                Map.entry("headway.timeGap", List.of(List.of("followingDistance.timeGapRaiseS"), List.of("headway.timeGapS"))),
                Map.entry("headway.durationBelow", List.of(List.of("followingDistance.minDurationS"))),
                Map.entry("headway.lateralOffset", List.of(List.of("egoHalfWidthM", "followingDistance.corridorMarginM"))),
                Map.entry("headway.egoSpeed", List.of(List.of("followingDistance.minEgoSpeedMps"))),
                Map.entry("headway.trackAge", List.of(List.of("followingDistance.minTrackAgeS"))),
                Map.entry("vru.ttc", List.of(List.of("vulnerableRoadUser.ttcRaiseS"), List.of("vru.ttcWarnS"))),
                Map.entry("vru.predictedLateralOffset", List.of(List.of("egoHalfWidthM", "vulnerableRoadUser.corridorMarginM"))),
                Map.entry("vru.egoSpeed", List.of(List.of("vulnerableRoadUser.minEgoSpeedMps"))),
                Map.entry("vru.trackAge", List.of(List.of("vulnerableRoadUser.minTrackAgeS"))));
        return (factor, thresholds) -> {
            for (List<String> keys : sums.getOrDefault(factor, List.of())) {
                if (thresholds.keySet().containsAll(keys)) {
                    return OptionalDouble.of(keys.stream().mapToDouble(thresholds::get).sum());
                }
            }
            Double direct = thresholds.get(factor);
            return direct == null ? OptionalDouble.empty() : OptionalDouble.of(direct);
        };
    }
}
