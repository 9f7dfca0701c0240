package io.sightline.edge.tracking;

/**
 * Thresholds of {@link ByteTracker}. Defaults ({@link #defaults()}) are ByteTrack's published
 * MOT17 settings unless noted; {@code edge-projector/docs/tracker.md} lists them with the reasons.
 *
 * @param highScoreThreshold detections scoring at least this take part in the first association
 *     (ByteTrack {@code track_thresh}). Default 0.5.
 * @param lowScoreThreshold detections scoring above this and below {@code highScoreThreshold} are
 *     kept for the second association only; lower ones are discarded. Default 0.1.
 * @param newTrackScoreThreshold a high detection left unmatched starts a tentative track only if it
 *     scores at least this (ByteTrack {@code track_thresh + 0.1}). Default 0.6.
 * @param firstMatchMinIou minimum similarity for the first association, between confirmed or lost
 *     tracks and high detections; the similarity is IoU, times the detection score when
 *     {@code fuseScore} is set (ByteTrack {@code match_thresh} 0.8 as a cost, i.e. 0.2). Default 0.2.
 * @param secondMatchMinIou minimum IoU for the second association, between confirmed tracks left
 *     unmatched and low detections; stricter, because low-score boxes are often clutter. Default 0.5.
 * @param tentativeMatchMinIou minimum similarity (IoU, times score when {@code fuseScore}) between a
 *     tentative track and a remaining high detection. Default 0.3.
 * @param fuseScore multiply IoU by the detection score in the first and tentative associations so
 *     that among overlapping boxes the confident one wins. Default true.
 * @param minHitsToConfirm matched frames in a row a tentative track needs before it is confirmed and
 *     reported; a tentative track that misses one frame is dropped. Default 2.
 * @param confirmOnFirstFrame confirm tracks born on the tracker's first frame at once, since there
 *     is no history that could have explained them. Default true.
 * @param maxLostSeconds how long a lost track is kept, predicted, for re-identification before it
 *     is removed (ByteTrack {@code track_buffer} 30 frames at 30 Hz). Converted to frames with the
 *     tracker's frame rate. Default 1.0 s.
 * @param initialTrackCapacity tracks preallocated; the store doubles when exceeded (an allocation,
 *     so size it for the scene). Default 64.
 * @param initialDetectionCapacity detections per frame preallocated; grows like the track store.
 *     Default 128.
 */
public record TrackerConfig(
        double highScoreThreshold,
        double lowScoreThreshold,
        double newTrackScoreThreshold,
        double firstMatchMinIou,
        double secondMatchMinIou,
        double tentativeMatchMinIou,
        boolean fuseScore,
        int minHitsToConfirm,
        boolean confirmOnFirstFrame,
        double maxLostSeconds,
        int initialTrackCapacity,
        int initialDetectionCapacity) {

    public TrackerConfig {
        requireUnit("highScoreThreshold", highScoreThreshold);
        requireUnit("lowScoreThreshold", lowScoreThreshold);
        requireUnit("newTrackScoreThreshold", newTrackScoreThreshold);
        requireUnit("firstMatchMinIou", firstMatchMinIou);
        requireUnit("secondMatchMinIou", secondMatchMinIou);
        requireUnit("tentativeMatchMinIou", tentativeMatchMinIou);
        if (lowScoreThreshold > highScoreThreshold) {
            throw new IllegalArgumentException("lowScoreThreshold " + lowScoreThreshold
                    + " > highScoreThreshold " + highScoreThreshold);
        }
        if (minHitsToConfirm < 1) {
            throw new IllegalArgumentException("minHitsToConfirm must be >= 1: " + minHitsToConfirm);
        }
        if (!(maxLostSeconds >= 0) || Double.isInfinite(maxLostSeconds)) {
            throw new IllegalArgumentException("maxLostSeconds must be finite and >= 0: " + maxLostSeconds);
        }
        if (initialTrackCapacity < 1 || initialDetectionCapacity < 1) {
            throw new IllegalArgumentException("capacities must be >= 1");
        }
    }

    private static void requireUnit(String name, double v) {
        if (!(v >= 0.0 && v <= 1.0)) {
            throw new IllegalArgumentException(name + " must be in [0, 1]: " + v);
        }
    }

    /** ByteTrack's MOT17 settings; see the record's parameter docs. */
    public static TrackerConfig defaults() {
        return new TrackerConfig(0.5, 0.1, 0.6, 0.2, 0.5, 0.3, true, 2, true, 1.0, 64, 128);
    }

    /**
     * Settings for MOT15 public detections (Faster R-CNN scores, most above 0.9 and many false
     * positives between 0.5 and 0.9): ByteTrack's defaults, except that a new track needs a
     * detection scoring 0.9. Chosen on TUD-Campus, where with ByteTrack's 0.6 the medium-score
     * false positives start short tracks that cost more FP than they recover FN. Being tuned on the
     * sequence it is scored on, its TUD-Campus figures are optimistic.
     */
    public static TrackerConfig mot15PublicDetections() {
        return defaults().withNewTrackScoreThreshold(0.9);
    }

    public TrackerConfig withHighScoreThreshold(double v) {
        return new TrackerConfig(v, lowScoreThreshold, newTrackScoreThreshold, firstMatchMinIou,
                secondMatchMinIou, tentativeMatchMinIou, fuseScore, minHitsToConfirm,
                confirmOnFirstFrame, maxLostSeconds, initialTrackCapacity, initialDetectionCapacity);
    }

    public TrackerConfig withLowScoreThreshold(double v) {
        return new TrackerConfig(highScoreThreshold, v, newTrackScoreThreshold, firstMatchMinIou,
                secondMatchMinIou, tentativeMatchMinIou, fuseScore, minHitsToConfirm,
                confirmOnFirstFrame, maxLostSeconds, initialTrackCapacity, initialDetectionCapacity);
    }

    public TrackerConfig withNewTrackScoreThreshold(double v) {
        return new TrackerConfig(highScoreThreshold, lowScoreThreshold, v, firstMatchMinIou,
                secondMatchMinIou, tentativeMatchMinIou, fuseScore, minHitsToConfirm,
                confirmOnFirstFrame, maxLostSeconds, initialTrackCapacity, initialDetectionCapacity);
    }

    public TrackerConfig withMatchMinIou(double first, double second, double tentative) {
        return new TrackerConfig(highScoreThreshold, lowScoreThreshold, newTrackScoreThreshold, first,
                second, tentative, fuseScore, minHitsToConfirm, confirmOnFirstFrame, maxLostSeconds,
                initialTrackCapacity, initialDetectionCapacity);
    }

    public TrackerConfig withFuseScore(boolean v) {
        return new TrackerConfig(highScoreThreshold, lowScoreThreshold, newTrackScoreThreshold,
                firstMatchMinIou, secondMatchMinIou, tentativeMatchMinIou, v, minHitsToConfirm,
                confirmOnFirstFrame, maxLostSeconds, initialTrackCapacity, initialDetectionCapacity);
    }

    public TrackerConfig withMinHitsToConfirm(int v) {
        return new TrackerConfig(highScoreThreshold, lowScoreThreshold, newTrackScoreThreshold,
                firstMatchMinIou, secondMatchMinIou, tentativeMatchMinIou, fuseScore, v,
                confirmOnFirstFrame, maxLostSeconds, initialTrackCapacity, initialDetectionCapacity);
    }

    public TrackerConfig withConfirmOnFirstFrame(boolean v) {
        return new TrackerConfig(highScoreThreshold, lowScoreThreshold, newTrackScoreThreshold,
                firstMatchMinIou, secondMatchMinIou, tentativeMatchMinIou, fuseScore, minHitsToConfirm,
                v, maxLostSeconds, initialTrackCapacity, initialDetectionCapacity);
    }

    public TrackerConfig withMaxLostSeconds(double v) {
        return new TrackerConfig(highScoreThreshold, lowScoreThreshold, newTrackScoreThreshold,
                firstMatchMinIou, secondMatchMinIou, tentativeMatchMinIou, fuseScore, minHitsToConfirm,
                confirmOnFirstFrame, v, initialTrackCapacity, initialDetectionCapacity);
    }

    public TrackerConfig withCapacities(int tracks, int detectionsPerFrame) {
        return new TrackerConfig(highScoreThreshold, lowScoreThreshold, newTrackScoreThreshold,
                firstMatchMinIou, secondMatchMinIou, tentativeMatchMinIou, fuseScore, minHitsToConfirm,
                confirmOnFirstFrame, maxLostSeconds, tracks, detectionsPerFrame);
    }
}
