package io.sightline.edge.bench;

import io.sightline.edge.mot.MotDetectionSequence;
import io.sightline.edge.mot.MotRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A long, deterministic detection sequence for throughput measurement: pedestrians-sized boxes
 * moving at constant velocity with jitter, missed detections, low-score detections and clutter.
 * Its per-frame load (about 20 detections) is in the MOT15 range.
 */
public final class SyntheticScene {

    private SyntheticScene() {
    }

    /**
     * @param frames sequence length
     * @param objects simultaneous objects
     * @param seed random seed, so runs are comparable
     */
    public static MotDetectionSequence generate(int frames, int objects, long seed) {
        Random rnd = new Random(seed);
        double imageWidthPx = 1920;
        double imageHeightPx = 1080;
        double[] x = new double[objects];
        double[] y = new double[objects];
        double[] vx = new double[objects];
        double[] vy = new double[objects];
        double[] w = new double[objects];
        double[] h = new double[objects];
        for (int k = 0; k < objects; k++) {
            x[k] = rnd.nextDouble() * imageWidthPx;
            y[k] = rnd.nextDouble() * (imageHeightPx - 300);
            vx[k] = rnd.nextGaussian() * 3;
            vy[k] = rnd.nextGaussian() * 0.5;
            h[k] = 80 + rnd.nextDouble() * 200;
            w[k] = h[k] * (0.35 + rnd.nextDouble() * 0.1);
        }
        List<MotRow> rows = new ArrayList<>(frames * (objects + 3));
        for (int f = 1; f <= frames; f++) {
            for (int k = 0; k < objects; k++) {
                x[k] += vx[k];
                y[k] += vy[k];
                // wrap around so the scene keeps its density; the jump looks like a new object
                if (x[k] < -w[k]) {
                    x[k] += imageWidthPx + w[k];
                } else if (x[k] > imageWidthPx) {
                    x[k] -= imageWidthPx + w[k];
                }
                if (y[k] < 0 || y[k] > imageHeightPx - h[k]) {
                    vy[k] = -vy[k];
                }
                double u = rnd.nextDouble();
                if (u < 0.08) {
                    continue; // missed
                }
                double score = u < 0.2 ? 0.15 + rnd.nextDouble() * 0.35 : 0.6 + rnd.nextDouble() * 0.4;
                rows.add(new MotRow(f, -1, x[k] + rnd.nextGaussian() * 2, y[k] + rnd.nextGaussian() * 2,
                        w[k] * (1 + rnd.nextGaussian() * 0.03), h[k] * (1 + rnd.nextGaussian() * 0.03), score));
            }
            int clutter = rnd.nextInt(4);
            for (int c = 0; c < clutter; c++) {
                rows.add(new MotRow(f, -1, rnd.nextDouble() * imageWidthPx, rnd.nextDouble() * imageHeightPx,
                        20 + rnd.nextDouble() * 60, 40 + rnd.nextDouble() * 120, rnd.nextDouble()));
            }
        }
        return MotDetectionSequence.of(rows);
    }
}
