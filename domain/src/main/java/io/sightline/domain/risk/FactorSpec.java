package io.sightline.domain.risk;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * What a recorded factor means: the built-in rules' {@link Factor}s and the factors a safety
 * application declares ({@link FactorDefinition}) alike, so that explanations, margins and what-if
 * treat an application's factors exactly as the built-in ones (ADR-0029).
 */
public interface FactorSpec {

    /** The alert kind (rule) that emits it, as {@code RiskAssessed.ruleName} records it. */
    String ruleName();

    /** The recorded name, e.g. {@code fcw.ttc}; never changes once recorded. */
    String key();

    /** For prose and the investigator UI. */
    String humanName();

    FactorRole role();

    FactorUnit unit();

    Comparison comparison();

    /** The threshold is the sum of these keys' values in the policy's flat threshold map. */
    List<String> thresholdKeyNames();

    /** A value in time to collision, for which the explanations solve kinematic bounds. */
    default boolean isTimeToCollision() {
        return false;
    }

    /** The threshold under a flat threshold map, or empty when the map lacks one of the keys. */
    default OptionalDouble threshold(Map<String, Double> thresholds) {
        double sum = 0;
        for (String k : thresholdKeyNames()) {
            Double v = thresholds.get(k);
            if (v == null) {
                return OptionalDouble.empty();
            }
            sum += v;
        }
        return OptionalDouble.of(sum);
    }
}
