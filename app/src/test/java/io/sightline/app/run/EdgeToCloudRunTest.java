package io.sightline.app.run;

import io.sightline.runtime.AssumedDrive;
import io.sightline.runtime.EdgePipeline;
import io.sightline.runtime.RunReport;

import io.sightline.testkit.ProjectHomeExtension;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.sightline.app.CliRun;
import io.sightline.app.TestCloudArgs;
import io.sightline.runtime.telemetry.EdgeTelemetry;
import io.sightline.runtime.telemetry.SessionTelemetry;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.telemetry.IngestTracing;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.EventMetadataKeys;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.inference.ProjectHome;
import io.sightline.testkit.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The whole run on the bundled clip, as {@code ./sightline run --exit} does it: real FFmpeg
 * decoding, real ONNX inference (FastestDet, the fast bundled model), the real edge projector,
 * the SQLite journal, the signed in-process upload and the cloud on a real PostgreSQL.
 */
@ExtendWith(ProjectHomeExtension.class)
class EdgeToCloudRunTest {

    static final int CLIP_FRAMES = 221;
    static final String DEVICE = "test-edge-01";
    static TestPostgres.Database db;
    static ConfigurableApplicationContext cloud;
    static JdbcTemplate jdbc;
    /** Edge and cloud spans, recorded in memory: the cloud's ingest span must link back to the edge's frames. */
    static final InMemorySpanExporter EDGE_SPANS = InMemorySpanExporter.create();
    static final InMemorySpanExporter CLOUD_SPANS = InMemorySpanExporter.create();
    static OpenTelemetrySdk cloudTelemetry;

    @TempDir
    static Path edgeDir;

    @BeforeAll
    static void startCloud() {
        db = TestPostgres.freshDatabase("app_run");
        cloudTelemetry = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(CLOUD_SPANS)).build()).build();
        cloud = new SpringApplicationBuilder(SightlineCloudApplication.class)
                .web(WebApplicationType.NONE)
                .initializers(ctx -> ctx.getBeanFactory().registerSingleton("recordingOpenTelemetry", cloudTelemetry))
                .run(TestCloudArgs.of(db));
        jdbc = cloud.getBean(JdbcTemplate.class);
    }

    @AfterAll
    static void stopCloud() {
        if (cloud != null) {
            cloud.close();
        }
        if (cloudTelemetry != null) {
            cloudTelemetry.close();
        }
    }

    static EdgePipeline.Options options(boolean latestWins, long maxFrames) {
        return new EdgePipeline.Options(ProjectHome.get().resolve(RunCommand.BUNDLED_CLIP).toString(), "fastestdet", null, false,
                latestWins, AssumedDrive.EGO_SPEED_MPS, 1, maxFrames, LocalRun.FLEET_ID, LocalRun.VEHICLE_ID, DEVICE, "test");
    }

    @Test
    void theBundledClipGoesFromVideoToProjectionsAndASecondRunKeepsTheFirst() throws Exception {
        RunReport first;
        RunReport second;
        try (LocalRun edge = LocalRun.attach(cloud, edgeDir, DEVICE);
             EdgeTelemetry edgeTelemetry = EdgeTelemetry.using(
                     SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(EDGE_SPANS)).build(),
                     SdkMeterProvider.builder().build())) {
            // Latest-wins without pacing: decoding outruns detection, so the drop path runs on real frames.
            try (EdgePipeline pipeline = EdgePipeline.open(options(true, 0)).countTraceEdges(true)) {
                first = edge.run(pipeline, EdgePipeline.ProgressListener.NONE, edgeTelemetry);
            }
            LocalRun.CatchUp caughtUp = edge.awaitCloud(first, jdbc, Duration.ofSeconds(90));
            assertThat(caughtUp.lagging()).as("cloud caught up").isEmpty();
            String sid = first.sessionId();

            // The store holds exactly the journal's events: same ids, same order, none missing or doubled.
            List<String> journaled = edge.journal().eventIds(sid);
            assertThat(journaled).hasSize((int) first.eventsJournaled());
            List<String> stored = jdbc.queryForList("select event_identifier from domain_event_entry where aggregate_identifier = ?"
                    + " order by sequence_number", String.class, sid);
            assertThat(stored).isEqualTo(journaled);

            List<String> types = jdbc.queryForList("select payload_type from domain_event_entry where aggregate_identifier = ?"
                    + " order by sequence_number", String.class, sid);
            assertThat(types.get(0)).endsWith("DriveSessionStarted");
            assertThat(types.get(1)).endsWith("ModelActivated");
            assertThat(types.get(types.size() - 1)).endsWith("DriveSessionEnded");

            // Every frame is either captured or dropped and reported: counted exactly, in the store too.
            assertThat(first.framesCaptured() + first.framesDropped()).isEqualTo(CLIP_FRAMES);
            assertThat(storedCount(sid, "FrameCaptured")).isEqualTo(first.framesCaptured());
            assertThat(sumOf(sid, "FramesDropped", "droppedCount")).isEqualTo(first.framesDropped());
            assertThat(sumOf(sid, "DriveSessionEnded", "framesDropped")).isEqualTo(first.framesDropped());
            assertThat(sumOf(sid, "DriveSessionEnded", "framesCaptured")).isEqualTo(first.framesCaptured());

            Map<String, Object> started = jdbc.queryForMap("select convert_from(payload, 'UTF8')::jsonb as p from domain_event_entry"
                    + " where aggregate_identifier = ? and sequence_number = 0", sid);
            assertThat(started.get("p").toString()).contains("\"deviceId\": \"" + DEVICE + "\"", "\"fleetId\": \"fleet-demo\"",
                    "\"assumed\": true", AssumedDrive.CALIBRATION_ID);

            // The pipeline made decisions, not just detections.
            assertThat(first.count("DetectionObserved")).isPositive();
            assertThat(first.count("TrackStarted")).isPositive();
            assertThat(first.count("RiskAssessed")).isPositive();
            assertThat(storedCount(sid, "RiskAssessed")).isEqualTo(first.count("RiskAssessed"));

            // Lineage: every cause named by a stored event of this session is itself stored.
            long edges = jdbc.queryForObject("select count(*) from trace_edges where session_id = ?", Long.class, sid);
            assertThat(edges).isEqualTo(first.expectedTraceEdges()).isPositive();
            assertThat(jdbc.queryForObject("select count(*) from trace_edges t where t.session_id = ? and not exists"
                    + " (select 1 from domain_event_entry e where e.event_identifier = t.cause_id)", Long.class, sid)).isZero();

            // The stored session replays through this build with no difference (replay's cloud-store source, ADR-0017).
            CliRun replay = CliRun.of("replay", "--session", sid, "--jdbc-url", db.jdbcUrl(), "--jdbc-user", db.user(),
                    "--jdbc-password", db.password() == null ? "" : db.password(), "--diff");
            assertThat(replay.exit()).as(replay.out() + replay.err()).isZero();
            assertThat(replay.out()).contains("identical");
            CliRun unknown = CliRun.of("replay", "--session", "no-such-session", "--jdbc-url", db.jdbcUrl(), "--jdbc-user", db.user(),
                    "--jdbc-password", db.password() == null ? "" : db.password(), "--diff");
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.err()).contains("no-such-session");

            // Projections caught up: sessions row complete, one alerts row per AlertRaised.
            Map<String, Object> session = jdbc.queryForMap("select * from sessions where session_id = ?", sid);
            assertThat(session).containsEntry("fleet_id", LocalRun.FLEET_ID).containsEntry("device_id", DEVICE)
                    .containsEntry("calibration_id", AssumedDrive.CALIBRATION_ID);
            assertThat(((Number) session.get("event_count")).longValue()).isEqualTo(journaled.size());
            assertThat(jdbc.queryForObject("select count(*) from alerts where session_id = ?", Long.class, sid))
                    .isEqualTo(storedCount(sid, "AlertRaised"));

            // Tracing end to end: the first frame's FrameCaptured names its edge trace (the detect span), the store keeps that
            // traceparent in the event's Axon metadata, and the ingest span of its batch links to that span.
            EventCodec codec = new EventCodec();
            EventEnvelope frame = null;
            for (var inJournal : edge.journal().read(sid, 0, 1_000, Long.MAX_VALUE)) {
                EventEnvelope e = codec.decode(codec.mapper().readTree(inJournal.wireJson()));
                if (e.payload() instanceof FrameCaptured) {
                    frame = e;
                    break;
                }
            }
            assertThat(frame).isNotNull();
            String traceparent = frame.traceparent();
            assertThat(traceparent).isNotNull();
            String frameId = frame.eventId();
            SpanData frameSpan = EDGE_SPANS.getFinishedSpanItems().stream()
                    .filter(s -> s.getName().equals(SessionTelemetry.FRAME_SPAN) && frameId.equals(s.getAttributes().get(SessionTelemetry.FRAME_ID)))
                    .findFirst().orElseThrow();
            assertThat(traceparent).startsWith("00-" + frameSpan.getTraceId() + "-");
            String metadata = jdbc.queryForObject("select convert_from(meta_data, 'UTF8') from domain_event_entry where event_identifier = ?",
                    String.class, frameId);
            assertThat(metadata).contains("\"" + EventMetadataKeys.TRACEPARENT + "\"", traceparent);
            assertThat(CLOUD_SPANS.getFinishedSpanItems()).filteredOn(s -> s.getName().equals(IngestTracing.SPAN_NAME)
                            && sid.equals(s.getAttributes().get(IngestTracing.SESSION_ID)))
                    .flatExtracting(SpanData::getLinks).extracting(LinkData::getSpanContext)
                    .anyMatch(c -> traceparent.equals("00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex()));

            // Queues stayed bounded.
            first.queueMaxDepths().forEach((queue, depth) -> assertThat(depth).as(queue).isLessThanOrEqualTo(
                    first.queueCapacities().get(queue)));

            // A second run is a new session; the first one's data stays as it was.
            try (EdgePipeline pipeline = EdgePipeline.open(options(false, 20)).countTraceEdges(true)) {
                second = edge.run(pipeline, EdgePipeline.ProgressListener.NONE);
            }
            assertThat(edge.awaitCloud(second, jdbc, Duration.ofSeconds(90)).lagging()).isEmpty();
            assertThat(second.sessionId()).isNotEqualTo(sid);
            assertThat(second.framesCaptured()).isEqualTo(20);
            assertThat(second.framesDropped()).as("back-pressure mode never drops").isZero();
            assertThat(jdbc.queryForList("select event_identifier from domain_event_entry where aggregate_identifier = ?"
                    + " order by sequence_number", String.class, sid)).isEqualTo(journaled);
            assertThat(jdbc.queryForObject("select count(*) from sessions where session_id in (?, ?)", Long.class, sid,
                    second.sessionId())).isEqualTo(2);
        }
        System.out.print(first.format());
    }

    static long storedCount(String sessionId, String type) {
        return jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? and payload_type like ?",
                Long.class, sessionId, "%." + type);
    }

    static long sumOf(String sessionId, String type, String field) {
        return jdbc.queryForObject("select coalesce(sum((convert_from(payload, 'UTF8')::jsonb ->> ?)::bigint), 0)"
                + " from domain_event_entry where aggregate_identifier = ? and payload_type like ?", Long.class, field, sessionId,
                "%." + type);
    }
}
