package io.sightline.edge.tracking;

import java.util.Arrays;

/**
 * Reusable result of one {@link ByteTracker#update} call, overwritten by the next call.
 *
 * <p>One row per track a consumer can see: every confirmed or lost track, plus the tracks removed
 * in this frame. Tentative tracks are never listed. Each row says what happened to the track this
 * frame ({@link #event(int)}) and, for {@link TrackEvent#STARTED} and {@link TrackEvent#UPDATED},
 * which detection it took in ({@link #detectionIndex(int)}), so that the caller can emit
 * {@code TrackStarted} / {@code TrackUpdated} / {@code TrackLost} events naming that detection.
 * Rows with {@link #isReported(int)} are the ones a MOTChallenge result file lists.
 *
 * <p>Boxes are the Kalman-filtered estimate (top-left and size, pixels); for lost tracks they are
 * the prediction. Velocities are of the box centre, in pixels per frame.
 */
public final class TrackerOutput {

    private long frameIndex;
    private int size;
    private long[] trackId;
    private TrackState[] state;
    private TrackEvent[] event;
    private int[] detectionIndex;
    private double[] leftPx;
    private double[] topPx;
    private double[] widthPx;
    private double[] heightPx;
    private double[] vxPxPerFrame;
    private double[] vyPxPerFrame;
    private double[] score;
    private int[] hitCount;
    private int[] framesSinceUpdate;

    public TrackerOutput() {
        this(64);
    }

    public TrackerOutput(int initialCapacity) {
        allocate(Math.max(1, initialCapacity));
    }

    private void allocate(int c) {
        trackId = new long[c];
        state = new TrackState[c];
        event = new TrackEvent[c];
        detectionIndex = new int[c];
        leftPx = new double[c];
        topPx = new double[c];
        widthPx = new double[c];
        heightPx = new double[c];
        vxPxPerFrame = new double[c];
        vyPxPerFrame = new double[c];
        score = new double[c];
        hitCount = new int[c];
        framesSinceUpdate = new int[c];
    }

    void reset(long frame, int capacityNeeded) {
        frameIndex = frame;
        size = 0;
        if (trackId.length < capacityNeeded) {
            int c = Math.max(capacityNeeded, trackId.length * 2);
            trackId = Arrays.copyOf(trackId, c);
            state = Arrays.copyOf(state, c);
            event = Arrays.copyOf(event, c);
            detectionIndex = Arrays.copyOf(detectionIndex, c);
            leftPx = Arrays.copyOf(leftPx, c);
            topPx = Arrays.copyOf(topPx, c);
            widthPx = Arrays.copyOf(widthPx, c);
            heightPx = Arrays.copyOf(heightPx, c);
            vxPxPerFrame = Arrays.copyOf(vxPxPerFrame, c);
            vyPxPerFrame = Arrays.copyOf(vyPxPerFrame, c);
            score = Arrays.copyOf(score, c);
            hitCount = Arrays.copyOf(hitCount, c);
            framesSinceUpdate = Arrays.copyOf(framesSinceUpdate, c);
        }
    }

    void add(long id, TrackState st, TrackEvent ev, int detection, double left, double top,
             double width, double height, double vx, double vy, double sc, int hits, int sinceUpdate) {
        int i = size++;
        trackId[i] = id;
        state[i] = st;
        event[i] = ev;
        detectionIndex[i] = detection;
        leftPx[i] = left;
        topPx[i] = top;
        widthPx[i] = width;
        heightPx[i] = height;
        vxPxPerFrame[i] = vx;
        vyPxPerFrame[i] = vy;
        score[i] = sc;
        hitCount[i] = hits;
        framesSinceUpdate[i] = sinceUpdate;
    }

    /** 1-based index of the frame these rows describe (the tracker's count of updates). */
    public long frameIndex() {
        return frameIndex;
    }

    /** Number of rows. */
    public int size() {
        return size;
    }

    /** Stable id, starting at 1, assigned when the track is confirmed and never reused. */
    public long trackId(int row) {
        return trackId[row];
    }

    public TrackState state(int row) {
        return state[row];
    }

    public TrackEvent event(int row) {
        return event[row];
    }

    /** True when the track took a detection this frame (STARTED or UPDATED). */
    public boolean isReported(int row) {
        return state[row] == TrackState.CONFIRMED;
    }

    /** Index into this frame's {@link Detections} of the detection the track took in, or -1. */
    public int detectionIndex(int row) {
        return detectionIndex[row];
    }

    public double leftPx(int row) {
        return leftPx[row];
    }

    public double topPx(int row) {
        return topPx[row];
    }

    public double widthPx(int row) {
        return widthPx[row];
    }

    public double heightPx(int row) {
        return heightPx[row];
    }

    /** Horizontal velocity of the box centre, pixels per frame (multiply by the frame rate for px/s). */
    public double vxPxPerFrame(int row) {
        return vxPxPerFrame[row];
    }

    /** Vertical velocity of the box centre, pixels per frame. */
    public double vyPxPerFrame(int row) {
        return vyPxPerFrame[row];
    }

    /** Score of the last detection the track took in. */
    public double score(int row) {
        return score[row];
    }

    /** Frames in which the track took in a detection, since it was born. */
    public int hitCount(int row) {
        return hitCount[row];
    }

    /** 0 when updated this frame, else frames since the last update. */
    public int framesSinceUpdate(int row) {
        return framesSinceUpdate[row];
    }
}
