package io.sightline.runtime.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.sightline.inference.StageTimes;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.Collection;

/**
 * Per-frame cost of the edge's telemetry calls, made as EdgePipeline makes them, on one thread:
 * with export off (the default: ids only) and with an SDK that records every span into a batch
 * processor and aggregates the metrics (exporters that discard). Not a test: a benchmark harness
 * whose figures go to docs/benchmarks.md (the command is there).
 */
public final class TelemetryCostHarness {
    static volatile Object sink;

    public static void main(String[] args) throws Exception {
        int frames = Integer.parseInt(args[0]);
        EdgeTelemetry local = EdgeTelemetry.process();
        SpanExporter spans = new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> batch) {
                sink = batch;
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
        MetricExporter metrics = new MetricExporter() {
            @Override
            public CompletableResultCode export(Collection<MetricData> batch) {
                sink = batch;
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public AggregationTemporality getAggregationTemporality(InstrumentType type) {
                return AggregationTemporality.CUMULATIVE;
            }
        };
        // The loop makes spans a thousand times faster than 25 frames/s: with the default queue (2,048) the
        // processor would drop most of them and the figure would be the drop path's.
        EdgeTelemetry recording = EdgeTelemetry.using(
                SdkTracerProvider.builder().addSpanProcessor(
                        BatchSpanProcessor.builder(spans).setMaxQueueSize(1 << 21).setMaxExportBatchSize(4096).build()).build(),
                SdkMeterProvider.builder().registerMetricReader(
                        PeriodicMetricReader.builder(metrics).setInterval(Duration.ofSeconds(1)).build()).build());
        for (int round = 0; round < 3; round++) {
            for (EdgeTelemetry t : new EdgeTelemetry[]{local, recording}) {
                long ns = perFrame(t, frames);
                System.out.printf("round %d %-10s %,d ns/frame%n", round, t == local ? "local-ids" : "recording", ns);
            }
        }
        recording.close();
    }

    static long perFrame(EdgeTelemetry t, int frames) {
        SessionTelemetry s = t.session("bench").stages("decode", "preprocess", "inference", "postprocess", "detect", "decide", "journal",
                "frame-to-decision");
        Attributes model = Attributes.of(AttributeKey.stringKey("sightline.model.name"), "yolox-nano",
                AttributeKey.stringKey("sightline.model.version"), "0.1.1rc0");
        StageTimes st = new StageTimes();
        st.preprocessNanos = 1_500_000;
        st.inferenceNanos = 6_000_000;
        st.postprocessNanos = 90_000;
        long start = System.nanoTime();
        for (int i = 0; i < frames; i++) {
            FrameTrace f = s.frameDecoded(i, 300_000);
            f.beginStage("detect");
            f.identify("frame-" + (i & 1023));
            s.stageDuration("decode", 300_000);
            s.detector(st, model);
            s.stageDuration("detect", st.totalNanos());
            f.endStage(6);
            f.beginStage("decide");
            s.stageDuration("decide", 200_000);
            s.stageDuration("frame-to-decision", 50_000_000);
            f.endStage(10);
            f.beginStage("journal");
            for (int e = 0; e < 10; e++) {
                sink = f.traceparentOfEvent(e);
            }
            s.stageDuration("journal", 7_000_000);
            f.endStage(10);
            f.journaled();
            s.frameJournaled();
        }
        long ns = (System.nanoTime() - start) / frames;
        s.close();
        return ns;
    }
}
