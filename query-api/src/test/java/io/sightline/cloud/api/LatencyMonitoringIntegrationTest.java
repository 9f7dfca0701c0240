package io.sightline.cloud.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.projection.LatencyMonitorProjection;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.cloud.testing.Projections;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EdgeWindowSummarized;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.monitoring.LatencyDetectorConfig;
import io.sightline.domain.monitoring.LatencyMonitorLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The latency monitor on the real application: sessions with window summaries are ingested, the
 * pooled processor judges each at its end, a sustained 10 % rise of the detect stage's p95 becomes
 * one stored LatencyRegressionDetected in the model's log (causes: the tripping sessions' windows),
 * served by GET /api/v1/monitoring/latency for the caller's fleet and exported to Prometheus; a
 * rebuild of the processor stores nothing twice.
 */
@CloudIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class LatencyMonitoringIntegrationTest {

    static final long T0 = 1_765_000_000_000_000_000L;
    static final String SHA = "31cb14c017fce347cb4c846ec62fdf00d76bb3beecdf4be21e7116ac67feb880";
    static final String VERSION = "0.2.0";
    static final int REFERENCE = LatencyDetectorConfig.current().referenceSessions();
    /** Sessions of fleet-a: the reference, 5 unchanged, then 2 at +10 %. */
    static final int FLEET_A_SESSIONS = REFERENCE + 7;
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    IngestionService ingestion;
    @Autowired
    DemoTokens tokens;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    Projections projections;
    @Autowired
    EventProcessingConfiguration processing;
    @Autowired
    LatencyRegressionMetrics metrics;

    final HttpClient http = HttpClient.newHttpClient();
    String investigatorA;
    String investigatorB;

    /** A minute-long session of two windows (1,500 and 300 frames) whose detect p95 is {@code detectP95Micros}. */
    private void session(String sessionId, String fleet, int index, long detectP95Micros) throws Exception {
        long start = T0 + index * 120_000_000_000L;
        List<EventEnvelope> events = new ArrayList<>();
        events.add(new EventEnvelope(EventIds.of(sessionId, "DriveSessionStarted", 0), 0, start,
                new DriveSessionStarted(sessionId, fleet, "veh-1", "dev-veh-1", VERSION, start, null, "v1", Map.of())));
        events.add(new EventEnvelope(EventIds.of(sessionId, "ModelActivated", "primary"), 1, start,
                new ModelActivated("fastestdet", "50473cd", SHA, "primary", "input.1", List.of(1, 3, 352, 352), "NCHW", "BGR /255",
                        "fastestdet", List.of("person", "car"), "BSD-3-Clause", "models/fastestdet", start)));
        long[][] windows = {{1_500, detectP95Micros}, {300, detectP95Micros + 5_000}};
        for (int w = 0; w < windows.length; w++) {
            long at = start + (w + 1) * 60_000_000_000L;
            List<EdgeWindowSummarized.StageLatency> latencies = List.of(
                    new EdgeWindowSummarized.StageLatency("decode", windows[w][0], 2_000, 3_000, 3_500, 4_000),
                    new EdgeWindowSummarized.StageLatency("detect", windows[w][0], windows[w][1] / 2, windows[w][1], windows[w][1] + 500,
                            windows[w][1] + 900));
            events.add(new EventEnvelope(EventIds.of(sessionId, "EdgeWindowSummarized", w), 2 + w, at,
                    new EdgeWindowSummarized(sessionId, w, w * 1_500L, w * 1_500L + windows[w][0] - 1, at - 60_000_000_000L, at,
                            windows[w][0], 0, 0, SHA, latencies, new EdgeWindowSummarized.ImageStatistics(windows[w][0] / 3, 110, 50, 0.2, 300),
                            1.5, List.of(), List.of(0L, 0L, 0L, 0L, 0L, 0L, 0L), List.of(EventIds.of(sessionId, "ModelActivated", "primary")))));
        }
        long end = start + 120_000_000_000L;
        events.add(new EventEnvelope(EventIds.of(sessionId, "DriveSessionEnded", 0), 4, end,
                new DriveSessionEnded(sessionId, end, "end-of-stream", 1_800, 0)));
        ingestion.append(sessionId, 0, events);
    }

    /** Deterministic scheduling noise of about ±1.5 %: the reference's spread. */
    static long jitter(int i) {
        return List.of(-150L, 60L, 140L, -90L, 0L, 110L, -40L, -130L, 30L, 80L).get(i % 10);
    }

    static String sessionA(int i) {
        return "lat-a-" + i;
    }

    @BeforeAll
    void ingestSessions() throws Exception {
        for (int i = 0; i < FLEET_A_SESSIONS; i++) {
            long p95 = 10_000 + jitter(i);
            session(sessionA(i), "fleet-a", i, i >= REFERENCE + 5 ? p95 + 1_000 : p95);
        }
        for (int i = 0; i < 5; i++) {
            session("lat-b-" + i, "fleet-b", i, 20_000 + jitter(i));
        }
        investigatorA = tokens.mint("ana@fleet-a", "fleet-a", Duration.ofMinutes(30), Roles.INVESTIGATOR);
        investigatorB = tokens.mint("bo@fleet-b", "fleet-b", Duration.ofMinutes(30), Roles.INVESTIGATOR);
        awaitJudged();
    }

    private void awaitJudged() {
        projections.awaitProjection("every session judged and the finding projected",
                () -> projections.count("select count(*) from latency_sessions where judged") == FLEET_A_SESSIONS + 5
                        && projections.count("select count(*) from latency_findings") == 1,
                () -> jdbc.queryForList("select session_id, stage, phase, statistic, alarm from latency_session_p95 where stage = 'detect'"
                        + " order by end_global_index"));
    }

    String base() {
        return "http://localhost:" + port;
    }

    HttpResponse<String> request(String token, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    JsonNode get(String token, String query) throws Exception {
        HttpResponse<String> r = request(token, "/api/v1/monitoring/latency" + query);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    List<Map<String, Object>> storedFindings() {
        return jdbc.queryForList("select event_identifier, aggregate_identifier, sequence_number from domain_event_entry"
                + " where payload_type = ? order by global_index", "io.sightline.domain.event.LatencyRegressionDetected");
    }

    @Test
    @Order(1)
    void theSecondSlowerSessionIsStoredAsOneFindingInTheModelsLogWithTheWindowsAsCauses() throws Exception {
        List<Map<String, Object>> stored = storedFindings();
        assertThat(stored).hasSize(1);
        String trippedBy = sessionA(FLEET_A_SESSIONS - 1);
        String findingId = LatencyMonitorLog.findingIdFor("fleet-a", SHA, VERSION, "detect", trippedBy);
        assertThat(stored.get(0)).containsEntry("event_identifier", findingId).containsEntry("aggregate_identifier", LatencyMonitorLog.idFor(SHA));

        JsonNode finding = get(investigatorA, "?stage=detect").get("findings").get(0);
        assertThat(finding.get("eventId").asText()).isEqualTo(findingId);
        assertThat(finding.get("findingId").asText()).isEqualTo(findingId);
        assertThat(finding.get("stage").asText()).isEqualTo("detect");
        assertThat(finding.get("modelSha256").asText()).isEqualTo(SHA);
        assertThat(finding.get("softwareVersion").asText()).isEqualTo(VERSION);
        assertThat(finding.get("configVersion").asText()).isEqualTo(LatencyDetectorConfig.current().version());
        assertThat(finding.get("referenceP95Micros").asLong()).as("median of the reference").isBetween(9_990L, 10_060L);
        assertThat(finding.get("currentP95Micros").asLong()).as("the two slower sessions' median").isBetween(10_900L, 11_200L);
        assertThat(finding.get("statistic").asDouble()).isGreaterThan(finding.get("thresholdSigmas").asDouble());
        assertThat(finding.get("marginSigmas").asDouble()).isPositive();
        assertThat(finding.get("sessionIds")).extracting(JsonNode::asText).containsExactly(sessionA(FLEET_A_SESSIONS - 2), trippedBy);

        // Causes: every window of the tripping sessions (the detect stage's figures are in each), and the trace index has them.
        List<String> causes = jdbc.queryForList("select cause_id from trace_edges where event_id = ? order by cause_id", String.class, findingId);
        List<String> expected = new ArrayList<>();
        for (String s : List.of(sessionA(FLEET_A_SESSIONS - 2), trippedBy)) {
            expected.add(EventIds.of(s, "EdgeWindowSummarized", 0));
            expected.add(EventIds.of(s, "EdgeWindowSummarized", 1));
        }
        projections.awaitProjection("the finding's trace edges",
                () -> projections.count("select count(*) from trace_edges where event_id = ?", findingId) == 4);
        causes = jdbc.queryForList("select cause_id from trace_edges where event_id = ? order by cause_id", String.class, findingId);
        assertThat(causes).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    @Order(2)
    void theSeriesPlotsEverySessionsP95WithTheChangePointAndTheDetectorsState() throws Exception {
        JsonNode report = get(investigatorA, "?stage=detect");
        assertThat(report.get("fleetId").asText()).isEqualTo("fleet-a");
        assertThat(report.get("config").get("version").asText()).isEqualTo(LatencyDetectorConfig.current().version());
        JsonNode series = report.get("series");
        assertThat(series).hasSize(1);
        JsonNode detect = series.get(0);
        JsonNode sessions = detect.get("sessions");
        assertThat(sessions).hasSize(FLEET_A_SESSIONS);
        // The count-weighted median of the windows: the 1,500-frame window's p95, not the short one's.
        for (int i = 0; i < FLEET_A_SESSIONS; i++) {
            JsonNode s = sessions.get(i);
            assertThat(s.get("sessionId").asText()).isEqualTo(sessionA(i));
            assertThat(s.get("p95Micros").asLong()).isEqualTo(10_000 + jitter(i) + (i >= REFERENCE + 5 ? 1_000 : 0));
            assertThat(s.get("frames").asLong()).isEqualTo(1_800);
            assertThat(s.get("windows").asInt()).isEqualTo(2);
            assertThat(s.get("phase").asText()).isEqualTo(i < REFERENCE ? "REFERENCE" : "MONITORING");
            assertThat(s.get("alarm").asBoolean()).isEqualTo(i == FLEET_A_SESSIONS - 1);
        }
        assertThat(sessions.get(REFERENCE).get("zScore").isNumber()).isTrue();
        assertThat(sessions.get(0).get("zScore").isNull()).isTrue();
        assertThat(detect.get("changePointSessionIds")).extracting(JsonNode::asText).containsExactly(sessionA(FLEET_A_SESSIONS - 1));
        // After the finding the next sessions form a new reference: no verdict until it is complete.
        assertThat(detect.get("status").asText()).isEqualTo(LatencyReadModel.NOT_ENOUGH_DATA);
        assertThat(detect.get("referenceSessionsCollected").asInt()).isZero();

        JsonNode all = get(investigatorA, "");
        assertThat(all.get("series")).extracting(s -> s.get("stage").asText()).containsExactlyInAnyOrder("decode", "detect");
        JsonNode decode = find(all.get("series"), "decode");
        assertThat(decode.get("status").asText()).as("decode never moved").isEqualTo(LatencyReadModel.MONITORING);
        assertThat(decode.get("referenceP95Micros").asLong()).isEqualTo(3_000);
        assertThat(decode.get("statistic").asDouble()).isZero();
    }

    static JsonNode find(JsonNode series, String stage) {
        for (JsonNode s : series) {
            if (s.get("stage").asText().equals(stage)) {
                return s;
            }
        }
        throw new AssertionError("no series of " + stage + " in " + series);
    }

    @Test
    @Order(3)
    void aFleetSeesOnlyItsOwnSessionsAndAShortHistoryIsNotEnoughData() throws Exception {
        JsonNode report = get(investigatorB, "?stage=detect");
        assertThat(report.get("findings")).isEmpty();
        JsonNode detect = report.get("series").get(0);
        assertThat(detect.get("sessions")).hasSize(5).allSatisfy(s -> assertThat(s.get("sessionId").asText()).startsWith("lat-b-"));
        assertThat(detect.get("status").asText()).isEqualTo(LatencyReadModel.NOT_ENOUGH_DATA);
        assertThat(detect.get("referenceSessionsCollected").asInt()).isEqualTo(5);
        assertThat(detect.get("referenceSessionsRequired").asInt()).isEqualTo(REFERENCE);
        assertThat(detect.get("detail").asText()).contains("not enough data");
        assertThat(detect.get("referenceP95Micros").isNull()).isTrue();
    }

    @Test
    @Order(4)
    void filtersAndRanges() throws Exception {
        long endOfSession3 = T0 + 3 * 120_000_000_000L + 120_000_000_000L;
        JsonNode first = get(investigatorA, "?stage=detect&toNanos=" + (endOfSession3 + 1));
        assertThat(first.get("series").get(0).get("sessions")).hasSize(4);
        assertThat(first.get("findings")).isEmpty();
        assertThat(get(investigatorA, "?stage=detect&limit=3").get("series").get(0).get("sessions"))
                .extracting(s -> s.get("sessionId").asText())
                .containsExactly(sessionA(FLEET_A_SESSIONS - 3), sessionA(FLEET_A_SESSIONS - 2), sessionA(FLEET_A_SESSIONS - 1));
        assertThat(get(investigatorA, "?modelSha256=" + "0".repeat(64)).get("series")).isEmpty();
        assertThat(get(investigatorA, "?softwareVersion=" + VERSION + "&stage=decode").get("series")).hasSize(1);
    }

    @Test
    @Order(5)
    void badInputIsAProblem400() throws Exception {
        for (String query : List.of("?stage=warp", "?fromNanos=10&toNanos=5", "?limit=0", "?fromNanos=yesterday")) {
            HttpResponse<String> r = request(investigatorA, "/api/v1/monitoring/latency" + query);
            assertThat(r.statusCode()).as(query + ": " + r.body()).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("application/problem+json"));
        }
        assertThat(request(investigatorA, "/api/v1/monitoring/latency?stage=warp").body()).contains("unknown stage 'warp'");
        assertThat(request(investigatorA, "/api/v1/monitoring/latency?fromNanos=10&toNanos=5").body()).contains("inverted range");
        String safetyApp = tokens.mint("app@fleet-a", "fleet-a", Duration.ofMinutes(30), Roles.SAFETY_APP);
        assertThat(request(safetyApp, "/api/v1/monitoring/latency").statusCode()).isEqualTo(403);
    }

    @Test
    @Order(6)
    void eachFindingIsAPrometheusGauge() throws Exception {
        metrics.refresh();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().lines().filter(l -> l.startsWith("sightline_latency_regressions")))
                .containsExactly("sightline_latency_regressions{fleet=\"fleet-a\",model=\"" + SHA + "\",software_version=\"" + VERSION
                        + "\",stage=\"detect\"} 1.0");
    }

    @Test
    @Order(7)
    void aRebuildJudgesTheSameSessionsTheSameWayAndStoresNothingTwice() throws Exception {
        JsonNode before = get(investigatorA, "");
        PooledStreamingEventProcessor processor = processing.eventProcessor(LatencyMonitorProjection.NAME, PooledStreamingEventProcessor.class)
                .orElseThrow();
        processor.shutDown();
        processor.resetTokens();
        assertThat(projections.count("select count(*) from latency_session_p95")).as("the reset handler empties the tables").isZero();
        processor.start();
        awaitJudged();
        assertThat(storedFindings()).hasSize(1);
        assertThat(get(investigatorA, "")).isEqualTo(before);
    }
}
