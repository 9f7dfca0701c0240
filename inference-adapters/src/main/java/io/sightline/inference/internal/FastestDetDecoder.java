package io.sightline.inference.internal;

import io.sightline.inference.Detections;

import java.nio.FloatBuffer;

/**
 * FastestDet single stride-16 map decode (reference {@code example/onnx-runtime/runtime.py}):
 * channel-major {@code [85,H,W]}; ch0 obj, ch1..4 raw box terms, ch5.. class probabilities;
 * {@code score=obj^0.6·max(cls)^0.4}, {@code cx=(w+tanh(c1))/W}, {@code bw=sigmoid(c3)}, scaled by
 * the source size. Boxes stay fractional (the reference truncates to int only for drawing).
 */
public final class FastestDetDecoder implements OutputDecoder {
    private final int mapW;
    private final int mapH;
    private final int numClasses;
    private final float threshold;
    private final float nmsIou;
    private final Candidates cand;

    public FastestDetDecoder(int mapW, int mapH, int numClasses, float threshold, float nmsIou) {
        this.mapW = mapW;
        this.mapH = mapH;
        this.numClasses = numClasses;
        this.threshold = threshold;
        this.nmsIou = nmsIou;
        this.cand = new Candidates(mapW * mapH);
    }

    @Override
    public void decode(FloatBuffer raw, int srcW, int srcH, float ratio, Detections out) {
        cand.clear();
        int plane = mapW * mapH;
        for (int h = 0; h < mapH; h++) {
            for (int w = 0; w < mapW; w++) {
                int cell = h * mapW + w;
                float obj = raw.get(cell);
                int best = 0;
                float bestP = raw.get(5 * plane + cell);
                for (int c = 1; c < numClasses; c++) {
                    float p = raw.get((5 + c) * plane + cell);
                    if (p > bestP) {
                        bestP = p;
                        best = c;
                    }
                }
                float score = (float) (Math.pow(obj, 0.6) * Math.pow(bestP, 0.4));
                if (!(score > threshold)) {
                    continue;
                }
                float ox = (float) Math.tanh(raw.get(plane + cell));
                float oy = (float) Math.tanh(raw.get(2 * plane + cell));
                float bw = sigmoid(raw.get(3 * plane + cell));
                float bh = sigmoid(raw.get(4 * plane + cell));
                float cx = (w + ox) / mapW;
                float cy = (h + oy) / mapH;
                cand.add(best, score,
                        (cx - 0.5f * bw) * srcW, (cy - 0.5f * bh) * srcH,
                        (cx + 0.5f * bw) * srcW, (cy + 0.5f * bh) * srcH);
            }
        }
        // candidate and report thresholds are the same for FastestDet: report everything > threshold
        cand.nmsInto(nmsIou, threshold, srcW, srcH, out);
    }

    private static float sigmoid(float v) {
        return (float) (1.0 / (1.0 + Math.exp(-v)));
    }
}
