package io.sightline.cloud.rollout;

import io.sightline.domain.event.RolloutGateResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** Helpers the gates share: verdicts with their figures, and bounded cause lists. */
final class Gates {

    /** A halt's causes stay readable: the trace lists the first this many events of each failing gate. */
    static final int MAX_CAUSES = 200;

    private Gates() {
    }

    static RolloutGateResult result(RolloutGate gate, String verdict, Map<String, Double> values, Map<String, Double> thresholds,
                                    String detail, Collection<String> causes) {
        List<String> bounded = new ArrayList<>(causes).subList(0, Math.min(causes.size(), MAX_CAUSES));
        return new RolloutGateResult(gate.name(), gate.version(), verdict, values, thresholds, detail,
                RolloutGateResult.FAIL.equals(verdict) ? bounded : List.of());
    }

    static RolloutGateResult notApplicable(RolloutGate gate, Map<String, Double> thresholds, String why) {
        return new RolloutGateResult(gate.name(), gate.version(), RolloutGateResult.NOT_APPLICABLE, Map.of(), thresholds, why, List.of());
    }

    /** The sessions' spans on the edge clock (not their driving exposure: {@link Exposure#hours}). */
    static double hours(List<GateContext.SessionStats> sessions) {
        return sessions.stream().mapToDouble(GateContext.SessionStats::hours).sum();
    }

    static double threshold(Map<String, Double> thresholds, String name) {
        Double v = thresholds.get(name);
        if (v == null) {
            throw new IllegalStateException("threshold " + name + " is missing");
        }
        return v;
    }
}
