package io.sightline.cloud.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.domain.event.RolloutGateResult;
import io.sightline.domain.event.RolloutStarted;
import io.sightline.domain.event.RolloutStep;
import io.sightline.domain.rollout.RolloutCohorts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Each gate on evidence built by hand: what fails it, what passes it, what holds the step, and the events a failure names. */
class RolloutGatesTest {

    static final RolloutGates GATES = new RolloutGates(List.of(new AlertRateGate(), new LatencyBudgetGate(), new FallbackGate(),
            new ReviewedFalsePositivesGate(), new EvaluationGate(), new CohortFindingsGate(), new EdgeRefusalsGate()));
    static final RolloutStep CANARY = new RolloutStep(RolloutStep.CANARY, 10, 60);
    static final RolloutStep SHADOW = new RolloutStep(RolloutStep.SHADOW, 10, 60);

    static List<String> ids(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> prefix + i).toList();
    }

    /** A one-hour session with {@code alerts} alerts. */
    static GateContext.SessionStats session(String id, int alerts) {
        return new GateContext.SessionStats(id, "veh-" + id, 1.0, ids(id + "-alert-", alerts), List.of(), List.of(), List.of(), List.of(),
                Map.of(), List.of());
    }

    static GateContext context(RolloutStep step, List<GateContext.SessionStats> canary, List<GateContext.SessionStats> control,
                               List<GateContext.Finding> findings, List<GateContext.Evaluation> evaluations) {
        RolloutStarted plan = new RolloutStarted("r", "fleet-a", "a".repeat(64), "c".repeat(64), "b".repeat(64), null, List.of(step),
                GATES.defaults(), "rollback", RolloutCohorts.HASH, List.of("v"), "ada", 0, List.of());
        return new GateContext(plan, 0, step, 0, List.of("v"), canary, control, findings, evaluations);
    }

    RolloutGateResult run(String gate, GateContext c, Map<String, Double> overrides) {
        return GATES.byName(gate).orElseThrow().evaluate(c, GATES.configure(gate, overrides).thresholds());
    }

    @Test
    void alertRateFailsOnACanaryThatAlertsMoreThanTheControlAndNamesItsAlerts() {
        List<GateContext.SessionStats> canary = new ArrayList<>();
        List<GateContext.SessionStats> control = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            canary.add(session("k" + i, 4 + i % 3));
            control.add(session("c" + i, i % 2));
        }
        RolloutGateResult r = run("alert-rate", context(CANARY, canary, control, List.of(), List.of()), Map.of());
        assertThat(r.verdict()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(r.values().get("pValue")).isLessThan(0.05);
        assertThat(r.values().get("canaryAlertsPerHour")).as("39 alerts in 8 hours").isEqualTo(4.875);
        assertThat(r.values().get("controlAlertsPerHour")).isEqualTo(0.5);
        assertThat(r.causes()).hasSize(39).contains("k0-alert-0");

        List<GateContext.SessionStats> same = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            same.add(session("s" + i, i % 2));
        }
        RolloutGateResult equal = run("alert-rate", context(CANARY, same, control, List.of(), List.of()), Map.of());
        assertThat(equal.verdict()).isEqualTo(RolloutGateResult.PASS);
        assertThat(equal.causes()).isEmpty();
        assertThat(run("alert-rate", context(CANARY, canary.subList(0, 3), control, List.of(), List.of()), Map.of()).verdict())
                .isEqualTo(RolloutGateResult.INSUFFICIENT_DATA);
        assertThat(run("alert-rate", context(SHADOW, canary, control, List.of(), List.of()), Map.of()).verdict())
                .isEqualTo(RolloutGateResult.NOT_APPLICABLE);
    }

    /**
     * ADR-0044: a session that sampled its speed counts its alerts per hour of driving, one that did not per hour of its span,
     * one whose driving time the sessions projection has not finished is left out; the values and the detail say which.
     */
    @Test
    void alertRateCountsPerHourOfDrivingWhereTheSpeedWasSampledAndSaysWhichExposureItUsed() {
        List<GateContext.SessionStats> canary = new ArrayList<>();
        List<GateContext.SessionStats> control = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            // One-hour sessions, half an hour of it driving: 2 alerts are 4 per driving hour.
            canary.add(session("k" + i, 2).withExposure(GateContext.SessionStats.DRIVING, 0.5));
            control.add(session("c" + i, 2).withExposure(GateContext.SessionStats.DRIVING, 1.0));
        }
        RolloutGateResult driving = run("alert-rate", context(CANARY, canary, control, List.of(), List.of()), Map.of());
        assertThat(driving.version()).isEqualTo("2");
        assertThat(driving.values().get("canaryAlertsPerHour")).isEqualTo(4.0);
        assertThat(driving.values().get("controlAlertsPerHour")).isEqualTo(2.0);
        assertThat(driving.values().get("canaryExposureHours")).isEqualTo(3.0);
        assertThat(driving.values().get("canaryDrivingExposureSessions")).isEqualTo(6.0);
        assertThat(driving.values().get("controlSpanExposureSessions")).isEqualTo(0.0);
        assertThat(driving.detail()).endsWith("exposure: speed-integrated driving time of every session");
        assertThat(driving.verdict()).as("twice the control's rate in every session").isEqualTo(RolloutGateResult.FAIL);

        // The same sessions by their span: the rates are equal, nothing fails.
        List<GateContext.SessionStats> spans = canary.stream().map(x -> x.withExposure(GateContext.SessionStats.SPAN, x.hours())).toList();
        List<GateContext.SessionStats> controlSpans = control.stream().map(x -> x.withExposure(GateContext.SessionStats.SPAN, x.hours())).toList();
        RolloutGateResult span = run("alert-rate", context(CANARY, spans, controlSpans, List.of(), List.of()), Map.of());
        assertThat(span.values().get("canaryAlertsPerHour")).isEqualTo(2.0);
        assertThat(span.values().get("canarySpanExposureSessions")).isEqualTo(6.0);
        assertThat(span.detail()).endsWith("exposure: session span (no session sampled its speed)");
        assertThat(span.verdict()).isEqualTo(RolloutGateResult.PASS);

        // Mixed, and one session waiting for the sessions projection: counted apart and said so.
        List<GateContext.SessionStats> mixed = new ArrayList<>(canary.subList(0, 3));
        mixed.addAll(spans.subList(3, 6));
        mixed.add(session("late", 9).withExposure(GateContext.SessionStats.PENDING, 0));
        RolloutGateResult m = run("alert-rate", context(CANARY, mixed, control, List.of(), List.of()), Map.of());
        assertThat(m.values().get("canarySessions")).isEqualTo(6.0);
        assertThat(m.values().get("sessionsAwaitingExposure")).isEqualTo(1.0);
        assertThat(m.values().get("canaryExposureHours")).isEqualTo(4.5);
        assertThat(m.detail()).endsWith("exposure: speed-integrated driving time for 3 of 6 canary and 6 of 6 control sessions, session span for the rest");
        assertThat(GATES.byName("alert-rate").orElseThrow().judges("1")).as("a plan stored under version 1 is judged by version 2").isTrue();
    }

    @Test
    void latencyFailsWhenTheCanarysWindowP99sExceedTheStageBudget() {
        List<GateContext.SessionStats> canary = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            canary.add(new GateContext.SessionStats("k" + i, "v", 1.0, List.of(), List.of(), List.of(), List.of(), List.of(),
                    Map.of("detect", List.of(new GateContext.WindowP99("w" + i, 90_000))), List.of()));
        }
        RolloutGateResult r = run("latency-p99", context(CANARY, canary, List.of(), List.of(), List.of()), Map.of());
        assertThat(r.verdict()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(r.values()).containsEntry("detect.p99Micros", 90_000.0);
        assertThat(r.thresholds()).containsEntry("detect.maxP99Micros", 80_000.0);
        assertThat(r.causes()).containsExactly("w0", "w1", "w2", "w3");
        assertThat(run("latency-p99", context(CANARY, canary, List.of(), List.of(), List.of()), Map.of("detect.maxP99Micros", 100_000.0))
                .verdict()).isEqualTo(RolloutGateResult.PASS);
    }

    @Test
    void fallbacksAndFailuresFailAboveTheirRateOnceThereAreEnough() {
        GateContext.SessionStats failing = new GateContext.SessionStats("k", "v", 1.0, List.of(), List.of(), List.of(), List.of("fb1", "fb2"),
                List.of("if1", "if2"), Map.of(), List.of());
        RolloutGateResult r = run("fallback-and-failures", context(CANARY, List.of(failing), List.of(), List.of(), List.of()), Map.of());
        assertThat(r.verdict()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(r.causes()).containsExactly("fb1", "fb2", "if1", "if2");
        assertThat(run("fallback-and-failures", context(CANARY, List.of(session("k", 0)), List.of(), List.of(), List.of()), Map.of())
                .verdict()).isEqualTo(RolloutGateResult.PASS);
        assertThat(run("fallback-and-failures", context(CANARY, List.of(), List.of(), List.of(), List.of()), Map.of()).verdict())
                .isEqualTo(RolloutGateResult.INSUFFICIENT_DATA);
    }

    /**
     * ADR-0044 as amended: fallbacks and failures per hour of the alert-rate gate's exposure. Three fallbacks in a 4-hour
     * session driven for 1 hour are 3 per driving hour (above 1: fail), where the span made them 0.75 (pass); a session whose
     * driving time is still being projected counts neither its hours nor its events; the values and the detail say which.
     */
    @Test
    void fallbacksAndFailuresAreCountedPerHourOfDrivingWhereTheSpeedWasSampledAndSayWhichExposure() {
        GateContext.SessionStats parkedMostly = new GateContext.SessionStats("k", "v", 4.0, List.of(), List.of(), List.of(),
                List.of("fb1", "fb2"), List.of("if1"), Map.of(), List.of());
        RolloutGateResult span = run("fallback-and-failures", context(CANARY, List.of(parkedMostly), List.of(), List.of(), List.of()), Map.of());
        assertThat(span.verdict()).as(span.detail()).isEqualTo(RolloutGateResult.PASS);
        assertThat(span.values().get("perHour")).isEqualTo(0.75);
        assertThat(span.values().get("canarySpanExposureSessions")).isEqualTo(1.0);
        assertThat(span.detail()).endsWith("exposure: session span (no session sampled its speed)");

        GateContext.SessionStats sampled = parkedMostly.withExposure(GateContext.SessionStats.DRIVING, 1.0);
        GateContext.SessionStats projecting = new GateContext.SessionStats("late", "v", 1.0, List.of(), List.of(), List.of(),
                List.of("fb-late"), List.of(), Map.of(), List.of()).withExposure(GateContext.SessionStats.PENDING, 0);
        RolloutGateResult driving = run("fallback-and-failures", context(CANARY, List.of(sampled, projecting), List.of(), List.of(), List.of()),
                Map.of());
        assertThat(driving.version()).isEqualTo("2");
        assertThat(driving.verdict()).as(driving.detail()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(driving.values().get("perHour")).isEqualTo(3.0);
        assertThat(driving.values().get("canaryHours")).isEqualTo(1.0);
        assertThat(driving.values().get("canaryDrivingExposureSessions")).isEqualTo(1.0);
        assertThat(driving.values().get("sessionsAwaitingExposure")).isEqualTo(1.0);
        assertThat(driving.causes()).containsExactly("fb1", "fb2", "if1");
        assertThat(driving.detail()).isEqualTo("2 fallback engagements and 1 inference failures in 1.00 canary hours;"
                + " exposure: speed-integrated driving time of every session");

        // A quarter hour of driving and a one-hour span are 1.25 hours of exposure: below minCanaryHours the step holds.
        GateContext.SessionStats clean = session("c", 0).withExposure(GateContext.SessionStats.DRIVING, 0.25);
        RolloutGateResult held = run("fallback-and-failures", context(CANARY, List.of(clean, session("s", 0)), List.of(), List.of(), List.of()),
                Map.of("minCanaryHours", 1.5));
        assertThat(held.verdict()).isEqualTo(RolloutGateResult.INSUFFICIENT_DATA);
        assertThat(held.detail()).isEqualTo("1.25 canary hours; the gate needs 1.50; exposure: speed-integrated driving time for 1 of 2 canary"
                + " sessions, session span for the rest");
        assertThat(GATES.byName("fallback-and-failures").orElseThrow().judges("1")).as("a plan stored under version 1 is judged by version 2")
                .isTrue();
    }

    @Test
    void reviewedFalsePositivesFailAboveTheirShareAndAreNotJudgedWithTooFewReviews() {
        GateContext.SessionStats reviewed = new GateContext.SessionStats("k", "v", 1.0, List.of(), ids("fp", 4), ids("tp", 2), List.of(),
                List.of(), Map.of(), List.of());
        RolloutGateResult r = run("reviewed-false-positives", context(CANARY, List.of(reviewed), List.of(), List.of(), List.of()), Map.of());
        assertThat(r.verdict()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(r.causes()).containsExactlyElementsOf(ids("fp", 4));
        GateContext few = context(CANARY, List.of(new GateContext.SessionStats("k", "v", 1.0, List.of(), ids("fp", 2), List.of(), List.of(),
                List.of(), Map.of(), List.of())), List.of(), List.of(), List.of());
        assertThat(run("reviewed-false-positives", few, Map.of()).verdict()).isEqualTo(RolloutGateResult.NOT_APPLICABLE);
        assertThat(run("reviewed-false-positives", few, Map.of("requireReviews", 1.0)).verdict()).isEqualTo(RolloutGateResult.INSUFFICIENT_DATA);
    }

    @Test
    void theEvaluationGateAndTheFindingsGateJudgeShadowStepsToo() {
        GateContext failed = context(SHADOW, List.of(), List.of(), List.of(new GateContext.Finding("drift-1", "drift", "drift x", null)),
                List.of(new GateContext.Evaluation("e1", "eval-1", false, 10, 3), new GateContext.Evaluation("e2", "eval-2", true, 10, 0)));
        assertThat(run("evaluation", failed, Map.of()).causes()).containsExactly("e1");
        assertThat(run("cohort-findings", failed, Map.of()).causes()).containsExactly("drift-1");
        GateContext clean = context(SHADOW, List.of(), List.of(), List.of(), List.of(new GateContext.Evaluation("e2", "eval-2", true, 10, 0)));
        assertThat(run("evaluation", clean, Map.of()).verdict()).isEqualTo(RolloutGateResult.PASS);
        assertThat(run("cohort-findings", clean, Map.of()).verdict()).isEqualTo(RolloutGateResult.PASS);
        assertThat(run("evaluation", context(SHADOW, List.of(), List.of(), List.of(), List.of()), Map.of()).verdict())
                .isEqualTo(RolloutGateResult.INSUFFICIENT_DATA);
    }

    @Test
    void aCohortVehicleRefusingTheChallengerFailsEdgeRefusalsAndNothingElse() {
        GateContext refused = context(CANARY, List.of(), List.of(), List.of(new GateContext.Finding("rej-1", "model-rejected",
                "veh-3: signed by an untrusted key", "veh-3")), List.of());
        RolloutGateResult r = run("edge-refusals", refused, Map.of());
        assertThat(r.verdict()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(r.causes()).containsExactly("rej-1");
        assertThat(r.values()).containsEntry("vehiclesRejecting", 1.0);
        assertThat(run("cohort-findings", refused, Map.of()).verdict()).as("a refusal is not a drift or latency finding")
                .isEqualTo(RolloutGateResult.PASS);
        assertThat(run("edge-refusals", context(SHADOW, List.of(), List.of(), List.of(), List.of()), Map.of()).verdict())
                .isEqualTo(RolloutGateResult.PASS);
    }

    @Test
    void aCohortVehicleRefusingTheChallengerPolicyFailsEdgeRefusalsToo() {
        GateContext refused = context(CANARY, List.of(), List.of(), List.of(new GateContext.Finding("pol-rej-1", "policy-rejected",
                "veh-4: the release signature does not verify", "veh-4")), List.of());
        RolloutGateResult r = run("edge-refusals", refused, Map.of());
        assertThat(r.verdict()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(r.version()).isEqualTo("2");
        assertThat(r.causes()).containsExactly("pol-rej-1");
        assertThat(r.values()).containsEntry("rejections", 1.0).containsEntry("vehiclesRejecting", 1.0);
    }

    @Test
    void anUnknownGateOrThresholdIsRefused() {
        assertThatThrownBy(() -> GATES.configure("shadow-f1", Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown gate 'shadow-f1'");
        assertThatThrownBy(() -> GATES.configure("alert-rate", Map.of("beta", 0.1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gate alert-rate has no threshold 'beta'");
    }
}
