package io.sightline.cloud.rollout;

import io.sightline.domain.event.RolloutStarted;
import io.sightline.domain.event.RolloutStep;
import java.util.List;
import java.util.Map;

/**
 * The evidence of one rollout step, read once per check and handed to every gate: the canary's and
 * the control's ended sessions since the step's bake began, the findings on the cohort and the
 * challenger's evaluations.
 *
 * @param canary   sessions of the step's cohort on the challenger
 * @param control  sessions of the rollout's other vehicles on the champion, over the same time
 * @param findings DriftDetected and LatencyRegressionDetected on the challenger in the fleet or on a cohort vehicle, and the
 *                 cohort's ModelRejected of the challenger model
 * @param shadow   on a shadow step, each canary session's comparison of the challenger's {@code Shadow…} events with the
 *                 champion's (issue 17 §3); empty otherwise
 */
public record GateContext(RolloutStarted plan, int stepIndex, RolloutStep step, long fromNanos, List<String> cohort,
                          List<SessionStats> canary, List<SessionStats> control, List<Finding> findings, List<Evaluation> evaluations,
                          List<ShadowSession> shadow, Replays replays) {

    public GateContext(RolloutStarted plan, int stepIndex, RolloutStep step, long fromNanos, List<String> cohort,
                       List<SessionStats> canary, List<SessionStats> control, List<Finding> findings, List<Evaluation> evaluations) {
        this(plan, stepIndex, step, fromNanos, cohort, canary, control, findings, evaluations, List.of(), Replays.NONE);
    }

    public GateContext(RolloutStarted plan, int stepIndex, RolloutStep step, long fromNanos, List<String> cohort,
                       List<SessionStats> canary, List<SessionStats> control, List<Finding> findings, List<Evaluation> evaluations,
                       List<ShadowSession> shadow) {
        this(plan, stepIndex, step, fromNanos, cohort, canary, control, findings, evaluations, shadow, Replays.NONE);
    }

    public GateContext withReplays(Replays r) {
        return new GateContext(plan, stepIndex, step, fromNanos, cohort, canary, control, findings, evaluations, shadow, r);
    }

    /**
     * Confirmed alerts of sessions that ran no shadow, replayed through the challenger (ADR-0040).
     *
     * @param replayed        the rollout's stored ReviewedAlertReplayed, one per confirmed alert in scope
     * @param pending         confirmed alerts in scope with a clip that are not replayed yet
     * @param withoutEvidence confirmed alerts in scope whose window has no clip the cloud holds (not replayable)
     * @param replayer        whether this cloud can replay at all (the perception code is on its class path)
     */
    public record Replays(List<ReplayedAlert> replayed, int pending, int withoutEvidence, boolean replayer) {
        public static final Replays NONE = new Replays(List.of(), 0, 0, false);
    }

    /** One stored replay: {@code outcome} RAISED, MISSED or INCONCLUSIVE (ReviewedAlertReplayed). */
    public record ReplayedAlert(String replayEventId, String alertEventId, String reviewEventId, String evidenceEventId, String outcome,
                                Double ttcDifferenceS) {
    }

    public boolean shadowStep() {
        return RolloutStep.SHADOW.equals(step.kind());
    }

    /**
     * @param hours          the session's span, edge clock (DriveSessionStarted to DriveSessionEnded)
     * @param alerts         AlertRaised event ids
     * @param falsePositives AlertReviewed event ids with verdict FALSE_POSITIVE of this session's alerts
     * @param truePositives  AlertReviewed event ids with verdict TRUE_POSITIVE
     * @param fallbacks      FallbackEngaged event ids
     * @param failures       InferenceFailed event ids
     * @param windowP99Micros per stage, each EdgeWindowSummarized's p99 with its event id
     * @param exposure       what {@code exposureHours} is: {@link #DRIVING DRIVING} (the sessions projection's speed-integrated
     *                       driving time, as {@code /api/v1/quality}), {@link #SPAN SPAN} (no VehicleStateSampled) or
     *                       {@link #PENDING PENDING} (sampled, the sessions projection has not seen the end yet)
     * @param exposureHours  the hours the alert rate divides by
     */
    public record SessionStats(String sessionId, String vehicleId, double hours, List<String> alerts, List<String> falsePositives,
                               List<String> truePositives, List<String> fallbacks, List<String> failures,
                               Map<String, List<WindowP99>> windowP99Micros, List<String> deadlineMisses, String exposure,
                               double exposureHours) {

        /** Alerts are counted per hour of driving where the session's ego speed was sampled (ADR-0044). */
        public static final String DRIVING = "driving";
        /** ... else per hour of the session's span. */
        public static final String SPAN = "span";
        /** The sessions projection holds samples of the session but has not seen it end yet: not counted until it has. */
        public static final String PENDING = "pending";

        /** A session whose exposure is its span. */
        public SessionStats(String sessionId, String vehicleId, double hours, List<String> alerts, List<String> falsePositives,
                            List<String> truePositives, List<String> fallbacks, List<String> failures,
                            Map<String, List<WindowP99>> windowP99Micros, List<String> deadlineMisses) {
            this(sessionId, vehicleId, hours, alerts, falsePositives, truePositives, fallbacks, failures, windowP99Micros, deadlineMisses,
                    SPAN, hours);
        }

        /** This session with its alert exposure: {@link #DRIVING} time, its {@link #SPAN}, or {@link #PENDING}. */
        public SessionStats withExposure(String exposure, double exposureHours) {
            return new SessionStats(sessionId, vehicleId, hours, alerts, falsePositives, truePositives, fallbacks, failures, windowP99Micros,
                    deadlineMisses, exposure, exposureHours);
        }
    }

    public record WindowP99(String eventId, long p99Micros) {
    }

    /** @param kind {@code drift}, {@code latency-regression}, {@code model-rejected} or {@code policy-rejected} */
    public record Finding(String eventId, String kind, String detail, String vehicleId) {
    }

    /**
     * One canary session of a shadow step, the challenger's Shadow… events against the champion's events on the same frames
     * ({@link ShadowEvidenceReader}).
     *
     * @param frames                 frames both sides were compared on (the shadow ran on them and the champion's frame is stored)
     * @param perClass               detection counts per class, the champion's boxes as the reference (Hungarian, IoU ≥ 0.5)
     * @param disagreeingFrames      ShadowDetectionsObserved event ids of frames with a false positive or negative
     * @param alerts                 champion AlertRaised against ShadowAlertRaised (ids are event ids), same kind within ±0.5 s
     * @param shadowDetectNanos      the challenger's detect CPU time on each compared frame (its wall time at nice 19 is mostly
 *                               waiting on a busy vehicle)
     * @param slowestShadowFrames    ShadowDetectionsObserved event ids, slowest first (at most {@link Gates#MAX_CAUSES})
     * @param championDetectP99Micros the champion's detect p99 per EdgeWindowSummarized window of the session
     * @param reviewedTruePositives  the champion's alerts of the session that a reviewer confirmed (TRUE_POSITIVE), each with
     *                               whether the challenger raised the same kind within ±0.5 s on the same frames
     */
    public record ShadowSession(String sessionId, String vehicleId, long frames,
                                java.util.Map<String, io.sightline.edge.shadow.DetectionAgreement.Counts> perClass,
                                List<String> disagreeingFrames, io.sightline.edge.shadow.AlertAgreement.Result alerts,
                                long[] shadowDetectNanos, List<String> slowestShadowFrames, long[] championDetectP99Micros,
                                List<ReviewedAlert> reviewedTruePositives) {

        /** Without reviews: a session nobody has reviewed yet. */
        public ShadowSession(String sessionId, String vehicleId, long frames,
                             java.util.Map<String, io.sightline.edge.shadow.DetectionAgreement.Counts> perClass,
                             List<String> disagreeingFrames, io.sightline.edge.shadow.AlertAgreement.Result alerts,
                             long[] shadowDetectNanos, List<String> slowestShadowFrames, long[] championDetectP99Micros) {
            this(sessionId, vehicleId, frames, perClass, disagreeingFrames, alerts, shadowDetectNanos, slowestShadowFrames,
                    championDetectP99Micros, List.of());
        }
    }

    /**
     * A reviewed champion alert in a shadow session.
     *
     * @param alertEventId     the champion's AlertRaised event id
     * @param reviewEventId    the AlertReviewed event id
     * @param challengerRaised whether the challenger raised the same kind within ±0.5 s (agreed by {@code AlertAgreement})
     */
    public record ReviewedAlert(String alertEventId, String reviewEventId, boolean challengerRaised) {
    }

    public record Evaluation(String eventId, String evaluationId, Boolean gatePassed, int runs, int failedRuns) {
    }
}
