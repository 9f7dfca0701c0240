package io.sightline.edge.pipeline;

import io.sightline.edge.range.ObjectClass;
import io.sightline.edge.tracking.Detections;
import java.util.Arrays;

/**
 * One frame's detections as the edge projector takes them: the DetectionObserved id, class and box
 * of each, reused from frame to frame. {@link #add} refuses a box with a NaN corner, a negative or
 * zero size or a score outside [0, 1] and returns the reason, so a bad detection never reaches the
 * tracker or a decision; the projector records each refusal as an {@code InputRejected} event.
 */
public final class FrameInput {

    private String frameId;
    private long captureTimeNanos;
    final Detections detections;
    private String[] detectionIds;
    private ObjectClass[] classes;
    private int rejected;
    private String[] rejectedIds = new String[4];
    private String[] rejectedReasons = new String[4];

    public FrameInput(int initialCapacity) {
        int c = Math.max(1, initialCapacity);
        detections = new Detections(c);
        detectionIds = new String[c];
        classes = new ObjectClass[c];
    }

    public void start(String frameId, long captureTimeNanos) {
        this.frameId = frameId;
        this.captureTimeNanos = captureTimeNanos;
        detections.clear();
        rejected = 0;
    }

    /**
     * Adds a detection with corners (x1, y1) top-left and (x2, y2) bottom-right.
     *
     * @return null when taken, else why it was refused
     */
    public String add(String detectionId, String className, double x1, double y1, double x2, double y2, double score) {
        String reason = validate(x1, y1, x2, y2, score);
        if (reason != null) {
            if (rejected == rejectedIds.length) {
                rejectedIds = Arrays.copyOf(rejectedIds, 2 * rejected);
                rejectedReasons = Arrays.copyOf(rejectedReasons, 2 * rejected);
            }
            rejectedIds[rejected] = detectionId;
            rejectedReasons[rejected] = reason;
            rejected++;
            return reason;
        }
        int i = detections.add(x1, y1, x2 - x1, y2 - y1, score);
        if (i >= detectionIds.length) {
            int c = Math.max(i + 1, detectionIds.length * 2);
            detectionIds = Arrays.copyOf(detectionIds, c);
            classes = Arrays.copyOf(classes, c);
        }
        detectionIds[i] = detectionId;
        classes[i] = ObjectClass.fromCocoName(className);
        return null;
    }

    static String validate(double x1, double y1, double x2, double y2, double score) {
        if (!Double.isFinite(x1) || !Double.isFinite(y1) || !Double.isFinite(x2) || !Double.isFinite(y2)) {
            return "box corner is not finite: (" + x1 + ", " + y1 + ", " + x2 + ", " + y2 + ")";
        }
        if (!(x2 > x1) || !(y2 > y1)) {
            return "box has non-positive size: width " + (x2 - x1) + " px, height " + (y2 - y1) + " px";
        }
        if (!(score >= 0 && score <= 1)) {
            return "score must be in [0, 1], got " + score;
        }
        return null;
    }

    public String frameId() {
        return frameId;
    }

    public long captureTimeNanos() {
        return captureTimeNanos;
    }

    public int size() {
        return detections.size();
    }

    /** Detections refused by {@link #add} in this frame. */
    public int rejectedCount() {
        return rejected;
    }

    /** The DetectionObserved id of the {@code i}-th refused detection of this frame. */
    public String rejectedId(int i) {
        return rejectedIds[i];
    }

    /** Why the {@code i}-th refused detection of this frame was refused. */
    public String rejectedReason(int i) {
        return rejectedReasons[i];
    }

    public String detectionId(int i) {
        return detectionIds[i];
    }

    public ObjectClass objectClass(int i) {
        return classes[i];
    }

    public double x1(int i) {
        return detections.leftPx(i);
    }

    public double y1(int i) {
        return detections.topPx(i);
    }

    public double x2(int i) {
        return detections.leftPx(i) + detections.widthPx(i);
    }

    public double y2(int i) {
        return detections.topPx(i) + detections.heightPx(i);
    }
}
