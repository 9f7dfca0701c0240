package io.sightline.cloud.rollout;

import io.sightline.domain.event.RolloutGateResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Fallback engagements and inference failures on the canary: each means the challenger did not
 * serve a frame it should have. Fails once the canary has at least {@code minEvents} of them and
 * more than {@code maxPerHour} per session hour; holds until {@code minCanaryHours} have been driven
 * without failing.
 */
@Component
public class FallbackGate implements RolloutGate {

    @Override
    public String name() {
        return "fallback-and-failures";
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    public Map<String, Double> defaults() {
        return Map.of("maxPerHour", 1.0, "minEvents", 3.0, "minCanaryHours", 0.5);
    }

    @Override
    public String description() {
        return "FallbackEngaged + InferenceFailed per canary session hour against maxPerHour (at least minEvents to fail)";
    }

    @Override
    public RolloutGateResult evaluate(GateContext c, Map<String, Double> t) {
        if (c.shadowStep()) {
            return Gates.notApplicable(this, t, "a shadow's failures never reach the vehicle");
        }
        List<String> events = new ArrayList<>();
        long fallbacks = 0;
        long failures = 0;
        for (GateContext.SessionStats s : c.canary()) {
            events.addAll(s.fallbacks());
            events.addAll(s.failures());
            fallbacks += s.fallbacks().size();
            failures += s.failures().size();
        }
        double hours = Gates.hours(c.canary());
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("fallbackEngagements", (double) fallbacks);
        v.put("inferenceFailures", (double) failures);
        v.put("canaryHours", hours);
        double rate = hours == 0 ? (events.isEmpty() ? 0 : Double.MAX_VALUE) : events.size() / hours;
        v.put("perHour", rate);
        if (events.size() >= Gates.threshold(t, "minEvents") && rate > Gates.threshold(t, "maxPerHour")) {
            return Gates.result(this, RolloutGateResult.FAIL, v, t, String.format(java.util.Locale.ROOT,
                    "%d fallback engagements and %d inference failures in %.2f canary hours", fallbacks, failures, hours), events);
        }
        if (hours < Gates.threshold(t, "minCanaryHours")) {
            return Gates.result(this, RolloutGateResult.INSUFFICIENT_DATA, v, t, String.format(java.util.Locale.ROOT,
                    "%.2f canary hours; the gate needs %.2f", hours, t.get("minCanaryHours")), List.of());
        }
        return Gates.result(this, RolloutGateResult.PASS, v, t, String.format(java.util.Locale.ROOT, "%.2f per canary hour", rate), List.of());
    }
}
