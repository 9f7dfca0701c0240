package io.sightline.cloud.projection;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.cloud.testing.Projections;
import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.CameraCalibration;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.SightlineEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/** Pooled streaming projections on the real store: segments and tokens in JDBC, batched writes, rebuild by reset. */
@CloudIntegrationTest
class ProjectionIntegrationTest {

    private static final String SHA = "695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14";
    private static final long T0 = 1_764_000_000_000_000_000L;

    @Autowired
    IngestionService ingestion;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    Projections projections;
    @Autowired
    EventProcessingConfiguration processing;

    static List<EventEnvelope> session(String id, int frames, boolean ended) {
        List<EventEnvelope> out = new ArrayList<>();
        java.util.function.Function<SightlineEvent, String> add = p -> {
            long seq = out.size();
            out.add(new EventEnvelope(id + "/" + seq, seq, T0 + seq, p));
            return id + "/" + seq;
        };
        add.apply(new DriveSessionStarted(id, "fleet-p", "veh-9", "dev-9", "0.1.0", T0,
                new CameraCalibration("cal-1", 700, 700, 480, 270, 960, 540, 1.3, 0, true), "policy-v1", Map.of()));
        add.apply(new ModelActivated("yolox-nano", "0.1.1rc0", SHA, "primary", "images", List.of(1, 3, 416, 416), "NCHW", "BGR",
                "yolox", List.of("car"), "Apache-2.0", "src", T0));
        for (int f = 0; f < frames; f++) {
            String frame = add.apply(new FrameCaptured("f" + f, f, f * 40_000_000L, 960, 540, "clip"));
            add.apply(new DetectionObserved("d" + f, "f" + f, 2, "car", 0.9, new BoxPx(1, 2, 3, 4), "yolox-nano", "0.1.1rc0", SHA,
                    List.of(frame)));
        }
        if (ended) {
            add.apply(new DriveSessionEnded(id, T0 + 10_000, "end-of-video", frames, 0));
        }
        return out;
    }

    void await(String what, BooleanSupplier condition) {
        projections.awaitProjection(what, condition,
                () -> "sessions: " + jdbc.queryForList("select session_id, event_count, last_global_index from sessions"));
    }

    @Test
    void projectionsArePooledWithSegmentedJdbcTokensAndCatchUp() throws Exception {
        for (String name : List.of(SessionsProjection.NAME, TraceEdgesProjection.NAME)) {
            assertThat(processing.eventProcessor(name, PooledStreamingEventProcessor.class)).as("processor %s", name).isPresent();
        }
        List<EventEnvelope> a = session("p-a", 300, true);
        List<EventEnvelope> b = session("p-b", 50, false);
        for (int i = 0; i < a.size(); i += 100) {
            ingestion.append("p-a", i, a.subList(i, Math.min(a.size(), i + 100)));
        }
        ingestion.append("p-b", 0, b);

        await("sessions projection", () -> Long.valueOf(a.size() + b.size()).equals(
                jdbc.queryForObject("select coalesce(sum(event_count),0) from sessions where session_id in ('p-a','p-b')", Long.class)));
        Map<String, Object> rowA = jdbc.queryForMap("select * from sessions where session_id = 'p-a'");
        assertThat(rowA).containsEntry("fleet_id", "fleet-p").containsEntry("calibration_id", "cal-1")
                .containsEntry("end_reason", "end-of-video").containsEntry("event_count", (long) a.size());
        assertThat(jdbc.queryForMap("select * from sessions where session_id = 'p-b'")).containsEntry("ended_at_nanos", null);

        await("trace edges", () -> Long.valueOf(350).equals(jdbc.queryForObject("select count(*) from trace_edges where session_id in ('p-a','p-b')", Long.class)));
        assertThat(jdbc.queryForList("select cause_id from trace_edges where event_id = 'p-a/3'", String.class)).containsExactly("p-a/2");
        Long edgeIndex = jdbc.queryForObject("select global_index from trace_edges where event_id = 'p-a/3'", Long.class);
        Long storedIndex = jdbc.queryForObject("select global_index from domain_event_entry where event_identifier = 'p-a/3'", Long.class);
        assertThat(edgeIndex).isEqualTo(storedIndex);

        assertThat(jdbc.queryForObject("select count(*) from token_entry where processor_name = ?", Integer.class, TraceEdgesProjection.NAME))
                .as("segments of trace-edges in the JDBC token store").isEqualTo(4);
    }

    @Test
    void rebuildResetsAndReplaysToTheSameRows() throws Exception {
        List<EventEnvelope> c = session("p-c", 40, true);
        ingestion.append("p-c", 0, c);
        await("trace edges of p-c", () -> Long.valueOf(40).equals(
                jdbc.queryForObject("select count(*) from trace_edges where session_id = 'p-c'", Long.class)));
        List<Map<String, Object>> before = jdbc.queryForList("select * from trace_edges order by event_id, cause_id");

        PooledStreamingEventProcessor processor = processing.eventProcessor(TraceEdgesProjection.NAME, PooledStreamingEventProcessor.class)
                .orElseThrow();
        processor.shutDown();
        jdbc.update("insert into trace_edges values ('junk', 'junk', 'X', 's', -1)");
        processor.resetTokens();
        assertThat(jdbc.queryForObject("select count(*) from trace_edges", Long.class)).as("reset handler truncated").isZero();
        processor.start();
        await("replayed trace edges", () -> Long.valueOf(before.size()).equals(
                jdbc.queryForObject("select count(*) from trace_edges", Long.class)));
        assertThat(jdbc.queryForList("select * from trace_edges order by event_id, cause_id")).isEqualTo(before);
    }
}
