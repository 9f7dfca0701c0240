package io.sightline.cloud.rollout;

import io.sightline.domain.event.RolloutGateResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.statistics.inference.AlternativeHypothesis;
import org.apache.commons.statistics.inference.MannWhitneyUTest;
import org.springframework.stereotype.Component;

/**
 * Alert rate per hour of the canary's sessions against the control vehicles' sessions over the same
 * time: a one-sided Mann–Whitney U test (Apache Commons Statistics) on the per-session rates, because
 * sessions, not alerts, are the independent units (alerts within a session are correlated) and the
 * rates are far from normal (mostly zero). It fails when the canary's rates are larger at level
 * {@code alpha} and its pooled rate exceeds the control's by {@code minRatio} too, so a significant
 * but negligible rise holds nothing up.
 *
 * <p>Exposure (version 2, ADR-0044): a session whose ego speed was sampled ({@code VehicleStateSampled})
 * counts its alerts per hour of driving, speed-integrated by the sessions projection as
 * {@code /api/v1/quality} does, so time parked or in a queue does not dilute the rate; a session
 * without samples counts per hour of its span, as version 1 did for every session. The values say
 * how many sessions of each side used which. A plan stored under version 1 is judged by version 2:
 * same thresholds, the sharper exposure where there is one.
 */
@Component
public class AlertRateGate implements RolloutGate {

    @Override
    public String name() {
        return "alert-rate";
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
        return Map.of("alpha", 0.05, "minRatio", 1.25, "minCanarySessions", 5.0, "minControlSessions", 5.0);
    }

    @Override
    public String description() {
        return "alerts per hour of driving (speed-integrated where the session sampled its speed, else its span), canary sessions against"
                + " control sessions: one-sided Mann-Whitney U (p < alpha) and pooled ratio >= minRatio";
    }

    @Override
    public RolloutGateResult evaluate(GateContext c, Map<String, Double> t) {
        if (c.shadowStep()) {
            return Gates.notApplicable(this, t, "a shadow step raises no alerts from the challenger");
        }
        List<GateContext.SessionStats> canary = Exposure.counted(c.canary());
        List<GateContext.SessionStats> control = Exposure.counted(c.control());
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("canarySessions", (double) canary.size());
        v.put("controlSessions", (double) control.size());
        v.put("canaryDrivingExposureSessions", (double) Exposure.driving(canary));
        v.put("controlDrivingExposureSessions", (double) Exposure.driving(control));
        v.put("canarySpanExposureSessions", (double) (canary.size() - Exposure.driving(canary)));
        v.put("controlSpanExposureSessions", (double) (control.size() - Exposure.driving(control)));
        v.put("sessionsAwaitingExposure", (double) (Exposure.awaiting(c.canary()) + Exposure.awaiting(c.control())));
        double canaryHours = Exposure.hours(canary);
        double controlHours = Exposure.hours(control);
        v.put("canaryExposureHours", canaryHours);
        v.put("controlExposureHours", controlHours);
        String exposure = Exposure.describe(canary, control);
        double canaryRate = canaryHours == 0 ? 0 : canary.stream().mapToLong(s -> s.alerts().size()).sum() / canaryHours;
        double controlRate = controlHours == 0 ? 0 : control.stream().mapToLong(s -> s.alerts().size()).sum() / controlHours;
        v.put("canaryAlertsPerHour", canaryRate);
        v.put("controlAlertsPerHour", controlRate);
        if (canary.size() < Gates.threshold(t, "minCanarySessions") || control.size() < Gates.threshold(t, "minControlSessions")) {
            return Gates.result(this, RolloutGateResult.INSUFFICIENT_DATA, v, t, canary.size() + " canary and " + control.size()
                    + " control sessions; the test needs " + t.get("minCanarySessions").intValue() + " and " + t.get("minControlSessions").intValue()
                    + "; " + exposure, List.of());
        }
        double[] x = canary.stream().mapToDouble(s -> s.alerts().size() / s.exposureHours()).toArray();
        double[] y = control.stream().mapToDouble(s -> s.alerts().size() / s.exposureHours()).toArray();
        MannWhitneyUTest.Result r = MannWhitneyUTest.withDefaults().with(AlternativeHypothesis.GREATER_THAN).test(x, y);
        v.put("mannWhitneyU", r.getStatistic());
        v.put("pValue", r.getPValue());
        double ratio = controlRate == 0 ? (canaryRate == 0 ? 1 : Double.POSITIVE_INFINITY) : canaryRate / controlRate;
        v.put("rateRatio", Double.isInfinite(ratio) ? Double.MAX_VALUE : ratio);
        boolean fail = r.getPValue() < Gates.threshold(t, "alpha") && ratio >= Gates.threshold(t, "minRatio");
        List<String> causes = new ArrayList<>();
        if (fail) {
            canary.forEach(s -> causes.addAll(s.alerts()));
        }
        return Gates.result(this, fail ? RolloutGateResult.FAIL : RolloutGateResult.PASS, v, t, String.format(java.util.Locale.ROOT,
                "canary %.2f alerts/h against control %.2f alerts/h (ratio %.2f), one-sided Mann-Whitney p = %.4f; %s", canaryRate, controlRate,
                Double.isInfinite(ratio) ? Double.NaN : ratio, r.getPValue(), exposure), causes);
    }
}
