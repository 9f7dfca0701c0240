package io.sightline.edge.bench;

import io.sightline.edge.mot.MotCsv;
import io.sightline.edge.mot.MotDetectionSequence;
import io.sightline.edge.tracking.ByteTracker;
import io.sightline.edge.tracking.Detections;
import io.sightline.edge.tracking.TrackerConfig;
import io.sightline.edge.tracking.TrackerOutput;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Command-line throughput harness for the tracker: frames per second of tracking alone (detections
 * are preloaded into memory; no file IO, no parsing, no result conversion in the timed loop).
 *
 * <p>Usage (after {@code ./mvnw -pl edge-projector -am test-compile}, docs/benchmarks.md): {@code java -cp
 * edge-projector/target/test-classes:edge-projector/target/classes io.sightline.edge.bench.TrackerThroughputBench
 * [DET.txt ...]}. Test sources, beside the JMH benches, so that the edge's jar carries no harness. Each MOTChallenge detection file is replayed many times, each time with a fresh
 * tracker (so short sequences include track start-up); then a long synthetic scene is replayed
 * once per round with one tracker (steady state). Warm-up rounds let the JIT compile first.
 */
public final class TrackerThroughputBench {

    private static final int ROUNDS = 5;
    private static final double WARMUP_SECONDS = 3.0;
    private static final long TARGET_FRAMES_PER_ROUND = 400_000;

    private TrackerThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        TrackerConfig config = TrackerConfig.mot15PublicDetections();
        System.out.printf(Locale.ROOT, "java %s, %d cpus%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        for (String file : args) {
            MotDetectionSequence seq = MotDetectionSequence.of(MotCsv.read(Path.of(file)));
            int passes = (int) Math.max(1, TARGET_FRAMES_PER_ROUND / Math.max(1, seq.frameCount()));
            report(file + " (" + seq.frameCount() + " frames, " + seq.detectionCount()
                    + " detections, " + passes + " passes with fresh trackers per round)",
                    seq, config, passes);
        }
        MotDetectionSequence synthetic = SyntheticScene.generate(100_000, 18, 7);
        report("synthetic (100000 frames, " + synthetic.detectionCount()
                + " detections, one tracker per round)", synthetic, config, 1);
    }

    private static void report(String label, MotDetectionSequence seq, TrackerConfig config, int passes) {
        Detections detections = new Detections(Math.max(1, seq.maxDetectionsPerFrame()));
        TrackerOutput out = new TrackerOutput(64);
        long warmEnd = System.nanoTime() + (long) (WARMUP_SECONDS * 1e9);
        while (System.nanoTime() < warmEnd) {
            runPasses(seq, config, Math.max(1, passes / 10), detections, out);
        }
        double[] fps = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            long t0 = System.nanoTime();
            long frames = runPasses(seq, config, passes, detections, out);
            fps[r] = frames / ((System.nanoTime() - t0) / 1e9);
        }
        double[] sorted = fps.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "%s%n  rounds (frames/s):", label);
        for (double v : fps) {
            System.out.printf(Locale.ROOT, " %.0f", v);
        }
        System.out.printf(Locale.ROOT, "%n  median %.0f frames/s = %.2f us/frame%n",
                sorted[ROUNDS / 2], 1e6 / sorted[ROUNDS / 2]);
    }

    /** Replays the sequence {@code passes} times, each with a fresh tracker; returns frames run. */
    static long runPasses(MotDetectionSequence seq, TrackerConfig config, int passes,
                          Detections detections, TrackerOutput out) {
        long frames = 0;
        long checksum = 0;
        int n = seq.frameCount();
        for (int p = 0; p < passes; p++) {
            ByteTracker tracker = new ByteTracker(config, 25.0);
            for (int f = 0; f < n; f++) {
                seq.load(f, detections);
                tracker.update(detections, out);
                checksum += out.size();
            }
            frames += n;
        }
        if (checksum == 42) {
            System.out.print(""); // keeps the JIT from discarding the loop's results
        }
        return frames;
    }
}
