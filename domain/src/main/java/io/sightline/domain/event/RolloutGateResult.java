package io.sightline.domain.event;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One gate's verdict on one step of a rollout: the values it measured beside the thresholds it
 * compared them with, and the events behind a failure, so a halt or a rollback explains itself.
 *
 * @param verdict    {@code PASS}, {@code FAIL}, {@code INSUFFICIENT_DATA} (holds the step) or
 *                   {@code NOT_APPLICABLE} (the gate does not judge this kind of step)
 * @param values     what was measured, unit in the name (e.g. {@code canaryAlertsPerHour})
 * @param thresholds the gate's thresholds as configured in the plan
 * @param detail     one sentence a person reads
 * @param causes     the events that tripped the gate (a failure), else empty
 */
public record RolloutGateResult(String gate, String version, String verdict, Map<String, Double> values, Map<String, Double> thresholds,
                                String detail, List<String> causes) {

    public static final String PASS = "PASS";
    public static final String FAIL = "FAIL";
    public static final String INSUFFICIENT_DATA = "INSUFFICIENT_DATA";
    public static final String NOT_APPLICABLE = "NOT_APPLICABLE";

    public RolloutGateResult {
        values = java.util.Collections.unmodifiableMap(new TreeMap<>(values));
        thresholds = java.util.Collections.unmodifiableMap(new TreeMap<>(thresholds));
        causes = List.copyOf(causes);
    }

    public boolean failed() {
        return FAIL.equals(verdict);
    }

    /** A step may advance past this gate: it passed, or it does not judge the step. */
    public boolean allowsAdvance() {
        return PASS.equals(verdict) || NOT_APPLICABLE.equals(verdict);
    }
}
