package io.sightline.cloud.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sightline.domain.event.RolloutGateResult;
import io.sightline.domain.event.RolloutStarted;
import io.sightline.domain.event.RolloutStep;
import io.sightline.domain.rollout.RolloutCohorts;
import io.sightline.edge.shadow.AlertAgreement;
import io.sightline.edge.shadow.DetectionAgreement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The shadow-disagreement gate on hand-built shadow evidence: each measure that fails it, what holds the step, what it names. */
class ShadowDisagreementGateTest {

    static final ShadowDisagreementGate GATE = new ShadowDisagreementGate();
    static final long S = 1_000_000_000L;

    static AlertAgreement.Alert alert(String id, String kind, double atS, double ttcS) {
        return new AlertAgreement.Alert(id, kind, Math.round(atS * S), ttcS, -1);
    }

    /** A session of {@code frames} frames, car counts (tp, fp, fn), the given alerts and a shadow detect time of {@code detectMs} on every frame. */
    static GateContext.ShadowSession session(String id, long frames, long tp, long fp, long fn, List<AlertAgreement.Alert> champion,
                                             List<AlertAgreement.Alert> challenger, double detectMs) {
        return new GateContext.ShadowSession(id, "veh-" + id, frames, Map.of("car", new DetectionAgreement.Counts(tp, fp, fn)),
                List.of(id + "/frame/1/ShadowDetectionsObserved"), AlertAgreement.of(champion, challenger),
                LongStream.range(0, frames).map(i -> Math.round(detectMs * 1e6)).toArray(), List.of(id + "/slowest"), new long[] {30_000});
    }

    static GateContext context(RolloutStep step, List<GateContext.ShadowSession> shadow) {
        RolloutStarted plan = new RolloutStarted("r", "fleet-a", "a".repeat(64), "c".repeat(64), "b".repeat(64), null, List.of(step),
                List.of(), "rollback", RolloutCohorts.HASH, List.of("v"), "ada", 0, List.of());
        return new GateContext(plan, 0, step, 0, List.of("v"), List.of(), List.of(), List.of(), List.of(), shadow);
    }

    static RolloutGateResult run(GateContext c, Map<String, Double> overrides) {
        Map<String, Double> t = new HashMap<>(GATE.defaults());
        t.putAll(overrides);
        return GATE.evaluate(c, t);
    }

    static final RolloutStep SHADOW = new RolloutStep(RolloutStep.SHADOW, 10, 60);
    static final List<AlertAgreement.Alert> ONE_FCW = List.of(alert("champ-1", "FORWARD_COLLISION", 10, 3.0));

    @Test
    void agreeingEvidencePassesWithItsFigures() {
        RolloutGateResult r = run(context(SHADOW, List.of(session("s1", 600, 900, 50, 50, ONE_FCW,
                List.of(alert("shadow-1", "FORWARD_COLLISION", 10.2, 2.9)), 20))), Map.of());
        assertThat(r.verdict()).as(r.detail()).isEqualTo(RolloutGateResult.PASS);
        assertThat(r.values().get("detectionF1")).isCloseTo(1800.0 / 1900, within(1e-12));
        assertThat(r.values().get("f1.car")).isCloseTo(1800.0 / 1900, within(1e-12));
        assertThat(r.values().get("alertAgreement")).isEqualTo(1.0);
        assertThat(r.values().get("ttcDifferenceAtFirstWarningS")).isCloseTo(-0.1, within(1e-9));
        assertThat(r.values().get("challengerDetectCpuP99Micros")).isEqualTo(20_000.0);
        assertThat(r.values().get("championDetectP99Micros")).isEqualTo(30_000.0);
        assertThat(r.causes()).isEmpty();
    }

    @Test
    void tooFewFramesHoldTheStepAndCanaryStepsAreNotJudged() {
        GateContext few = context(SHADOW, List.of(session("s1", 499, 10, 0, 0, List.of(), List.of(), 20)));
        assertThat(run(few, Map.of()).verdict()).isEqualTo(RolloutGateResult.INSUFFICIENT_DATA);
        assertThat(run(context(SHADOW, List.of()), Map.of()).verdict()).as("no session shadowed yet").isEqualTo(RolloutGateResult.INSUFFICIENT_DATA);
        GateContext canary = context(new RolloutStep(RolloutStep.CANARY, 10, 60), List.of());
        assertThat(run(canary, Map.of()).verdict()).isEqualTo(RolloutGateResult.NOT_APPLICABLE);
    }

    @Test
    void eachMeasureFailsTheStepAndNamesItsEvents() {
        // Detection: F1 2·100 / (200 + 300 + 300) = 0.25, below 0.5; the disagreeing frames are the causes.
        RolloutGateResult f1 = run(context(SHADOW, List.of(session("s1", 600, 100, 300, 300, List.of(), List.of(), 20))), Map.of());
        assertThat(f1.verdict()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(f1.detail()).contains("detection F1 0.250", "car 0.250");
        assertThat(f1.causes()).containsExactly("s1/frame/1/ShadowDetectionsObserved");

        // Alerts: the champion's warning has no partner within 0.5 s, and the challenger raises one of its own.
        RolloutGateResult alerts = run(context(SHADOW, List.of(session("s1", 600, 900, 50, 50, ONE_FCW,
                List.of(alert("shadow-late", "FORWARD_COLLISION", 10.6, 2.5)), 20))), Map.of());
        assertThat(alerts.verdict()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(alerts.values().get("alertAgreement")).isEqualTo(0.0);
        assertThat(alerts.causes()).containsExactly("champ-1", "shadow-late");

        // TTC: agreed within 0.4 s, but the challenger's first warning comes at a TTC 0.8 s shorter.
        RolloutGateResult ttc = run(context(SHADOW, List.of(session("s1", 600, 900, 50, 50, ONE_FCW,
                List.of(alert("shadow-1", "FORWARD_COLLISION", 10.4, 2.2)), 20))), Map.of());
        assertThat(ttc.verdict()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(ttc.detail()).contains("median TTC difference at the first warning -0.80 s");
        assertThat(ttc.causes()).containsExactly("shadow-1");

        // Latency: 95 ms a frame against the 80 ms detect budget.
        RolloutGateResult slow = run(context(SHADOW, List.of(session("s1", 600, 900, 50, 50, List.of(), List.of(), 95))), Map.of());
        assertThat(slow.verdict()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(slow.detail()).contains("challenger detect CPU p99 95000 µs");
        assertThat(slow.causes()).containsExactly("s1/slowest");
    }

    @Test
    void sessionsArePooled() {
        // One bad session among good ones: pooled F1 (1800 + 20) / (1800 + 20 + 100 + 360) stays above 0.5.
        RolloutGateResult r = run(context(SHADOW, List.of(session("s1", 300, 900, 50, 50, List.of(), List.of(), 20),
                session("s2", 300, 10, 180, 180, List.of(), List.of(), 20))), Map.of());
        assertThat(r.values().get("shadowFrames")).isEqualTo(600.0);
        assertThat(r.values().get("detectionF1")).isCloseTo(1820.0 / 2280, within(1e-12));
        assertThat(r.verdict()).isEqualTo(RolloutGateResult.PASS);
    }

    /**
     * Two confirmed FCWs on the champion: the challenger raised the first (agreed within 0.5 s) and not
     * the second. Alert agreement alone (1 agreed of 2 distinct alerts, 0.5) passes at its default; the
     * confirmed one it would have missed fails the step, naming the alert and its review.
     */
    @Test
    void aReviewedTruePositiveTheChallengerDidNotRaiseFailsTheStepNamingTheAlertAndItsReview() {
        List<AlertAgreement.Alert> champion = List.of(alert("champ-1", "FORWARD_COLLISION", 10, 3.0),
                alert("champ-2", "FORWARD_COLLISION", 40, 3.1));
        List<AlertAgreement.Alert> challenger = List.of(alert("shadow-1", "FORWARD_COLLISION", 10.2, 2.9));
        GateContext.ShadowSession plain = session("s1", 600, 900, 50, 50, champion, challenger, 20);
        GateContext.ShadowSession reviewed = new GateContext.ShadowSession(plain.sessionId(), plain.vehicleId(), plain.frames(),
                plain.perClass(), plain.disagreeingFrames(), plain.alerts(), plain.shadowDetectNanos(), plain.slowestShadowFrames(),
                plain.championDetectP99Micros(), List.of(new GateContext.ReviewedAlert("champ-1", "review-1", true),
                        new GateContext.ReviewedAlert("champ-2", "review-2", false)));

        RolloutGateResult unreviewed = run(context(SHADOW, List.of(plain)), Map.of());
        assertThat(unreviewed.verdict()).as(unreviewed.detail()).isEqualTo(RolloutGateResult.PASS);
        assertThat(unreviewed.values().get("reviewedTruePositivesMissed")).isEqualTo(0.0);

        RolloutGateResult r = run(context(SHADOW, List.of(reviewed)), Map.of());
        assertThat(r.verdict()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(r.values().get("reviewedTruePositives")).isEqualTo(2.0);
        assertThat(r.values().get("reviewedTruePositivesMissed")).isEqualTo(1.0);
        assertThat(r.detail()).contains("1 of 2 reviewed true-positive alerts not raised by the challenger (max 0)");
        assertThat(r.causes()).containsExactly("champ-2", "review-2");

        // Allowing one miss passes; a plan made under version 1 of the gate (no such threshold) reports the count, unjudged.
        assertThat(run(context(SHADOW, List.of(reviewed)), Map.of("maxReviewedTruePositivesMissed", 1.0)).verdict())
                .isEqualTo(RolloutGateResult.PASS);
        Map<String, Double> v1 = new HashMap<>(GATE.defaults());
        v1.remove("maxReviewedTruePositivesMissed");
        RolloutGateResult old = GATE.evaluate(context(SHADOW, List.of(reviewed)), v1);
        assertThat(old.verdict()).isEqualTo(RolloutGateResult.PASS);
        assertThat(old.values().get("reviewedTruePositivesMissed")).isEqualTo(1.0);
    }

    @Test
    void aReplayedConfirmedAlertTheChallengerMissedFailsTheStepEvenWithoutShadowFramesAndPendingReplaysHold() {
        GateContext.ReplayedAlert raised = new GateContext.ReplayedAlert("rollout/r/ReviewedAlertReplayed/3", "alert-1", "review-1",
                "clip-1", "RAISED", -0.2);
        GateContext.ReplayedAlert missed = new GateContext.ReplayedAlert("rollout/r/ReviewedAlertReplayed/4", "alert-2", "review-2",
                "clip-2", "MISSED", null);
        GateContext.ReplayedAlert inconclusive = new GateContext.ReplayedAlert("rollout/r/ReviewedAlertReplayed/5", "alert-3", "review-3",
                "clip-3", "INCONCLUSIVE", null);
        GateContext noShadow = context(SHADOW, List.of());

        // A miss needs no shadow frame to fail the step: it names the replay, the alert, its review and the clip.
        RolloutGateResult failed = run(noShadow.withReplays(new GateContext.Replays(List.of(raised, missed, inconclusive), 0, 1, true)), Map.of());
        assertThat(failed.verdict()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(failed.detail()).contains("1 of 3 confirmed alerts of sessions without the shadow not raised by the challenger");
        assertThat(failed.causes()).containsExactly("rollout/r/ReviewedAlertReplayed/4", "alert-2", "review-2", "clip-2");
        assertThat(failed.values()).containsEntry("replayedTruePositives", 3.0).containsEntry("replayedTruePositivesMissed", 1.0)
                .containsEntry("replayedInconclusive", 1.0).containsEntry("replaysWithoutClip", 1.0);

        // Without a miss, too few shadow frames still hold; with enough, replays waiting hold too.
        GateContext.Replays waiting = new GateContext.Replays(List.of(raised, inconclusive), 2, 0, true);
        assertThat(run(noShadow.withReplays(waiting), Map.of()).verdict()).isEqualTo(RolloutGateResult.INSUFFICIENT_DATA);
        GateContext enough = context(SHADOW, List.of(session("s1", 600, 900, 50, 50, ONE_FCW,
                List.of(alert("shadow-1", "FORWARD_COLLISION", 10.1, 2.9)), 20)));
        RolloutGateResult held = run(enough.withReplays(waiting), Map.of());
        assertThat(held.verdict()).isEqualTo(RolloutGateResult.INSUFFICIENT_DATA);
        assertThat(held.detail()).contains("2 confirmed alert(s) of sessions without the shadow wait");
        assertThat(run(enough.withReplays(new GateContext.Replays(List.of(raised, inconclusive), 0, 0, true)), Map.of()).verdict())
                .isEqualTo(RolloutGateResult.PASS);

        // A plan of version 2 (no such threshold), or a cloud that cannot replay, reports the replays without judging them.
        Map<String, Double> v2 = new HashMap<>(GATE.defaults());
        v2.remove("maxReplayedTruePositivesMissed");
        GateContext withMiss = enough.withReplays(new GateContext.Replays(List.of(missed), 0, 0, true));
        RolloutGateResult old = GATE.evaluate(withMiss, v2);
        assertThat(old.verdict()).isEqualTo(RolloutGateResult.PASS);
        assertThat(old.values().get("replayedTruePositivesMissed")).isEqualTo(1.0);
        assertThat(old.detail()).contains("not judged: a plan of an earlier gate version");
        assertThat(GATE.judges("2")).isTrue();
        assertThat(GATE.judges("4")).isFalse();
        RolloutGateResult noReplayer = run(enough.withReplays(new GateContext.Replays(List.of(missed), 0, 0, false)), Map.of());
        assertThat(noReplayer.verdict()).isEqualTo(RolloutGateResult.PASS);
        assertThat(noReplayer.detail()).contains("not judged: this cloud cannot replay");
    }
}
