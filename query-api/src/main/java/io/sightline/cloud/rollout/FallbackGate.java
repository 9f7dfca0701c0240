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
 * more than {@code maxPerHour} per hour of exposure; holds until {@code minCanaryHours} have been
 * driven without failing.
 *
 * <p>Exposure (version 2, ADR-0044 as amended): the alert-rate gate's ({@link Exposure}), so both rate
 * gates judge the same hours: a session that sampled its speed counts its speed-integrated driving
 * time, one without samples its span, and one whose driving time is still being projected is left out
 * (its events too) until it is. Version 1 divided by the span of every session. A session that sampled
 * its speed and never moved adds its events and no hours: a challenger failing in a depot has still
 * failed. A plan stored under version 1 is judged by version 2 with its thresholds.
 */
@Component
public class FallbackGate implements RolloutGate {

    @Override
    public String name() {
        return "fallback-and-failures";
    }

    @Override
    public String version() {
        return "2";
    }

    @Override
    public boolean judges(String stored) {
        return "1".equals(stored) || version().equals(stored);
    }

    @Override
    public Map<String, Double> defaults() {
        return Map.of("maxPerHour", 1.0, "minEvents", 3.0, "minCanaryHours", 0.5);
    }

    @Override
    public String description() {
        return "FallbackEngaged + InferenceFailed per canary hour of driving (speed-integrated where the session sampled its speed, else its span)"
                + " against maxPerHour (at least minEvents to fail)";
    }

    @Override
    public RolloutGateResult evaluate(GateContext c, Map<String, Double> t) {
        if (c.shadowStep()) {
            return Gates.notApplicable(this, t, "a shadow's failures never reach the vehicle");
        }
        List<String> events = new ArrayList<>();
        long fallbacks = 0;
        long failures = 0;
        List<GateContext.SessionStats> canary = Exposure.known(c.canary());
        for (GateContext.SessionStats s : canary) {
            events.addAll(s.fallbacks());
            events.addAll(s.failures());
            fallbacks += s.fallbacks().size();
            failures += s.failures().size();
        }
        double hours = Exposure.hours(canary);
        String exposure = Exposure.describe(canary, List.of());
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("fallbackEngagements", (double) fallbacks);
        v.put("inferenceFailures", (double) failures);
        v.put("canaryHours", hours);
        v.put("canaryDrivingExposureSessions", (double) Exposure.driving(canary));
        v.put("canarySpanExposureSessions", (double) (canary.size() - Exposure.driving(canary)));
        v.put("sessionsAwaitingExposure", (double) Exposure.awaiting(c.canary()));
        double rate = hours == 0 ? (events.isEmpty() ? 0 : Double.MAX_VALUE) : events.size() / hours;
        v.put("perHour", rate);
        if (events.size() >= Gates.threshold(t, "minEvents") && rate > Gates.threshold(t, "maxPerHour")) {
            return Gates.result(this, RolloutGateResult.FAIL, v, t, String.format(java.util.Locale.ROOT,
                    "%d fallback engagements and %d inference failures in %.2f canary hours; %s", fallbacks, failures, hours, exposure), events);
        }
        if (hours < Gates.threshold(t, "minCanaryHours")) {
            return Gates.result(this, RolloutGateResult.INSUFFICIENT_DATA, v, t, String.format(java.util.Locale.ROOT,
                    "%.2f canary hours; the gate needs %.2f; %s", hours, t.get("minCanaryHours"), exposure), List.of());
        }
        return Gates.result(this, RolloutGateResult.PASS, v, t, String.format(java.util.Locale.ROOT, "%.2f per canary hour; %s", rate, exposure), List.of());
    }
}
