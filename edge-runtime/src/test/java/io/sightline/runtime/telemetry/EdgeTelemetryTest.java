package io.sightline.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SDK set-up from the environment, and a frame's trace bookkeeping outside the pipeline. */
class EdgeTelemetryTest {

    @Test
    void withoutAnEndpointNothingIsRecordedButTraceparentsAreRealAndWellFormed() {
        try (EdgeTelemetry t = EdgeTelemetry.fromEnvironment(Map.of(), Map.of())) {
            assertThat(t.exporting()).isFalse();
            assertThat(t.describe()).contains("OTEL_EXPORTER_OTLP_ENDPOINT");
            FrameTrace frame = t.session("s").frameDecoded(0, 1_000_000);
            String tp = frame.beginStage("detect");
            assertThat(tp).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]");
            assertThat(tp).doesNotContain("00000000000000000000000000000000");
            assertThat(tp.substring(3, 35)).isEqualTo(frame.frameSpanContext().getTraceId());
            assertThat(Span.fromContext(frame.context()).isRecording()).as("the sampler drops: nothing to export").isFalse();
            frame.endStage(1);
            frame.journaled();
        }
    }

    @Test
    void anEndpointInTheEnvironmentOrASystemPropertyTurnsOtlpExportOn() {
        assertThat(EdgeTelemetry.configuredEndpoint(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), Map.of()))
                .isEqualTo("http://collector:4318");
        assertThat(EdgeTelemetry.configuredEndpoint(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/v1/traces"), Map.of()))
                .isEqualTo("http://c:4318/v1/traces");
        assertThat(EdgeTelemetry.configuredEndpoint(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://env:4318"),
                Map.of("otel.exporter.otlp.endpoint", "http://prop:4318"))).isEqualTo("http://prop:4318");
        assertThat(EdgeTelemetry.configuredEndpoint(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "  "), Map.of())).isNull();

        try (EdgeTelemetry t = EdgeTelemetry.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"), Map.of())) {
            assertThat(t.exporting()).isTrue();
            assertThat(t.describe()).isEqualTo("OTLP to http://127.0.0.1:4318");
            // Autoconfigured with the default always-on sampler: spans are recorded for the batch processor.
            FrameTrace frame = t.session("s").frameDecoded(0, 1_000_000);
            assertThat(Span.fromContext(frame.context()).isRecording()).isTrue();
            // Not ended: with no collector listening, an export would only retry until close() gives up.
        }
    }

    @Test
    void aProtocolTheExporterCannotSpeakIsRefusedSayingWhatToDo() {
        String previous = System.setProperty("otel.exporter.otlp.protocol", "grpc");
        try {
            assertThatThrownBy(() -> EdgeTelemetry.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"), Map.of()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("http://127.0.0.1:4317").hasMessageContaining("http/protobuf");
        } finally {
            if (previous == null) {
                System.clearProperty("otel.exporter.otlp.protocol");
            } else {
                System.setProperty("otel.exporter.otlp.protocol", previous);
            }
        }
    }

    @Test
    void eachEventGetsTheTraceparentOfTheStageThatProducedIt() {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (EdgeTelemetry t = EdgeTelemetry.using(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build(),
                SdkMeterProvider.builder().build())) {
            FrameTrace frame = t.session("s-1").frameDecoded(7, 2_000_000);
            String detect = frame.beginStage("detect");
            frame.identify("frame-7");
            frame.endStage(3);
            String decide = frame.beginStage("decide");
            frame.endStage(5);
            String journal = frame.beginStage("journal");
            assertThat(List.of(frame.traceparentOfEvent(0), frame.traceparentOfEvent(2), frame.traceparentOfEvent(3),
                    frame.traceparentOfEvent(4), frame.traceparentOfEvent(5))).containsExactly(detect, detect, decide, decide, journal);
            frame.endStage(5);
            frame.journaled();

            List<SpanData> done = spans.getFinishedSpanItems();
            assertThat(done).extracting(SpanData::getName).containsExactlyInAnyOrder("decode", "detect", "decide", "journal", "frame");
            SpanData decode = done.stream().filter(s -> s.getName().equals("decode")).findFirst().orElseThrow();
            // The decode span ended when decoding did, though it was closed only once the frame had its id.
            assertThat(decode.getEndEpochNanos() - decode.getStartEpochNanos()).isEqualTo(2_000_000);
            assertThat(decode.getAttributes().get(SessionTelemetry.FRAME_ID)).isEqualTo("frame-7");
            assertThat(done).allMatch(s -> "frame-7".equals(s.getAttributes().get(SessionTelemetry.FRAME_ID)));
        }
    }
}
