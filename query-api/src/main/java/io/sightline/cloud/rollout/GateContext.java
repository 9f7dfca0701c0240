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
 */
public record GateContext(RolloutStarted plan, int stepIndex, RolloutStep step, long fromNanos, List<String> cohort,
                          List<SessionStats> canary, List<SessionStats> control, List<Finding> findings, List<Evaluation> evaluations) {

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
     */
    public record SessionStats(String sessionId, String vehicleId, double hours, List<String> alerts, List<String> falsePositives,
                               List<String> truePositives, List<String> fallbacks, List<String> failures,
                               Map<String, List<WindowP99>> windowP99Micros, List<String> deadlineMisses) {
    }

    public record WindowP99(String eventId, long p99Micros) {
    }

    /** @param kind {@code drift}, {@code latency-regression} or {@code model-rejected} */
    public record Finding(String eventId, String kind, String detail, String vehicleId) {
    }

    public record Evaluation(String eventId, String evaluationId, Boolean gatePassed, int runs, int failedRuns) {
    }
}
