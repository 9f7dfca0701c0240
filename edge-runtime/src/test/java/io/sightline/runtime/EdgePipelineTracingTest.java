package io.sightline.runtime;

import io.sightline.testkit.ProjectHomeExtension;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.sightline.runtime.telemetry.EdgeTelemetry;
import io.sightline.runtime.telemetry.SessionTelemetry;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.inference.ProjectHome;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge's traces and metrics on a real run (FFmpeg, ONNX Runtime, the edge projector, the
 * SQLite journal) of the bundled slower-lead clip, which raises a forward-collision alert
 * (samples/PROVENANCE.md): each frame is one trace of a frame span and its four stage spans, and
 * every event of a frame carries the traceparent of the stage span that produced it, the alert
 * included (ADR-0007).
 */
@ExtendWith(ProjectHomeExtension.class)
class EdgePipelineTracingTest {

    static final String ALERT_CLIP = "samples/sightline_fcw_slower_lead_960x540.mp4";
    static final int CLIP_FRAMES = 221;
    static final AttributeKey<String> STAGE = AttributeKey.stringKey("sightline.stage");

    @TempDir
    Path dir;



    @Test
    void eachFrameIsOneTraceAndItsEventsTheAlertIncludedCarryThatTrace() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        InMemoryMetricReader metrics = InMemoryMetricReader.create();
        List<MetricData> midRun = new ArrayList<>();
        RunReport report;
        List<EventEnvelope> journaled;
        List<SpanData> finished;
        Collection<MetricData> atEnd;
        // yolox-nano without fallback and with back-pressure: the detections, hence the decisions, do not depend on load.
        EdgePipeline.Options options = new EdgePipeline.Options(ProjectHome.get().resolve(ALERT_CLIP).toString(), "yolox-nano", null,
                false, false, AssumedDrive.EGO_SPEED_MPS, 1, 0, EdgeDefaults.FLEET_ID, EdgeDefaults.VEHICLE_ID, "trace-edge-01", "test");
        try (EdgeTelemetry telemetry = EdgeTelemetry.using(
                SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build(),
                SdkMeterProvider.builder().registerMetricReader(metrics).build());
             EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES);
             EdgePipeline pipeline = EdgePipeline.open(options)) {
            // Queue depths are observed while the session runs; collect once mid-run to see them.
            report = pipeline.run(journal, (done, total) -> {
                if (done == 20) {
                    midRun.addAll(metrics.collectAllMetrics());
                }
            }, telemetry);
            journaled = new ArrayList<>();
            EventCodec codec = new EventCodec();
            for (EdgeJournal.StoredEvent e : journal.read(report.sessionId(), 0, Integer.MAX_VALUE, Long.MAX_VALUE)) {
                EventEnvelope decoded = codec.decode(codec.mapper().readTree(e.wireJson()));
                journaled.add(decoded);
                // The journal writes events straight to text (ADR-0039): the same text as through the tree, for every event type of a run.
                assertThat(e.wireJson()).as(e.eventId()).isEqualTo(codec.mapper().writeValueAsString(codec.encode(decoded)));
            }
            // Before close: shutting the SDK down empties the in-memory exporter and reader.
            finished = List.copyOf(spans.getFinishedSpanItems());
            atEnd = metrics.collectAllMetrics();
        }
        assertThat(report.framesCaptured()).isEqualTo(CLIP_FRAMES);
        assertThat(report.framesDropped()).isZero();
        assertThat(journaled).hasSize((int) report.eventsJournaled());

        // One trace per frame: a root "frame" span and its decode, detect, decide and journal spans.
        Map<String, List<SpanData>> byTrace = finished.stream().collect(Collectors.groupingBy(SpanData::getTraceId));
        assertThat(byTrace).hasSize(CLIP_FRAMES);
        Map<String, SpanData> frameSpanByFrameId = new HashMap<>();
        for (List<SpanData> trace : byTrace.values()) {
            assertThat(trace).extracting(SpanData::getName)
                    .containsExactlyInAnyOrder(SessionTelemetry.FRAME_SPAN, "decode", "detect", "decide", "journal");
            SpanData frame = trace.stream().filter(s -> s.getName().equals(SessionTelemetry.FRAME_SPAN)).findFirst().orElseThrow();
            assertThat(frame.getParentSpanContext().isValid()).isFalse();
            String frameId = frame.getAttributes().get(SessionTelemetry.FRAME_ID);
            assertThat(frameId).isNotNull();
            for (SpanData s : trace) {
                assertThat(s.getAttributes().get(SessionTelemetry.SESSION_ID)).isEqualTo(report.sessionId());
                assertThat(s.getAttributes().get(SessionTelemetry.FRAME_ID)).as(s.getName()).isEqualTo(frameId);
                assertThat(s.getAttributes().get(SessionTelemetry.FRAME_INDEX)).isEqualTo(frame.getAttributes().get(SessionTelemetry.FRAME_INDEX));
                if (s != frame) {
                    assertThat(s.getParentSpanId()).as(s.getName() + " is a child of the frame span").isEqualTo(frame.getSpanId());
                    assertThat(s.getStartEpochNanos()).isGreaterThanOrEqualTo(frame.getStartEpochNanos());
                    assertThat(s.getEndEpochNanos()).isLessThanOrEqualTo(frame.getEndEpochNanos());
                }
            }
            frameSpanByFrameId.put(frameId, frame);
        }

        // Every event of a frame (from its FrameCaptured to the next) carries that frame's trace, naming the span of the
        // stage that produced it; session-level events carry none.
        Map<String, String> stageOfSpan = new HashMap<>();
        finished.forEach(s -> stageOfSpan.put(s.getSpanId(), s.getName()));
        Map<String, String> traceOfEvent = new HashMap<>();
        String frameTrace = null;
        int alerts = 0;
        for (EventEnvelope e : journaled) {
            if (e.payload() instanceof DriveSessionStarted || e.payload() instanceof ModelActivated
                    || e.payload() instanceof DriveSessionEnded || e.payload() instanceof io.sightline.domain.event.EdgeWindowSummarized) {
                assertThat(e.traceparent()).as(e.payload().getClass().getSimpleName()).isNull();
                continue;
            }
            if (e.payload() instanceof FrameCaptured f) {
                SpanData frame = frameSpanByFrameId.get(f.frameId());
                assertThat(frame).as("frame span of " + f.frameId()).isNotNull();
                frameTrace = frame.getTraceId();
                assertThat(frame.getAttributes().get(SessionTelemetry.FRAME_INDEX)).isEqualTo(f.frameIndex());
            }
            assertThat(e.traceparent()).as("traceparent of %s at %d", e.payload().getClass().getSimpleName(), e.sequence())
                    .isNotNull().matches("00-" + frameTrace + "-[0-9a-f]{16}-0[13]"); // sampled (and, in W3C level 2, random)
            String producer = stageOfSpan.get(e.traceparent().substring(36, 52));
            traceOfEvent.put(e.eventId(), e.traceparent().substring(3, 35));
            if (e.payload() instanceof FrameCaptured) {
                assertThat(producer).isEqualTo("detect");
            }
            if (e.payload() instanceof RiskAssessed || e.payload() instanceof AlertRaised) {
                assertThat(producer).as("%s is decided in the decide stage", e.payload().getClass().getSimpleName()).isEqualTo("decide");
            }
            if (e.payload() instanceof AlertRaised alert) {
                alerts++;
                // The assessments the alert was raised on belong to the same frame, hence the same trace.
                assertThat(alert.causes()).isNotEmpty();
                for (String cause : alert.causes()) {
                    assertThat(traceOfEvent.get(cause)).as("trace of the alert's cause " + cause).isEqualTo(frameTrace);
                }
            }
        }
        assertThat(alerts).as("AlertRaised events on the slower-lead clip").isEqualTo(report.count("AlertRaised")).isPositive();

        // Metrics: counts match the report exactly (the durations themselves are not asserted).
        assertThat(longSum(atEnd, "sightline.edge.frames")).isEqualTo(CLIP_FRAMES);
        for (String stage : List.of("decode", "preprocess", "inference", "postprocess", "detect", "decide", "journal", "frame-to-decision")) {
            assertThat(histogramCount(atEnd, "sightline.edge.stage.duration", Attributes.of(STAGE, stage))).as(stage)
                    .isEqualTo(CLIP_FRAMES);
        }
        assertThat(histogramCount(atEnd, "sightline.edge.inference.duration", Attributes.of(
                AttributeKey.stringKey("sightline.model.name"), "yolox-nano", AttributeKey.stringKey("sightline.model.version"), "0.1.1rc0")))
                .isEqualTo(CLIP_FRAMES);
        MetricData depth = midRun.stream().filter(m -> m.getName().equals("sightline.edge.queue.depth")).findFirst().orElseThrow();
        assertThat(depth.getLongGaugeData().getPoints()).extracting(p -> p.getAttributes().get(AttributeKey.stringKey("sightline.queue")))
                .containsExactlyInAnyOrder("decode_to_detect", "detect_to_decide", "decide_to_journal");
        assertThat(atEnd).noneMatch(m -> m.getName().equals("sightline.edge.queue.depth") && !m.getLongGaugeData().getPoints().isEmpty());
    }

    static long longSum(Collection<MetricData> metrics, String name) {
        return metrics.stream().filter(m -> m.getName().equals(name)).flatMap(m -> m.getLongSumData().getPoints().stream())
                .mapToLong(LongPointData::getValue).sum();
    }

    static long histogramCount(Collection<MetricData> metrics, String name, Attributes attributes) {
        return metrics.stream().filter(m -> m.getName().equals(name)).flatMap(m -> m.getHistogramData().getPoints().stream())
                .filter(p -> p.getAttributes().equals(attributes)).mapToLong(HistogramPointData::getCount).sum();
    }
}
