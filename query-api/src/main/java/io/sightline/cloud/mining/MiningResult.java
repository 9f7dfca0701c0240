package io.sightline.cloud.mining;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.TrackUpdated;
import java.util.List;
import java.util.Map;

/**
 * The ranked frames of one mining run, the scope they were chosen from and the enrichment figure.
 *
 * @param framesPerTrigger how many frames in scope each trigger fired on (a frame may count under several)
 * @param candidates the selected frames, best first (at most the budget)
 * @param classes    the detector's class list (ModelActivated, first activation in scope, then any other
 *                   names in order of appearance): YOLO class id = index, COCO category id = index + 1
 */
public record MiningResult(MiningRequest request, long sessionsInScope, long framesInScope, long framesTriggered, int budgetFrames,
                           List<String> triggers, Map<String, Long> framesPerTrigger, List<String> classes, List<ModelActivated> models, List<Candidate> candidates,
                           Enrichment enrichment, @JsonIgnore Map<String, FrameContent> content) {

    /** One reason a frame was chosen; {@code traceUrl} opens the alert's causal trace when the reason is an alert's. */
    public record Reason(String trigger, double weight, String text, String alertId, String traceUrl, List<String> eventIds) {
    }

    /**
     * @param reviewed whether reviewers flagged this frame (in the trace of an alert reviewed FALSE_POSITIVE, or at a reported miss)
     */
    public record Candidate(int rank, double score, String sessionId, String vehicleId, String policyVersion, String frameEventId,
                            String frameId, long frameIndex, long occurredAtNanos, long captureTimeNanos, int widthPx, int heightPx,
                            String sourceId, String evidenceSha256, String modelName, String modelVersion, String modelSha256,
                            boolean reviewed, List<Reason> reasons) {
    }

    /** What the exports need of a chosen frame: every detection on it and the confirmed or coasting tracks. */
    public record FrameContent(List<DetectionObserved> detections, List<TrackUpdated> tracks) {
    }

    /**
     * Reviewed false-positive and false-negative frames in the budget against a random sample of the
     * same size, whose expected count is {@code budget × reviewed / frames} (hypergeometric mean).
     *
     * @param ratio              selected ÷ expected; null when nothing in scope was reviewed
     * @param automaticOnlyRatio the same with the review-backed triggers left out of the ranking: what
     *                           the automatic triggers alone would have put in front of reviewers
     */
    public record Enrichment(long framesInScope, int budgetFrames, long reviewedFrames, long reviewedInBudget, double expectedAtRandom,
                             Double ratio, long reviewedInAutomaticBudget, Double automaticOnlyRatio) {

        public String summary() {
            if (ratio == null) {
                return "enrichment: no reviewed false-positive or false-negative frame in scope (" + framesInScope
                        + " frames); review alerts or report misses to measure it";
            }
            return String.format(java.util.Locale.ROOT, "enrichment: %d of %d reviewed FP/FN frames in a budget of %d of %d frames;"
                            + " a random sample of the same size holds %.3f on average: %.1f× random (automatic triggers only: %d, %.1f×)",
                    reviewedInBudget, reviewedFrames, budgetFrames, framesInScope, expectedAtRandom, ratio, reviewedInAutomaticBudget,
                    automaticOnlyRatio);
        }
    }
}
