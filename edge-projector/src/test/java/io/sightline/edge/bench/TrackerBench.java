package io.sightline.edge.bench;

import io.sightline.edge.mot.MotCsv;
import io.sightline.edge.mot.MotDetectionSequence;
import io.sightline.edge.testdata.TudCampus;
import io.sightline.edge.tracking.ByteTracker;
import io.sightline.edge.tracking.Detections;
import io.sightline.edge.tracking.TrackerConfig;
import io.sightline.edge.tracking.TrackerOutput;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * JMH: one replay of TUD-Campus det.txt (71 frames) with a fresh tracker per invocation; the
 * score is per frame, so ops/s is frames/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TrackerBench {

    private static final int TUD_CAMPUS_FRAMES = 71;

    private MotDetectionSequence sequence;
    private Detections detections;
    private TrackerOutput out;
    private TrackerConfig config;

    @Setup
    public void setUp() throws IOException {
        sequence = MotDetectionSequence.of(MotCsv.read(TudCampus.det()));
        if (sequence.frameCount() != TUD_CAMPUS_FRAMES) {
            throw new IllegalStateException("unexpected TUD-Campus length " + sequence.frameCount());
        }
        detections = new Detections(sequence.maxDetectionsPerFrame());
        out = new TrackerOutput(64);
        config = TrackerConfig.mot15PublicDetections();
    }

    @Benchmark
    @OperationsPerInvocation(TUD_CAMPUS_FRAMES)
    public void tudCampusFreshTracker(Blackhole bh) {
        ByteTracker tracker = new ByteTracker(config, 25.0);
        for (int f = 0; f < TUD_CAMPUS_FRAMES; f++) {
            sequence.load(f, detections);
            tracker.update(detections, out);
            bh.consume(out.size());
        }
    }
}
