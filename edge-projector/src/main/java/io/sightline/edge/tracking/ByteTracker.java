package io.sightline.edge.tracking;

import io.sightline.edge.assign.LinearAssignment;
import io.sightline.edge.tracking.internal.BoxKalman;
import java.util.Arrays;

/**
 * ByteTrack-class multi-object tracker.
 *
 * <p>Per frame: every track is predicted with a constant-velocity Kalman filter on the box; then
 * <ol>
 *   <li>confirmed and lost tracks are matched to high-score detections (optimal assignment on
 *       IoU, optionally weighted by score);</li>
 *   <li>confirmed tracks still unmatched are matched to low-score detections by IoU, which keeps
 *       tracks alive through occlusions where the detector is unsure (ByteTrack's key idea);
 *       confirmed tracks still unmatched become lost;</li>
 *   <li>tentative tracks are matched to the high detections left; unmatched tentative tracks
 *       are dropped, and those with enough hits are confirmed;</li>
 *   <li>high detections still unmatched start tentative tracks;</li>
 *   <li>lost tracks past their budget are removed.</li>
 * </ol>
 *
 * <p>Steady state allocates nothing: tracks live in a slot pool of primitive arrays with a free
 * list, every per-frame buffer is preallocated, and results go to a caller-owned
 * {@link TrackerOutput}. The pool and buffers double only when a frame needs more than ever
 * before. Not thread-safe; one instance per camera stream.
 *
 * <p>Differences from the ByteTrack reference: the Kalman state uses width instead of aspect ratio
 * (see {@link BoxKalman}); ids are assigned at confirmation (so reported ids are dense); tentative
 * tracks are predicted too (so a {@code minHitsToConfirm} above 2 still learns a velocity); the
 * size velocity of every track not confirmed last frame is zeroed before prediction (ByteTrack
 * zeroes only the height velocity); and the duplicate-track pruning between tracked and lost
 * tracks is omitted.
 */
public final class ByteTracker {

    private static final int NO_DETECTION = -1;

    private final TrackerConfig config;
    private final int maxFramesLost;
    private final LinearAssignment solver;

    // Track slot pool (structure of arrays); a slot index is valid while the slot is live.
    private int capacity;
    private double[] mean;
    private double[] cov;
    private long[] trackId;
    private TrackState[] state;
    private TrackEvent[] eventThisFrame;
    private int[] hits;
    private long[] lastUpdateFrame;
    private double[] lastScore;
    private int[] detectionThisFrame;
    private double[] predLeftPx;
    private double[] predTopPx;
    private double[] predRightPx;
    private double[] predBottomPx;
    private int[] freeSlots;
    private int freeCount;
    private int[] liveSlots;
    private int liveCount;

    // Per-frame work buffers.
    private int[] poolFirst;
    private int[] poolSecond;
    private int[] poolTentative;
    private int[] rowToCol;
    private int[] highDet;
    private int[] lowDet;
    private int[] colDet;
    private int[] colToRow;
    private double[] cost;

    private long frame;
    private long nextTrackId = 1;

    /**
     * @param config thresholds
     * @param frameRateHz frames per second of the stream, used to turn
     *     {@link TrackerConfig#maxLostSeconds()} into frames
     */
    public ByteTracker(TrackerConfig config, double frameRateHz) {
        if (!(frameRateHz > 0) || Double.isInfinite(frameRateHz)) {
            throw new IllegalArgumentException("frameRateHz must be positive: " + frameRateHz);
        }
        this.config = config;
        this.maxFramesLost = (int) Math.round(config.maxLostSeconds() * frameRateHz);
        int tracks = config.initialTrackCapacity();
        int dets = config.initialDetectionCapacity();
        this.solver = new LinearAssignment(Math.max(tracks, dets));
        allocateTracks(tracks);
        highDet = new int[dets];
        lowDet = new int[dets];
        colDet = new int[dets];
        colToRow = new int[dets];
        cost = new double[tracks * dets];
    }

    public TrackerConfig config() {
        return config;
    }

    /** The lost-track budget in frames, derived from the config and the frame rate. */
    public int maxFramesLost() {
        return maxFramesLost;
    }

    /** Frames processed so far. */
    public long frameCount() {
        return frame;
    }

    /** Tentative, confirmed and lost tracks currently held. */
    public int liveTrackCount() {
        return liveCount;
    }

    private void allocateTracks(int c) {
        capacity = c;
        mean = new double[c * BoxKalman.MEAN_STRIDE];
        cov = new double[c * BoxKalman.COV_STRIDE];
        trackId = new long[c];
        state = new TrackState[c];
        eventThisFrame = new TrackEvent[c];
        hits = new int[c];
        lastUpdateFrame = new long[c];
        lastScore = new double[c];
        detectionThisFrame = new int[c];
        predLeftPx = new double[c];
        predTopPx = new double[c];
        predRightPx = new double[c];
        predBottomPx = new double[c];
        freeSlots = new int[c];
        liveSlots = new int[c];
        poolFirst = new int[c];
        poolSecond = new int[c];
        poolTentative = new int[c];
        rowToCol = new int[c];
        for (int i = 0; i < c; i++) {
            freeSlots[i] = c - 1 - i;
        }
        freeCount = c;
        liveCount = 0;
    }

    private void growTracks() {
        int old = capacity;
        int c = old * 2;
        capacity = c;
        mean = Arrays.copyOf(mean, c * BoxKalman.MEAN_STRIDE);
        cov = Arrays.copyOf(cov, c * BoxKalman.COV_STRIDE);
        trackId = Arrays.copyOf(trackId, c);
        state = Arrays.copyOf(state, c);
        eventThisFrame = Arrays.copyOf(eventThisFrame, c);
        hits = Arrays.copyOf(hits, c);
        lastUpdateFrame = Arrays.copyOf(lastUpdateFrame, c);
        lastScore = Arrays.copyOf(lastScore, c);
        detectionThisFrame = Arrays.copyOf(detectionThisFrame, c);
        predLeftPx = Arrays.copyOf(predLeftPx, c);
        predTopPx = Arrays.copyOf(predTopPx, c);
        predRightPx = Arrays.copyOf(predRightPx, c);
        predBottomPx = Arrays.copyOf(predBottomPx, c);
        liveSlots = Arrays.copyOf(liveSlots, c);
        poolFirst = new int[c];
        poolSecond = new int[c];
        poolTentative = new int[c];
        rowToCol = new int[c];
        int[] free = new int[c];
        System.arraycopy(freeSlots, 0, free, 0, freeCount);
        for (int s = c - 1; s >= old; s--) {
            free[freeCount++] = s;
        }
        freeSlots = free;
    }

    private void ensureDetectionCapacity(int n) {
        if (highDet.length < n) {
            int c = Math.max(n, highDet.length * 2);
            highDet = new int[c];
            lowDet = new int[c];
            colDet = new int[c];
            colToRow = new int[c];
        }
    }

    /**
     * Processes one frame and writes the visible tracks into {@code out}.
     *
     * @param detections this frame's detections; invalid boxes (non-positive or non-finite size)
     *     are ignored
     * @param out overwritten with this frame's rows
     */
    public void update(Detections detections, TrackerOutput out) {
        frame++;
        int nDet = detections.size();
        ensureDetectionCapacity(nDet);

        int nHigh = 0;
        int nLow = 0;
        for (int d = 0; d < nDet; d++) {
            double w = detections.widthPx(d);
            double h = detections.heightPx(d);
            double s = detections.score(d);
            // also rejects NaN sizes and scores
            if (!(w > 0 && h > 0 && w < Double.POSITIVE_INFINITY && h < Double.POSITIVE_INFINITY)
                    || !(s == s)) {
                continue;
            }
            if (s >= config.highScoreThreshold()) {
                highDet[nHigh++] = d;
            } else if (s > config.lowScoreThreshold()) {
                lowDet[nLow++] = d;
            }
        }

        int nFirst = 0;
        int nTentative = 0;
        for (int k = 0; k < liveCount; k++) {
            int s = liveSlots[k];
            eventThisFrame[s] = TrackEvent.NONE;
            detectionThisFrame[s] = NO_DETECTION;
            int mOff = s * BoxKalman.MEAN_STRIDE;
            if (state[s] != TrackState.CONFIRMED) {
                // A track not seen last frame has no fresh evidence that its size keeps changing;
                // extrapolating size growth through an occlusion only inflates or collapses it.
                mean[mOff + 6] = 0.0;
                mean[mOff + 7] = 0.0;
            }
            BoxKalman.predict(mean, mOff, cov, s * BoxKalman.COV_STRIDE);
            storePredictedBox(s);
            if (state[s] == TrackState.TENTATIVE) {
                poolTentative[nTentative++] = s;
            } else {
                poolFirst[nFirst++] = s;
            }
        }

        // 1. confirmed + lost tracks vs high detections
        int nCols = nHigh;
        System.arraycopy(highDet, 0, colDet, 0, nHigh);
        associate(poolFirst, nFirst, detections, nCols, config.fuseScore(), config.firstMatchMinIou());
        int nSecond = 0;
        int remainingHigh = 0;
        for (int r = 0; r < nFirst; r++) {
            int s = poolFirst[r];
            int c = rowToCol[r];
            if (c >= 0) {
                takeDetection(s, colDet[c], detections);
                eventThisFrame[s] = TrackEvent.UPDATED;
                state[s] = TrackState.CONFIRMED;
            } else if (state[s] == TrackState.CONFIRMED) {
                poolSecond[nSecond++] = s;
            }
        }
        for (int c = 0; c < nCols; c++) {
            if (colToRow[c] < 0) {
                highDet[remainingHigh++] = colDet[c];
            }
        }

        // 2. confirmed tracks left vs low detections, plain IoU
        System.arraycopy(lowDet, 0, colDet, 0, nLow);
        associate(poolSecond, nSecond, detections, nLow, false, config.secondMatchMinIou());
        for (int r = 0; r < nSecond; r++) {
            int s = poolSecond[r];
            int c = rowToCol[r];
            if (c >= 0) {
                takeDetection(s, colDet[c], detections);
                eventThisFrame[s] = TrackEvent.UPDATED;
            } else {
                state[s] = TrackState.LOST;
                eventThisFrame[s] = TrackEvent.LOST;
            }
        }

        // 3. tentative tracks vs high detections left
        System.arraycopy(highDet, 0, colDet, 0, remainingHigh);
        associate(poolTentative, nTentative, detections, remainingHigh, config.fuseScore(),
                config.tentativeMatchMinIou());
        for (int r = 0; r < nTentative; r++) {
            int s = poolTentative[r];
            int c = rowToCol[r];
            if (c >= 0) {
                takeDetection(s, colDet[c], detections);
                if (hits[s] >= config.minHitsToConfirm()) {
                    confirm(s);
                }
            } else {
                state[s] = TrackState.REMOVED;
            }
        }

        // 4. new tentative tracks from high detections nobody took
        for (int c = 0; c < remainingHigh; c++) {
            if (colToRow[c] >= 0) {
                continue;
            }
            int d = colDet[c];
            if (detections.score(d) < config.newTrackScoreThreshold()) {
                continue;
            }
            int s = allocateSlot();
            double w = detections.widthPx(d);
            double h = detections.heightPx(d);
            BoxKalman.initiate(mean, s * BoxKalman.MEAN_STRIDE, cov, s * BoxKalman.COV_STRIDE,
                    detections.leftPx(d) + w / 2.0, detections.topPx(d) + h / 2.0, w, h);
            trackId[s] = 0;
            state[s] = TrackState.TENTATIVE;
            eventThisFrame[s] = TrackEvent.NONE;
            hits[s] = 1;
            lastUpdateFrame[s] = frame;
            lastScore[s] = detections.score(d);
            detectionThisFrame[s] = d;
            if (config.minHitsToConfirm() <= 1 || (config.confirmOnFirstFrame() && frame == 1)) {
                confirm(s);
            }
        }

        // 5. age out lost tracks, emit rows, compact the live list
        out.reset(frame, liveCount);
        int kept = 0;
        for (int k = 0; k < liveCount; k++) {
            int s = liveSlots[k];
            if (state[s] == TrackState.LOST && frame - lastUpdateFrame[s] > maxFramesLost) {
                state[s] = TrackState.REMOVED;
                eventThisFrame[s] = TrackEvent.REMOVED;
            }
            if (state[s] == TrackState.REMOVED) {
                if (trackId[s] != 0) {
                    emit(s, TrackEvent.REMOVED, out);
                }
                freeSlots[freeCount++] = s;
                continue;
            }
            liveSlots[kept++] = s;
            if (state[s] != TrackState.TENTATIVE) {
                emit(s, eventThisFrame[s], out);
            }
        }
        liveCount = kept;
    }

    private void confirm(int s) {
        state[s] = TrackState.CONFIRMED;
        trackId[s] = nextTrackId++;
        eventThisFrame[s] = TrackEvent.STARTED;
    }

    private int allocateSlot() {
        if (freeCount == 0) {
            growTracks();
        }
        int s = freeSlots[--freeCount];
        liveSlots[liveCount++] = s;
        return s;
    }

    private void takeDetection(int s, int d, Detections detections) {
        double w = detections.widthPx(d);
        double h = detections.heightPx(d);
        BoxKalman.update(mean, s * BoxKalman.MEAN_STRIDE, cov, s * BoxKalman.COV_STRIDE,
                detections.leftPx(d) + w / 2.0, detections.topPx(d) + h / 2.0, w, h);
        hits[s]++;
        lastUpdateFrame[s] = frame;
        lastScore[s] = detections.score(d);
        detectionThisFrame[s] = d;
    }

    private void storePredictedBox(int s) {
        int m = s * BoxKalman.MEAN_STRIDE;
        double h = mean[m + 3];
        double w = mean[m + 2];
        predLeftPx[s] = mean[m] - w / 2.0;
        predTopPx[s] = mean[m + 1] - h / 2.0;
        predRightPx[s] = mean[m] + w / 2.0;
        predBottomPx[s] = mean[m + 1] + h / 2.0;
    }

    /**
     * Optimal assignment of {@code rows} track slots to the first {@code nCols} entries of
     * {@link #colDet}; fills {@link #rowToCol} and {@link #colToRow}.
     */
    private void associate(int[] rows, int nRows, Detections detections, int nCols, boolean fuse,
                           double minSimilarity) {
        if (nRows == 0 || nCols == 0) {
            Arrays.fill(rowToCol, 0, nRows, LinearAssignment.UNASSIGNED);
            Arrays.fill(colToRow, 0, nCols, LinearAssignment.UNASSIGNED);
            return;
        }
        if (cost.length < nRows * nCols) {
            cost = new double[Math.max(nRows * nCols, cost.length * 2)];
        }
        for (int r = 0; r < nRows; r++) {
            int s = rows[r];
            double tl = predLeftPx[s];
            double tt = predTopPx[s];
            double tr = predRightPx[s];
            double tb = predBottomPx[s];
            double trackArea = Math.max(0.0, tr - tl) * Math.max(0.0, tb - tt);
            int base = r * nCols;
            for (int c = 0; c < nCols; c++) {
                int d = colDet[c];
                double dl = detections.leftPx(d);
                double dt = detections.topPx(d);
                double dw = detections.widthPx(d);
                double dh = detections.heightPx(d);
                double iw = Math.min(tr, dl + dw) - Math.max(tl, dl);
                double ih = Math.min(tb, dt + dh) - Math.max(tt, dt);
                double iou = 0.0;
                if (iw > 0 && ih > 0) {
                    double inter = iw * ih;
                    iou = inter / (trackArea + dw * dh - inter);
                }
                double similarity = fuse ? iou * detections.score(d) : iou;
                cost[base + c] = 1.0 - similarity;
            }
        }
        solver.solveWithLimit(cost, nRows, nCols, 1.0 - minSimilarity, rowToCol, colToRow);
    }

    private void emit(int s, TrackEvent ev, TrackerOutput out) {
        int m = s * BoxKalman.MEAN_STRIDE;
        double h = mean[m + 3];
        double w = mean[m + 2];
        out.add(trackId[s], state[s], ev, detectionThisFrame[s], mean[m] - w / 2.0,
                mean[m + 1] - h / 2.0, w, h, mean[m + 4], mean[m + 5], lastScore[s], hits[s],
                (int) (frame - lastUpdateFrame[s]));
    }
}
