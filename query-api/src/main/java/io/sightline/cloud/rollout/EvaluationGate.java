package io.sightline.cloud.rollout;

import io.sightline.domain.event.RolloutGateResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * The evaluation gate for the version (issue 15 §6): the challenger's {@code EvaluationCompleted}
 * events (by model sha256, or in the challenger policy's evaluation log). Any evaluation whose release
 * gate failed fails it; at least {@code minPassed} that passed (or ran without a gate and without a
 * failed run) let it pass; none holds the rollout, on every step, shadow included.
 */
@Component
public class EvaluationGate implements RolloutGate {

    @Override
    public String name() {
        return "evaluation";
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    public Map<String, Double> defaults() {
        return Map.of("minPassed", 1.0);
    }

    @Override
    public String description() {
        return "the challenger's EvaluationCompleted: none failed its release gate, at least minPassed passed";
    }

    @Override
    public RolloutGateResult evaluate(GateContext c, Map<String, Double> t) {
        List<String> failed = c.evaluations().stream()
                .filter(e -> Boolean.FALSE.equals(e.gatePassed()) || (e.gatePassed() == null && e.failedRuns() > 0))
                .map(GateContext.Evaluation::eventId).toList();
        long passed = c.evaluations().size() - failed.size();
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("evaluations", (double) c.evaluations().size());
        v.put("passed", (double) passed);
        v.put("failed", (double) failed.size());
        if (!failed.isEmpty()) {
            return Gates.result(this, RolloutGateResult.FAIL, v, t, failed.size() + " evaluation(s) of the challenger failed", failed);
        }
        if (passed < Gates.threshold(t, "minPassed")) {
            return Gates.result(this, RolloutGateResult.INSUFFICIENT_DATA, v, t, passed + " passing evaluations of the challenger; "
                    + t.get("minPassed").intValue() + " needed (./sightline evaluate --cloud-url)", List.of());
        }
        return Gates.result(this, RolloutGateResult.PASS, v, t, passed + " evaluation(s) of the challenger passed", List.of());
    }
}
