package io.sightline.runtime.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.List;

/**
 * The edge pipeline's instruments, created once per SDK (docs/observability.md lists them).
 * Durations are recorded in milliseconds into explicit buckets that bracket the stage budgets
 * (decode 10 ms, decide 5 ms, journal 25 ms, detect 80 ms, frame to decision 100 ms).
 */
final class EdgeMetrics {

    static final String STAGE_DURATION = "sightline.edge.stage.duration";
    static final String INFERENCE_DURATION = "sightline.edge.inference.duration";
    static final String FRAMES = "sightline.edge.frames";
    static final String FRAMES_DROPPED = "sightline.edge.frames.dropped";
    static final String QUEUE_DEPTH = "sightline.edge.queue.depth";

    static final AttributeKey<String> STAGE = AttributeKey.stringKey("sightline.stage");
    static final AttributeKey<String> QUEUE = AttributeKey.stringKey("sightline.queue");
    static final AttributeKey<String> MODEL_NAME = AttributeKey.stringKey("sightline.model.name");
    static final AttributeKey<String> MODEL_VERSION = AttributeKey.stringKey("sightline.model.version");

    static final List<Double> DURATION_BUCKETS_MS = List.of(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 25.0, 40.0, 60.0, 80.0,
            100.0, 150.0, 250.0, 500.0, 1000.0);

    final Meter meter;
    final DoubleHistogram stageDurationMs;
    final DoubleHistogram inferenceDurationMs;
    final LongCounter frames;
    final LongCounter framesDropped;

    EdgeMetrics(Meter meter) {
        this.meter = meter;
        this.stageDurationMs = meter.histogramBuilder(STAGE_DURATION).setUnit("ms")
                .setDescription("Time a frame spent in one edge pipeline stage")
                .setExplicitBucketBoundariesAdvice(DURATION_BUCKETS_MS).build();
        this.inferenceDurationMs = meter.histogramBuilder(INFERENCE_DURATION).setUnit("ms")
                .setDescription("ONNX Runtime time per frame (without pre- and postprocessing), by model name and version")
                .setExplicitBucketBoundariesAdvice(DURATION_BUCKETS_MS).build();
        this.frames = meter.counterBuilder(FRAMES).setUnit("{frame}")
                .setDescription("Frames journaled; its rate is the pipeline's frames per second").build();
        this.framesDropped = meter.counterBuilder(FRAMES_DROPPED).setUnit("{frame}")
                .setDescription("Frames dropped by latest-frame-wins before detection").build();
    }
}
