package io.sightline.edge.mot;

import io.sightline.edge.tracking.ByteTracker;
import io.sightline.edge.tracking.Detections;
import io.sightline.edge.tracking.TrackerConfig;
import io.sightline.edge.tracking.TrackerOutput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs a {@link ByteTracker} over a MOTChallenge detection sequence and collects its output. */
public final class MotTrackRunner {

    /** Result rows in flat arrays plus the time spent inside the tracker. */
    public static final class Result {
        private int size;
        private int[] frame = new int[256];
        private long[] id = new long[256];
        private double[] box = new double[256 * 4];
        private long trackingNanos;
        private int frames;

        void add(int f, long trackId, double l, double t, double w, double h) {
            if (size == frame.length) {
                frame = Arrays.copyOf(frame, size * 2);
                id = Arrays.copyOf(id, size * 2);
                box = Arrays.copyOf(box, size * 8);
            }
            frame[size] = f;
            id[size] = trackId;
            box[4 * size] = l;
            box[4 * size + 1] = t;
            box[4 * size + 2] = w;
            box[4 * size + 3] = h;
            size++;
        }

        /** Time spent in {@link ByteTracker#update} (excludes reading, writing, conversion). */
        public long trackingNanos() {
            return trackingNanos;
        }

        public int frames() {
            return frames;
        }

        public double framesPerSecond() {
            return frames / (trackingNanos / 1e9);
        }

        /** MOTChallenge result rows ({@code conf} = -1, as trackers submit). */
        public List<MotRow> rows() {
            List<MotRow> rows = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                rows.add(new MotRow(frame[i], Math.toIntExact(id[i]), box[4 * i], box[4 * i + 1],
                        box[4 * i + 2], box[4 * i + 3], -1));
            }
            return rows;
        }
    }

    private MotTrackRunner() {
    }

    /** Tracks {@code sequence} with a fresh tracker and returns the reported tracks per frame. */
    public static Result run(MotDetectionSequence sequence, TrackerConfig config, double frameRateHz) {
        int maxDet = Math.max(1, sequence.maxDetectionsPerFrame());
        ByteTracker tracker = new ByteTracker(config.withCapacities(config.initialTrackCapacity(),
                Math.max(config.initialDetectionCapacity(), maxDet)), frameRateHz);
        Detections detections = new Detections(maxDet);
        TrackerOutput out = new TrackerOutput(config.initialTrackCapacity());
        Result result = new Result();
        int frames = sequence.frameCount();
        for (int f = 0; f < frames; f++) {
            sequence.load(f, detections);
            long t0 = System.nanoTime();
            tracker.update(detections, out);
            result.trackingNanos += System.nanoTime() - t0;
            for (int r = 0; r < out.size(); r++) {
                if (out.isReported(r)) {
                    result.add(sequence.firstFrame() + f, out.trackId(r), out.leftPx(r), out.topPx(r),
                            out.widthPx(r), out.heightPx(r));
                }
            }
        }
        result.frames = frames;
        return result;
    }
}
