package io.sightline.edge.app.core;

import io.sightline.domain.risk.Factor;
import io.sightline.domain.risk.ThresholdKey;
import io.sightline.edge.risk.RiskPolicy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The slice of the shared risk policy one built-in application uses. */
final class BuiltInThresholds {

    private BuiltInThresholds() {
    }

    static Map<String, Double> of(RiskPolicy policy, List<Factor> factors, ThresholdKey... parameters) {
        Map<String, Double> all = policy.thresholds();
        Map<String, Double> mine = new LinkedHashMap<>();
        for (Factor f : factors) {
            for (String k : f.thresholdKeyNames()) {
                mine.put(k, all.get(k));
            }
        }
        for (ThresholdKey k : parameters) {
            mine.put(k.key(), all.get(k.key()));
        }
        return java.util.Collections.unmodifiableMap(mine);
    }
}
