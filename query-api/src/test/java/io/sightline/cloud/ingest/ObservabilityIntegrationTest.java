package io.sightline.cloud.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.sightline.cloud.telemetry.IngestTracing;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.EventMetadataKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Observability of the running cloud over real HTTP on a real PostgreSQL: the Actuator health,
 * readiness and liveness probes and the Prometheus scrape answer without a token, and an ingested
 * batch gets an "ingest" span linked to the edge spans its events name, whose traceparents end up
 * in the stored events' metadata (ADR-0007).
 */
@CloudIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityIntegrationTest {

    static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();

    @TestConfiguration
    static class RecordingTelemetry {
        @Bean(destroyMethod = "close")
        @Primary
        OpenTelemetrySdk recordingOpenTelemetry() {
            return OpenTelemetrySdk.builder()
                    .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(SPANS)).build())
                    .build();
        }
    }

    @LocalServerPort
    int port;
    @Autowired
    DeviceKeyRegistry registry;
    @Autowired
    JdbcTemplate jdbc;

    final HttpClient http = HttpClient.newHttpClient();
    TestDevice device;

    @BeforeAll
    void device() throws Exception {
        device = new TestDevice("dev-otel-1");
        registry.register(device.deviceId, device.publicKeyBase64());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthReadinessLivenessAndPrometheusAnswerWithoutAToken() throws Exception {
        for (String probe : List.of("/actuator/health", "/actuator/health/readiness", "/actuator/health/liveness")) {
            HttpResponse<String> r = get(probe);
            assertThat(r.statusCode()).as(probe).isEqualTo(200);
            assertThat(r.body()).as(probe).contains("\"status\":\"UP\"");
        }
        HttpResponse<String> scrape = get("/actuator/prometheus");
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        // JVM and connection-pool meters come from Micrometer through the Prometheus registry.
        assertThat(scrape.body()).contains("# TYPE jvm_memory_used_bytes gauge", "hikaricp_connections_active");
    }

    @Test
    void anIngestedBatchLinksToTheDistinctEdgeSpansOfItsEventsAndStoresTheirTraceparents() throws Exception {
        String session = "otel-links";
        List<EventEnvelope> plain = device.session(session, 82);
        // Two events per edge span (a frame and its detection), as the edge journals them: 40 distinct traceparents.
        List<EventEnvelope> traced = new ArrayList<>();
        List<String> traceparents = new ArrayList<>();
        for (EventEnvelope e : plain) {
            String tp = null;
            if (e.sequence() >= 2) {
                long span = (e.sequence() - 2) / 2;
                tp = String.format(Locale.ROOT, "00-%032x-%016x-01", 0xabc000L + span, 0x5000L + span);
                if (traceparents.isEmpty() || !traceparents.get(traceparents.size() - 1).equals(tp)) {
                    traceparents.add(tp);
                }
            }
            traced.add(new EventEnvelope(e.eventId(), e.sequence(), e.occurredAtNanos(), e.payload(), tp));
        }
        assertThat(traceparents).hasSize(40);
        SPANS.reset();

        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/ingest"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(device.mapper().writeValueAsBytes(device.body(session, traced)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

        List<SpanData> ingest = SPANS.getFinishedSpanItems().stream().filter(s -> s.getName().equals(IngestTracing.SPAN_NAME)).toList();
        assertThat(ingest).hasSize(1);
        SpanData span = ingest.get(0);
        assertThat(span.getParentSpanContext().isValid()).as("a batch is a root: the edge spans are links, not parents").isFalse();
        assertThat(span.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(span.getAttributes().get(IngestTracing.SESSION_ID)).isEqualTo(session);
        assertThat(span.getAttributes().get(IngestTracing.EVENT_COUNT)).isEqualTo(82L);
        assertThat(span.getAttributes().get(IngestTracing.LINKS_DROPPED)).isEqualTo(40L - IngestTracing.MAX_LINKS);
        List<String> linked = span.getLinks().stream().map(LinkData::getSpanContext)
                .map(c -> "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex()).toList();
        assertThat(linked).containsExactlyElementsOf(traceparents.subList(0, IngestTracing.MAX_LINKS));
        assertThat(span.getLinks()).extracting(LinkData::getSpanContext).allMatch(SpanContext::isRemote);

        // The store keeps each event's traceparent in its metadata; session-level events have none.
        List<String> stored = jdbc.queryForList("select convert_from(meta_data, 'UTF8') from domain_event_entry"
                + " where aggregate_identifier = ? order by sequence_number", String.class, session);
        assertThat(stored).hasSize(82);
        assertThat(stored.get(0)).doesNotContain(EventMetadataKeys.TRACEPARENT);
        for (int i = 2; i < stored.size(); i++) {
            assertThat(stored.get(i)).as("metadata of sequence " + i).contains("\"" + EventMetadataKeys.TRACEPARENT + "\"")
                    .contains(traced.get(i).traceparent());
        }
    }
}
