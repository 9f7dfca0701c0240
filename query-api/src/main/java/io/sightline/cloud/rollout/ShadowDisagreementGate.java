package io.sightline.cloud.rollout;

import io.sightline.domain.event.RolloutGateResult;
import io.sightline.edge.shadow.AlertAgreement;
import io.sightline.edge.shadow.DetectionAgreement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.stereotype.Component;

/**
 * Issue 17 §3 on a shadow step: the challenger's {@code Shadow…} events against the champion's on the
 * same frames of the cohort's sessions ({@link ShadowEvidenceReader}), pooled over the sessions:
 * <ul>
 *   <li>detection F1 against the champion, overall and per class with at least {@code minClassBoxes}
 *       champion boxes (Hungarian matching at IoU ≥ 0.5: the champion is the reference, not the truth,
 *       so this finds gross disagreement, not which model is better);</li>
 *   <li>alert agreement: the same kind raised within ±0.5 s, over all alerts of both sides;</li>
 *   <li>TTC difference at the first warning, challenger minus champion, over the agreed forward-collision
 *       pairs: the median may not be below {@code minTtcDifferenceS} (negative: the challenger warns later);</li>
 *   <li>latency: the challenger's detect CPU-time p99 (nearest rank over the compared frames) against
 *       {@code maxChallengerDetectCpuP99Micros}, the edge's detect budget, since a promoted challenger runs
 *       as champion. CPU time, because the shadow's wall time at nice 19 is mostly waiting for a core on a
 *       busy vehicle. The champion's wall-clock detect p99 (the median of its window p99s) is reported beside it.</li>
 *   <li>reviewed true positives the challenger would have missed (version 2): the champion's alerts that a
 *       reviewer confirmed and that the challenger, on the same frames, did not raise (same kind within
 *       ±0.5 s); at most {@code maxReviewedTruePositivesMissed}. Reviews count as they are when the gate
 *       reads, so a review that arrives during the bake is judged at the next check. A plan made under
 *       version 1 has no such threshold: the count is reported and not judged.</li>
 *   <li>confirmed alerts of sessions that ran no shadow, replayed through the challenger (version 3,
 *       ADR-0040, {@link ReviewedAlertReplays}): those the challenger did not raise while the champion's
 *       own replay did, at most {@code maxReplayedTruePositivesMissed}; while confirmed alerts with a clip
 *       wait for their replay the step holds. A plan made under version 1 or 2 lacks the threshold and
 *       has the replays reported, not judged.</li>
 * </ul>
 * Fewer than {@code minShadowFrames} compared frames holds the step; canary steps are not judged.
 */
@Component
public class ShadowDisagreementGate implements RolloutGate {

    static final String FORWARD_COLLISION = "FORWARD_COLLISION";

    @Override
    public String name() {
        return "shadow-disagreement";
    }

    @Override
    public String version() {
        return "3";
    }

    /** Versions 1 and 2 differ only by thresholds their plans lack, which this version then reports without judging. */
    @Override
    public boolean judges(String stored) {
        return "1".equals(stored) || "2".equals(stored) || "3".equals(stored);
    }

    @Override
    public Map<String, Double> defaults() {
        Map<String, Double> d = new TreeMap<>();
        d.put("minShadowFrames", 500.0);
        d.put("minDetectionF1", 0.5);
        d.put("minClassF1", 0.3);
        d.put("minClassBoxes", 100.0);
        d.put("minAlertAgreement", 0.5);
        d.put("minTtcDifferenceS", -0.5);
        d.put("maxChallengerDetectCpuP99Micros", 80_000.0);
        d.put("maxReviewedTruePositivesMissed", 0.0);
        d.put("maxReplayedTruePositivesMissed", 0.0);
        return d;
    }

    @Override
    public String description() {
        return "shadow step: the challenger's Shadow… events against the champion's on the same frames: detection F1 (overall and per"
                + " class, Hungarian at IoU >= 0.5), alert agreement within 0.5 s, TTC difference at the first warning, detect CPU p99,"
                + " reviewed true-positive alerts the challenger did not raise, in the shadow sessions and replayed from other sessions' clips";
    }

    @Override
    public RolloutGateResult evaluate(GateContext c, Map<String, Double> t) {
        if (!c.shadowStep()) {
            return Gates.notApplicable(this, t, "judged on shadow steps only");
        }
        long frames = c.shadow().stream().mapToLong(GateContext.ShadowSession::frames).sum();
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("shadowSessions", (double) c.shadow().size());
        v.put("shadowFrames", (double) frames);
        // Replays of confirmed alerts of sessions without the shadow (version 3): a miss fails the step however few
        // shadow frames there are yet, since it needs none of them.
        GateContext.Replays replays = c.replays();
        List<GateContext.ReplayedAlert> replayMissed = replays.replayed().stream()
                .filter(r -> io.sightline.domain.event.ReviewedAlertReplayed.MISSED.equals(r.outcome())).toList();
        v.put("replayedTruePositives", (double) replays.replayed().size());
        v.put("replayedTruePositivesMissed", (double) replayMissed.size());
        v.put("replayedInconclusive", (double) replays.replayed().stream()
                .filter(r -> io.sightline.domain.event.ReviewedAlertReplayed.INCONCLUSIVE.equals(r.outcome())).count());
        v.put("replaysPending", (double) replays.pending());
        v.put("replaysWithoutClip", (double) replays.withoutEvidence());
        Double maxReplayMissed = t.get("maxReplayedTruePositivesMissed");
        boolean judgeReplays = maxReplayMissed != null && replays.replayer();
        List<String> failures = new ArrayList<>();
        List<String> causes = new ArrayList<>();
        if (judgeReplays && replayMissed.size() > maxReplayMissed) {
            failures.add(String.format(Locale.ROOT, "%d of %d confirmed alerts of sessions without the shadow not raised by the challenger"
                    + " when their clips were replayed (max %.0f)", replayMissed.size(), replays.replayed().size(), maxReplayMissed));
            replayMissed.forEach(r -> {
                causes.add(r.replayEventId());
                causes.add(r.alertEventId());
                causes.add(r.reviewEventId());
                if (r.evidenceEventId() != null) {
                    causes.add(r.evidenceEventId());
                }
            });
        }
        if (frames < Gates.threshold(t, "minShadowFrames")) {
            if (!failures.isEmpty()) {
                return Gates.result(this, RolloutGateResult.FAIL, v, t, String.join("; ", failures), causes);
            }
            return Gates.result(this, RolloutGateResult.INSUFFICIENT_DATA, v, t, String.format(Locale.ROOT,
                    "%d frames compared in %d shadow session(s), %d needed", frames, c.shadow().size(), (long) Gates.threshold(t, "minShadowFrames")),
                    List.of());
        }
        Map<String, long[]> perClass = new TreeMap<>();
        List<String> disagreeing = new ArrayList<>();
        List<AlertAgreement.Pair> agreed = new ArrayList<>();
        List<String> championOnly = new ArrayList<>();
        List<String> challengerOnly = new ArrayList<>();
        List<long[]> shadowTimes = new ArrayList<>();
        List<String> slowest = new ArrayList<>();
        List<Long> championP99 = new ArrayList<>();
        List<GateContext.ReviewedAlert> reviewed = new ArrayList<>();
        for (GateContext.ShadowSession s : c.shadow()) {
            reviewed.addAll(s.reviewedTruePositives());
            s.perClass().forEach((k, n) -> {
                long[] sum = perClass.computeIfAbsent(k, x -> new long[3]);
                sum[0] += n.truePositives();
                sum[1] += n.falsePositives();
                sum[2] += n.falseNegatives();
            });
            disagreeing.addAll(s.disagreeingFrames());
            agreed.addAll(s.alerts().agreed());
            s.alerts().championOnly().forEach(a -> championOnly.add(a.alertId()));
            s.alerts().challengerOnly().forEach(a -> challengerOnly.add(a.alertId()));
            shadowTimes.add(s.shadowDetectNanos());
            slowest.addAll(s.slowestShadowFrames());
            Arrays.stream(s.championDetectP99Micros()).forEach(championP99::add);
        }
        long tp = 0;
        long fp = 0;
        long fn = 0;
        List<String> weakClasses = new ArrayList<>();
        for (Map.Entry<String, long[]> e : perClass.entrySet()) {
            long[] n = e.getValue();
            tp += n[0];
            fp += n[1];
            fn += n[2];
            DetectionAgreement.Counts k = new DetectionAgreement.Counts(n[0], n[1], n[2]);
            if (k.championBoxes() >= Gates.threshold(t, "minClassBoxes")) {
                v.put("f1." + e.getKey(), k.f1());
                if (k.f1() < Gates.threshold(t, "minClassF1")) {
                    weakClasses.add(String.format(Locale.ROOT, "%s %.3f", e.getKey(), k.f1()));
                }
            }
        }
        DetectionAgreement.Counts overall = new DetectionAgreement.Counts(tp, fp, fn);
        double f1 = Double.isNaN(overall.f1()) ? 1.0 : overall.f1();
        v.put("detectionF1", f1);
        v.put("detectionPrecision", overall.precision());
        v.put("detectionRecall", overall.recall());
        int allAlerts = agreed.size() + championOnly.size() + challengerOnly.size();
        double alertAgreement = allAlerts == 0 ? 1.0 : agreed.size() / (double) allAlerts;
        v.put("alertAgreement", alertAgreement);
        v.put("alertsAgreed", (double) agreed.size());
        v.put("alertsChampionOnly", (double) championOnly.size());
        v.put("alertsChallengerOnly", (double) challengerOnly.size());
        List<AlertAgreement.Pair> fcw = agreed.stream().filter(p -> FORWARD_COLLISION.equals(p.champion().kind()))
                .filter(p -> Double.isFinite(p.ttcDifferenceS())).toList();
        double medianTtcDifference = fcw.isEmpty() ? Double.NaN
                : median(fcw.stream().mapToDouble(AlertAgreement.Pair::ttcDifferenceS).toArray());
        v.put("ttcDifferenceAtFirstWarningS", medianTtcDifference);
        long[] all = shadowTimes.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        double challengerP99Micros = all.length == 0 ? Double.NaN : all[(int) Math.ceil(0.99 * all.length) - 1] / 1e3;
        v.put("challengerDetectCpuP99Micros", challengerP99Micros);
        v.put("championDetectP99Micros", championP99.isEmpty() ? Double.NaN
                : median(championP99.stream().mapToDouble(Long::doubleValue).toArray()));

        List<GateContext.ReviewedAlert> missed = reviewed.stream().filter(r -> !r.challengerRaised()).toList();
        v.put("reviewedTruePositives", (double) reviewed.size());
        v.put("reviewedTruePositivesMissed", (double) missed.size());

        Double maxMissed = t.get("maxReviewedTruePositivesMissed");
        if (maxMissed != null && missed.size() > maxMissed) {
            failures.add(String.format(Locale.ROOT, "%d of %d reviewed true-positive alerts not raised by the challenger (max %.0f)",
                    missed.size(), reviewed.size(), maxMissed));
            // the confirmed alert and the review that confirmed it
            missed.forEach(r -> {
                causes.add(r.alertEventId());
                causes.add(r.reviewEventId());
            });
        }
        if (f1 < Gates.threshold(t, "minDetectionF1") || !weakClasses.isEmpty()) {
            failures.add(String.format(Locale.ROOT, "detection F1 %.3f against the champion (min %.2f)%s", f1,
                    Gates.threshold(t, "minDetectionF1"), weakClasses.isEmpty() ? "" : "; classes below " + Gates.threshold(t, "minClassF1")
                            + ": " + String.join(", ", weakClasses)));
            causes.addAll(disagreeing);
        }
        if (alertAgreement < Gates.threshold(t, "minAlertAgreement")) {
            failures.add(String.format(Locale.ROOT, "alert agreement %.2f (min %.2f): %d agreed, %d champion-only, %d challenger-only",
                    alertAgreement, Gates.threshold(t, "minAlertAgreement"), agreed.size(), championOnly.size(), challengerOnly.size()));
            causes.addAll(championOnly);
            causes.addAll(challengerOnly);
        }
        if (!Double.isNaN(medianTtcDifference) && medianTtcDifference < Gates.threshold(t, "minTtcDifferenceS")) {
            failures.add(String.format(Locale.ROOT, "median TTC difference at the first warning %+.2f s (min %+.2f s)", medianTtcDifference,
                    Gates.threshold(t, "minTtcDifferenceS")));
            fcw.stream().filter(p -> p.ttcDifferenceS() < Gates.threshold(t, "minTtcDifferenceS"))
                    .forEach(p -> causes.add(p.challenger().alertId()));
        }
        if (challengerP99Micros > Gates.threshold(t, "maxChallengerDetectCpuP99Micros")) {
            failures.add(String.format(Locale.ROOT, "challenger detect CPU p99 %.0f µs (max %.0f µs)", challengerP99Micros,
                    Gates.threshold(t, "maxChallengerDetectCpuP99Micros")));
            causes.addAll(slowest.subList(0, Math.min(slowest.size(), 20)));
        }
        // A figure nothing defined (no box, no agreed warning, no window) is left out rather than stored as NaN.
        v.values().removeIf(x -> !Double.isFinite(x));
        if (!failures.isEmpty()) {
            return Gates.result(this, RolloutGateResult.FAIL, v, t, String.join("; ", failures), causes);
        }
        if (judgeReplays && replays.pending() > 0) {
            return Gates.result(this, RolloutGateResult.INSUFFICIENT_DATA, v, t, String.format(Locale.ROOT,
                    "%d confirmed alert(s) of sessions without the shadow wait for their clips to be replayed through the challenger",
                    replays.pending()), List.of());
        }
        return Gates.result(this, RolloutGateResult.PASS, v, t, String.format(Locale.ROOT,
                "%d frames: detection F1 %.3f, alert agreement %.2f, TTC difference %s, challenger detect CPU p99 %.0f µs;"
                        + " reviewed true positives missed %d of %d; replayed %d, missed %d%s", frames, f1,
                alertAgreement, Double.isNaN(medianTtcDifference) ? "n/a" : String.format(Locale.ROOT, "%+.2f s", medianTtcDifference),
                challengerP99Micros, missed.size(), reviewed.size(), replays.replayed().size(), replayMissed.size(),
                maxReplayMissed == null ? " (not judged: a plan of an earlier gate version)"
                        : replays.replayer() ? "" : " (not judged: this cloud cannot replay)"), List.of());
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
