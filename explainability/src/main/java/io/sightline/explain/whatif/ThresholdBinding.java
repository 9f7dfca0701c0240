package io.sightline.explain.whatif;

import io.sightline.domain.risk.Factor;
import io.sightline.domain.risk.FactorCatalog;
import io.sightline.domain.risk.FactorSpec;
import java.util.Map;
import java.util.Optional;
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
     * Sessions recorded with the short key {@code fcw.ttcWarnS} for the FCW TTC threshold: the
     * ingestion demo and append benchmark ({@code app} SyntheticSession) and the uplink's vehicle
     * simulator still write it into {@code DriveSessionStarted.policyThresholds}, so stored sessions
     * carry it and a what-if built from their recorded policy must keep binding it. The other short
     * keys this binding once accepted ({@code fcw.minEgoSpeedMps}, {@code vru.ttcWarnS}, ...) were
     * never written by anything, and the {@code fcw.closingSpeedSigma} factor was never emitted.
     */
    Map<String, String> LEGACY_THRESHOLD_KEYS = Map.of(Factor.FCW_TTC.key(), "fcw.ttcWarnS");

    /**
     * The edge policy's binding, from the domain's {@link FactorCatalog} (built-in factors and the
     * installed safety applications'); then the legacy key above;
     * then a threshold keyed by the factor name itself, for factors the catalog does not know.
     */
    static ThresholdBinding edgePolicy() {
        return (factorName, thresholds) -> {
            Optional<FactorSpec> factor = FactorCatalog.byKey(factorName);
            if (factor.isPresent()) {
                OptionalDouble bound = factor.get().threshold(thresholds);
                if (bound.isPresent()) {
                    return bound;
                }
            }
            String legacy = LEGACY_THRESHOLD_KEYS.get(factorName);
            Double value = thresholds.get(legacy != null && thresholds.containsKey(legacy) ? legacy : factorName);
            return value == null ? OptionalDouble.empty() : OptionalDouble.of(value);
        };
    }
}
