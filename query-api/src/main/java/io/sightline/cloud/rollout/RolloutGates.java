package io.sightline.cloud.rollout;

import io.sightline.domain.event.RolloutGateConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.stereotype.Component;

/** The gates this cloud knows, by name: a plan may only name these, and only their thresholds. */
@Component
public class RolloutGates {

    private final Map<String, RolloutGate> byName = new TreeMap<>();

    public RolloutGates(List<RolloutGate> gates) {
        for (RolloutGate g : gates) {
            if (byName.put(g.name(), g) != null) {
                throw new IllegalStateException("two rollout gates are named " + g.name());
            }
        }
    }

    public List<RolloutGate> all() {
        return List.copyOf(byName.values());
    }

    public Optional<RolloutGate> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The plan's gate: its defaults with the request's overrides; an unknown gate or threshold is refused. */
    public RolloutGateConfig configure(String name, Map<String, Double> overrides) {
        RolloutGate gate = byName(name).orElseThrow(() -> new IllegalArgumentException("unknown gate '" + name + "'; the gates are "
                + String.join(", ", byName.keySet())));
        Map<String, Double> thresholds = new TreeMap<>(gate.defaults());
        if (overrides != null) {
            overrides.forEach((k, v) -> {
                if (!thresholds.containsKey(k)) {
                    throw new IllegalArgumentException("gate " + name + " has no threshold '" + k + "'; its thresholds are "
                            + String.join(", ", thresholds.keySet()));
                }
                if (v == null || !Double.isFinite(v)) {
                    throw new IllegalArgumentException("gate " + name + " threshold " + k + " must be a finite number, got " + v);
                }
                thresholds.put(k, v);
            });
        }
        return new RolloutGateConfig(gate.name(), gate.version(), thresholds);
    }

    public List<RolloutGateConfig> defaults() {
        List<RolloutGateConfig> all = new ArrayList<>();
        byName.keySet().forEach(n -> all.add(configure(n, Map.of())));
        return all;
    }
}
