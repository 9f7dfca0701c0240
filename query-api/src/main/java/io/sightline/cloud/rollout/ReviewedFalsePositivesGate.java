package io.sightline.cloud.rollout;

import io.sightline.domain.event.RolloutGateResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Reviewed false positives among the canary's alerts ({@code AlertReviewed}, verdicts
 * TRUE_POSITIVE and FALSE_POSITIVE; UNSURE counts for neither): fails when at least
 * {@code minReviewed} are reviewed and the false share exceeds {@code maxFalseShare}. With fewer
 * reviews it does not judge, unless {@code requireReviews} is 1, when it holds the step.
 */
@Component
public class ReviewedFalsePositivesGate implements RolloutGate {

    @Override
    public String name() {
        return "reviewed-false-positives";
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    public Map<String, Double> defaults() {
        return Map.of("maxFalseShare", 0.5, "minReviewed", 5.0, "requireReviews", 0.0);
    }

    @Override
    public String description() {
        return "FALSE_POSITIVE / reviewed canary alerts against maxFalseShare, once minReviewed are reviewed";
    }

    @Override
    public RolloutGateResult evaluate(GateContext c, Map<String, Double> t) {
        if (c.shadowStep()) {
            return Gates.notApplicable(this, t, "a shadow raises no alerts to review");
        }
        List<String> falses = new ArrayList<>();
        long trues = 0;
        for (GateContext.SessionStats s : c.canary()) {
            falses.addAll(s.falsePositives());
            trues += s.truePositives().size();
        }
        long reviewed = falses.size() + trues;
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("reviewedAlerts", (double) reviewed);
        v.put("falsePositives", (double) falses.size());
        double share = reviewed == 0 ? 0 : falses.size() / (double) reviewed;
        v.put("falseShare", share);
        if (reviewed < Gates.threshold(t, "minReviewed")) {
            String why = reviewed + " canary alerts reviewed, fewer than " + t.get("minReviewed").intValue();
            return Gates.threshold(t, "requireReviews") >= 1
                    ? Gates.result(this, RolloutGateResult.INSUFFICIENT_DATA, v, t, why, List.of())
                    : new RolloutGateResult(name(), version(), RolloutGateResult.NOT_APPLICABLE, v, t, why + ": not judged", List.of());
        }
        boolean fail = share > Gates.threshold(t, "maxFalseShare");
        return Gates.result(this, fail ? RolloutGateResult.FAIL : RolloutGateResult.PASS, v, t, String.format(java.util.Locale.ROOT,
                "%d of %d reviewed canary alerts false (%.0f %%)", falses.size(), reviewed, 100 * share), falses);
    }
}
