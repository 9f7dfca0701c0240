package io.sightline.inference.internal;

import io.sightline.inference.Detections;

import java.nio.FloatBuffer;

/**
 * YOLOX anchor-free decode (Megvii {@code demo_postprocess} + class-agnostic {@code multiclass_nms}):
 * rows {@code [tx,ty,tw,th,obj,cls0..]} for strides 8/16/32 in order, row-major y then x;
 * {@code cx=(tx+gx)·s, w=exp(tw)·s, score=obj·max(cls)}; boxes divided by the letterbox ratio.
 */
public final class YoloxDecoder implements OutputDecoder {
    private final int rows;
    private final int stride; // values per row
    private final int numClasses;
    private final float[] gx;
    private final float[] gy;
    private final float[] gs;
    private final float candidateScore;
    private final float reportScore;
    private final float nmsIou;
    private final Candidates cand;

    public YoloxDecoder(int inW, int inH, int[] strides, int numClasses, float candidateScore, float reportScore, float nmsIou) {
        int total = 0;
        for (int s : strides) {
            total += (inW / s) * (inH / s);
        }
        rows = total;
        this.numClasses = numClasses;
        this.stride = 5 + numClasses;
        gx = new float[total];
        gy = new float[total];
        gs = new float[total];
        int i = 0;
        for (int s : strides) {
            int hs = inH / s;
            int ws = inW / s;
            for (int y = 0; y < hs; y++) {
                for (int x = 0; x < ws; x++) {
                    gx[i] = x;
                    gy[i] = y;
                    gs[i] = s;
                    i++;
                }
            }
        }
        this.candidateScore = candidateScore;
        this.reportScore = reportScore;
        this.nmsIou = nmsIou;
        this.cand = new Candidates(total);
    }

    public int rows() {
        return rows;
    }

    @Override
    public void decode(FloatBuffer raw, int srcW, int srcH, float ratio, Detections out) {
        cand.clear();
        for (int i = 0; i < rows; i++) {
            int base = i * stride;
            float obj = raw.get(base + 4);
            if (obj <= candidateScore) {
                continue; // score = obj·cls ≤ obj
            }
            int best = 0;
            float bestP = raw.get(base + 5);
            for (int c = 1; c < numClasses; c++) {
                float p = raw.get(base + 5 + c);
                if (p > bestP) {
                    bestP = p;
                    best = c;
                }
            }
            float score = obj * bestP;
            if (score <= candidateScore) {
                continue;
            }
            float s = gs[i];
            float cx = (raw.get(base) + gx[i]) * s;
            float cy = (raw.get(base + 1) + gy[i]) * s;
            float w = (float) Math.exp(raw.get(base + 2)) * s;
            float h = (float) Math.exp(raw.get(base + 3)) * s;
            cand.add(best, score,
                    (cx - w / 2f) / ratio, (cy - h / 2f) / ratio,
                    (cx + w / 2f) / ratio, (cy + h / 2f) / ratio);
        }
        cand.nmsInto(nmsIou, reportScore, srcW, srcH, out);
    }
}
