package io.sightline.cloud.rollout;

import io.sightline.domain.event.RolloutGateResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Drift and latency findings on the cohort since the step began (issue 16): {@code DriftDetected}
 * on the challenger model in the fleet or on a cohort vehicle, and {@code LatencyRegressionDetected}
 * on the challenger model in the fleet. The monitors already carry their own statistics and
 * confidence, so the gate counts findings: more than {@code maxDriftFindings} or
 * {@code maxLatencyFindings} fails. No finding is evidence too: it never holds a step.
 */
@Component
public class CohortFindingsGate implements RolloutGate {

    @Override
    public String name() {
        return "cohort-findings";
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    public Map<String, Double> defaults() {
        return Map.of("maxDriftFindings", 0.0, "maxLatencyFindings", 0.0);
    }

    @Override
    public String description() {
        return "DriftDetected / LatencyRegressionDetected on the challenger or a cohort vehicle since the step began";
    }

    @Override
    public RolloutGateResult evaluate(GateContext c, Map<String, Double> t) {
        List<GateContext.Finding> drift = c.findings().stream().filter(f -> "drift".equals(f.kind())).toList();
        List<GateContext.Finding> latency = c.findings().stream().filter(f -> "latency-regression".equals(f.kind())).toList();
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("driftFindings", (double) drift.size());
        v.put("latencyFindings", (double) latency.size());
        boolean fail = drift.size() > Gates.threshold(t, "maxDriftFindings") || latency.size() > Gates.threshold(t, "maxLatencyFindings");
        if (fail) {
            List<String> causes = new java.util.ArrayList<>();
            drift.forEach(f -> causes.add(f.eventId()));
            latency.forEach(f -> causes.add(f.eventId()));
            return Gates.result(this, RolloutGateResult.FAIL, v, t, drift.size() + " drift and " + latency.size()
                    + " latency findings on the cohort: " + String.join(", ", c.findings().stream().map(GateContext.Finding::detail).toList()), causes);
        }
        return Gates.result(this, RolloutGateResult.PASS, v, t, "no drift or latency finding on the cohort since the step began", List.of());
    }
}
