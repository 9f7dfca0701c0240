package io.sightline.inference.internal;

import io.sightline.inference.Detections;

import java.util.Arrays;

/**
 * Preallocated candidate boxes plus greedy class-agnostic NMS. Nothing is allocated per frame:
 * candidates are ordered by a primitive {@code long} key (score bits, index) sorted in place.
 */
public final class Candidates {
    final float[] x1;
    final float[] y1;
    final float[] x2;
    final float[] y2;
    final float[] score;
    final float[] area;
    final int[] cls;
    private final long[] order;
    private final boolean[] suppressed;
    int n;

    public Candidates(int capacity) {
        x1 = new float[capacity];
        y1 = new float[capacity];
        x2 = new float[capacity];
        y2 = new float[capacity];
        score = new float[capacity];
        area = new float[capacity];
        cls = new int[capacity];
        order = new long[capacity];
        suppressed = new boolean[capacity];
    }

    void clear() {
        n = 0;
    }

    void add(int c, float s, float bx1, float by1, float bx2, float by2) {
        if (n == score.length) {
            return;
        }
        x1[n] = bx1;
        y1[n] = by1;
        x2[n] = bx2;
        y2[n] = by2;
        score[n] = s;
        cls[n] = c;
        // "+1" areas, as in the reference numpy NMS of both YOLOX and FastestDet.
        area[n] = (bx2 - bx1 + 1f) * (by2 - by1 + 1f);
        // scores are > 0, so their IEEE bits sort like the floats.
        order[n] = ((long) Float.floatToRawIntBits(s) << 32) | n;
        n++;
    }

    /**
     * Greedy NMS over all candidates (highest score first); kept boxes scoring above
     * {@code reportScore} are clipped to {@code [0,w]×[0,h]} and appended to {@code out}.
     */
    void nmsInto(float iouThreshold, float reportScore, float w, float h, Detections out) {
        out.clear();
        Arrays.sort(order, 0, n);
        Arrays.fill(suppressed, 0, n, false);
        for (int k = n - 1; k >= 0; k--) {
            int i = (int) order[k];
            if (suppressed[i]) {
                continue;
            }
            if (score[i] <= reportScore) {
                break; // everything after scores lower still, and cannot be reported
            }
            out.add(cls[i], score[i], clamp(x1[i], w), clamp(y1[i], h), clamp(x2[i], w), clamp(y2[i], h));
            for (int m = k - 1; m >= 0; m--) {
                int j = (int) order[m];
                if (suppressed[j]) {
                    continue;
                }
                float xx1 = Math.max(x1[i], x1[j]);
                float yy1 = Math.max(y1[i], y1[j]);
                float xx2 = Math.min(x2[i], x2[j]);
                float yy2 = Math.min(y2[i], y2[j]);
                float iw = Math.max(0f, xx2 - xx1 + 1f);
                float ih = Math.max(0f, yy2 - yy1 + 1f);
                float inter = iw * ih;
                float iou = inter / (area[i] + area[j] - inter);
                if (iou > iouThreshold) {
                    suppressed[j] = true;
                }
            }
        }
    }

    private static float clamp(float v, float max) {
        return v < 0f ? 0f : Math.min(v, max);
    }
}
