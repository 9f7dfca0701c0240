package io.sightline.explain.whatif;

import io.sightline.domain.event.DriveSessionStarted;
import java.util.Map;
import java.util.Objects;

/**
 * A risk-policy version as data: thresholds keyed as in {@link DriveSessionStarted#policyThresholds()},
 * with the unit in the key ({@code io.sightline.domain.risk.ThresholdKey}, e.g. {@code forwardCollision.ttcRaiseS};
 * older sessions may carry {@code fcw.ttcWarnS}, see {@link ThresholdBinding#LEGACY_THRESHOLD_KEYS}).
 */
public record PolicyThresholds(String version, Map<String, Double> thresholds) {

    public PolicyThresholds {
        Objects.requireNonNull(version, "version");
        thresholds = Map.copyOf(thresholds);
    }

    /** The policy a session recorded when it started. */
    public static PolicyThresholds of(DriveSessionStarted started) {
        return new PolicyThresholds(started.policyVersion(), started.policyThresholds() == null ? Map.of() : started.policyThresholds());
    }

    /** This policy with some thresholds replaced, under another version name. */
    public PolicyThresholds with(String newVersion, Map<String, Double> overrides) {
        java.util.Map<String, Double> m = new java.util.HashMap<>(thresholds);
        m.putAll(overrides);
        return new PolicyThresholds(newVersion, m);
    }
}
