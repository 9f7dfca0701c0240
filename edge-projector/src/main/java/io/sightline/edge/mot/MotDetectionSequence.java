package io.sightline.edge.mot;

import io.sightline.edge.tracking.Detections;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * MOTChallenge detections packed per frame into flat arrays, so that a tracking loop can replay
 * them without parsing or allocating. Frames run contiguously from the first to the last frame
 * in the file; frames without detections are kept, empty, because the tracker must still age its
 * tracks through them.
 */
public final class MotDetectionSequence {

    private final int firstFrame;
    private final int[] frameStart; // index of each frame's first detection; length frames + 1
    private final double[] leftPx;
    private final double[] topPx;
    private final double[] widthPx;
    private final double[] heightPx;
    private final double[] score;

    private MotDetectionSequence(int firstFrame, int[] frameStart, double[] leftPx, double[] topPx,
                                 double[] widthPx, double[] heightPx, double[] score) {
        this.firstFrame = firstFrame;
        this.frameStart = frameStart;
        this.leftPx = leftPx;
        this.topPx = topPx;
        this.widthPx = widthPx;
        this.heightPx = heightPx;
        this.score = score;
    }

    /** Packs rows (any order); the detection score is the 7th column. */
    public static MotDetectionSequence of(List<MotRow> rows) {
        if (rows.isEmpty()) {
            return new MotDetectionSequence(1, new int[] {0}, new double[0], new double[0],
                    new double[0], new double[0], new double[0]);
        }
        List<MotRow> sorted = new ArrayList<>(rows);
        // stable sort keeps the file order within a frame, which fixes detection indices
        sorted.sort(Comparator.comparingInt(MotRow::frame));
        int first = sorted.get(0).frame();
        int last = sorted.get(sorted.size() - 1).frame();
        int frames = last - first + 1;
        int n = sorted.size();
        int[] start = new int[frames + 1];
        double[] l = new double[n];
        double[] t = new double[n];
        double[] w = new double[n];
        double[] h = new double[n];
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            MotRow r = sorted.get(i);
            start[r.frame() - first + 1]++;
            l[i] = r.xPx();
            t[i] = r.yPx();
            w[i] = r.widthPx();
            h[i] = r.heightPx();
            s[i] = r.conf();
        }
        for (int f = 0; f < frames; f++) {
            start[f + 1] += start[f];
        }
        return new MotDetectionSequence(first, start, l, t, w, h, s);
    }

    public int firstFrame() {
        return firstFrame;
    }

    public int frameCount() {
        return frameStart.length - 1;
    }

    public int detectionCount() {
        return leftPx.length;
    }

    /** Largest number of detections in one frame: what a tracker's buffers should be sized for. */
    public int maxDetectionsPerFrame() {
        int max = 0;
        for (int f = 0; f < frameCount(); f++) {
            max = Math.max(max, frameStart[f + 1] - frameStart[f]);
        }
        return max;
    }

    /** Loads frame {@code frameOffset} (0 = first frame) into {@code out}, replacing its content. */
    public void load(int frameOffset, Detections out) {
        out.clear();
        for (int i = frameStart[frameOffset]; i < frameStart[frameOffset + 1]; i++) {
            out.add(leftPx[i], topPx[i], widthPx[i], heightPx[i], score[i]);
        }
    }
}
