package io.sightline.domain.event;

import java.util.Map;
import java.util.TreeMap;

/**
 * A gate a rollout checks at each step, with the thresholds it was started with: the plan names the
 * version so a later change of a gate's defaults never reinterprets a stored rollout.
 *
 * @param thresholds by name with the unit in the name (e.g. {@code maxP99Micros}, {@code alpha})
 */
public record RolloutGateConfig(String name, String version, Map<String, Double> thresholds) {

    public RolloutGateConfig {
        thresholds = java.util.Collections.unmodifiableMap(new TreeMap<>(thresholds));
    }
}
