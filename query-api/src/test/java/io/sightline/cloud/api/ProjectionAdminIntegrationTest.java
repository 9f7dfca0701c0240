package io.sightline.cloud.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.testing.CloudHttp;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.cloud.testing.Projections;
import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.CameraCalibration;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/** Rebuilding a projection is an admin-only HTTP operation that empties and replays it. */
@CloudIntegrationTest
class ProjectionAdminIntegrationTest {

    private static final String SHA = "695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14";
    private static final long T0 = 1_764_000_000_000_000_000L;

    @Autowired
    IngestionService ingestion;
    @Autowired
    DemoTokens tokens;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    Projections projections;
    @Autowired
    CloudHttp http;

    private HttpResponse<String> post(String path, String bearer) throws Exception {
        return http.send(http.request(path, bearer).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private long edges() {
        return jdbc.queryForObject("select count(*) from trace_edges where session_id = 'adm-1'", Long.class);
    }

    private void awaitEdges(long expected) {
        projections.awaitProjection(expected + " trace_edges of adm-1", this::edges, n -> n == expected);
    }

    @Test
    void onlyAdminsRebuildAndTheProjectionComesBackIdentical() throws Exception {
        List<EventEnvelope> events = new ArrayList<>();
        events.add(new EventEnvelope("adm-1/0", 0, T0, new DriveSessionStarted("adm-1", "fleet-a", "veh", "dev", "0.1.0", T0,
                new CameraCalibration("cal", 700, 700, 480, 270, 960, 540, 1.3, 0, true), "policy-v1", Map.of())));
        events.add(new EventEnvelope("adm-1/1", 1, T0 + 1, new ModelActivated("yolox-nano", "0.1.1rc0", SHA, "primary", "images",
                List.of(1, 3, 416, 416), "NCHW", "BGR", "yolox", List.of("car"), "Apache-2.0", "src", T0)));
        for (int f = 0; f < 50; f++) {
            long seq = events.size();
            events.add(new EventEnvelope("adm-1/" + seq, seq, T0 + seq, new FrameCaptured("f" + f, f, f, 960, 540, "clip")));
            events.add(new EventEnvelope("adm-1/" + (seq + 1), seq + 1, T0 + seq + 1, new DetectionObserved("d" + f, "f" + f, 2, "car",
                    0.9, new BoxPx(1, 2, 3, 4), "yolox-nano", "0.1.1rc0", SHA, List.of("adm-1/" + seq))));
        }
        ingestion.append("adm-1", 0, events);
        awaitEdges(50);
        List<Map<String, Object>> before = jdbc.queryForList("select * from trace_edges where session_id = 'adm-1' order by event_id");

        HttpResponse<String> anonymous = post("/api/v1/admin/projections/trace-edges/rebuild", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(anonymous.body()).contains("\"status\":401").contains("Authorization: Bearer");
        HttpResponse<String> investigator = post("/api/v1/admin/projections/trace-edges/rebuild",
                tokens.mint("i", "fleet-a", Duration.ofMinutes(5), Roles.INVESTIGATOR));
        assertThat(investigator.statusCode()).isEqualTo(403);
        assertThat(investigator.body()).contains("\"status\":403").contains("roles do not allow POST");
        HttpResponse<String> garbage = post("/api/v1/admin/projections/trace-edges/rebuild", "not-a-jwt");
        assertThat(garbage.statusCode()).isEqualTo(401);
        assertThat(garbage.body()).contains("bearer token was refused");
        String admin = tokens.mint("a", "fleet-a", Duration.ofMinutes(5), Roles.ADMIN);
        HttpResponse<String> unknown = post("/api/v1/admin/projections/nope/rebuild", admin);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("no projection named 'nope'");

        jdbc.update("insert into trace_edges values ('stale', 'stale', 'X', 'adm-1', -1)");
        HttpResponse<String> rebuilt = post("/api/v1/admin/projections/trace-edges/rebuild", admin);
        assertThat(rebuilt.statusCode()).isEqualTo(202);
        assertThat(rebuilt.body()).contains("\"name\":\"trace-edges\"");
        awaitEdges(50);
        assertThat(jdbc.queryForList("select * from trace_edges where session_id = 'adm-1' order by event_id")).isEqualTo(before);
    }
}
