package io.sightline.cloud.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.projection.AlertsProjection;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.cloud.testing.Projections;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.explain.sample.SyntheticDrive;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
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
 * Alert quality over HTTP on the real application: verdicts come with the drives, a missed hazard
 * is reported through the API, and GET /api/v1/quality sets them against each other per kind and
 * policy version, for the caller's fleet only.
 */
@CloudIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class QualityIntegrationTest {

    static final long T0 = 1_764_000_000_000_000_000L;
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

    final HttpClient http = HttpClient.newHttpClient();
    String investigatorA;

    private void append(String sessionId, String fleet, String policy, String verdict1, String verdict2) throws Exception {
        // q-a1's frames also show a pedestrian no track takes in: the training examples must carry it.
        SyntheticDrive drive = new SyntheticDrive(sessionId, T0).start(fleet, "veh-1", policy, SyntheticDrive.POLICY_V1)
                .bystanders(sessionId.equals("q-a1"));
        drive.approach(10.0, 8, 10, 22.0, 9.0, 0.0, 22.4, 2, verdict1);
        drive.approach(30.0, 10, 10, 15.0, 9.0, 0.0, 22.4, 0.6, 2, verdict2);
        List<EventEnvelope> events = drive.events();
        for (int i = 0; i < events.size(); i += 40) {
            ingestion.append(sessionId, i, events.subList(i, Math.min(events.size(), i + 40)));
        }
    }

    @BeforeAll
    void appendDrivesAndReportAMiss() throws Exception {
        append("q-a1", "fleet-a", "v1", "TRUE_POSITIVE", "FALSE_POSITIVE");
        append("q-a2", "fleet-a", "v1", "TRUE_POSITIVE", "UNSURE");
        append("q-a3", "fleet-a", "v2", "TRUE_POSITIVE", "TRUE_POSITIVE");
        append("q-b1", "fleet-b", "v1", "FALSE_POSITIVE", "FALSE_POSITIVE");
        investigatorA = tokens.mint("ana@fleet-a", "fleet-a", Duration.ofMinutes(30), Roles.INVESTIGATOR);
        await("eight reviewed alerts", () -> count("select count(*) from alerts where verdict is not null") == 8);

        HttpResponse<String> missed = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/sessions/q-a1/missed-events"))
                .header("Authorization", "Bearer " + investigatorA).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"kind\":\"FORWARD_COLLISION\",\"occurredAtNanos\":" + (T0 + 50_000_000_000L)
                        + ",\"note\":\"lead braked hard, no warning\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(missed.statusCode()).as(missed.body()).isEqualTo(201);
        await("the reported miss", () -> count("select count(*) from missed_events") == 1);
    }

    String base() {
        return "http://localhost:" + port;
    }

    long count(String sql) {
        return jdbc.queryForObject(sql, Long.class);
    }

    void await(String what, BooleanSupplier condition) {
        projections.awaitProjection(what, condition, () -> "alerts: " + jdbc.queryForList("select alert_id, verdict from alerts"));
    }

    JsonNode get(String token, String query) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/quality" + query))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    @Order(1)
    void precisionAndRecallPerKindAndPolicyVersionWithTheirIntervals() throws Exception {
        JsonNode report = get(investigatorA, "");
        assertThat(report.get("fleetId").asText()).isEqualTo("fleet-a");
        JsonNode rows = report.get("rows");
        assertThat(rows).hasSize(2);
        JsonNode v1 = rows.get(0);
        assertThat(v1.get("kind").asText()).isEqualTo("FORWARD_COLLISION");
        assertThat(v1.get("policyVersion").asText()).isEqualTo("v1");
        assertThat(v1.get("raised").asLong()).isEqualTo(4);
        assertThat(v1.get("truePositives").asLong()).isEqualTo(2);
        assertThat(v1.get("falsePositives").asLong()).isEqualTo(1);
        assertThat(v1.get("unsure").asLong()).isEqualTo(1);
        assertThat(v1.get("unreviewed").asLong()).isZero();
        assertThat(v1.get("missedReported").asLong()).isEqualTo(1);
        JsonNode precision = v1.get("precision");
        assertThat(precision.get("successes").asLong()).isEqualTo(2);
        assertThat(precision.get("trials").asLong()).isEqualTo(3);
        assertThat(precision.get("value").asDouble()).isCloseTo(2.0 / 3, offset(1e-9));
        assertThat(precision.get("low95").asDouble()).isCloseTo(0.2077, offset(1e-4));
        assertThat(precision.get("high95").asDouble()).isCloseTo(0.9385, offset(1e-4));
        JsonNode recall = v1.get("recall");
        assertThat(recall.get("successes").asLong()).isEqualTo(2);
        assertThat(recall.get("trials").asLong()).as("two true positives and one reported miss").isEqualTo(3);

        JsonNode miss = v1.get("missRate");
        assertThat(miss.get("misses").asLong()).isEqualTo(1);
        assertThat(miss.get("trials").asLong()).isEqualTo(3);
        assertThat(miss.get("upper95").asDouble()).as("one-sided Clopper-Pearson, 1 of 3").isCloseTo(0.8647, offset(1e-4));
        assertThat(miss.get("targetMissRate").asDouble()).isEqualTo(0.05);
        assertThat(miss.get("moreEventsForTarget").asLong()).isPositive();
        // Exposure of v1's sessions (q-a1, q-a2): vehicle states every 0.1 s at 22.4 m/s over 7 + 9 intervals each; the
        // 20 s between the approaches is a gap in the signal, not driving.
        assertThat(v1.get("drivingHours").asDouble() * 3600).isCloseTo(3.2, offset(1e-6));
        assertThat(v1.get("distanceKm").asDouble()).isCloseTo(2 * 16 * 0.1 * 22.4 / 1000, offset(1e-6));
        assertThat(v1.get("alertsPerDrivingHour").asDouble()).isCloseTo(4 / (3.2 / 3600), offset(1e-3));
        assertThat(v1.get("alertsPer100Km").asDouble()).isCloseTo(4 / (2 * 16 * 0.1 * 22.4 / 1000) * 100, offset(1e-3));

        JsonNode v2 = rows.get(1);
        assertThat(v2.get("policyVersion").asText()).isEqualTo("v2");
        assertThat(v2.get("truePositives").asLong()).isEqualTo(2);
        assertThat(v2.get("missedReported").asLong()).isZero();
        assertThat(v2.get("precision").get("value").asDouble()).isEqualTo(1.0);
        assertThat(v2.get("precision").get("low95").asDouble()).as("two of two is not proof of a perfect policy").isLessThan(0.35);
    }

    @Test
    @Order(2)
    void theTimeWindowSelectsAlertsByRaiseTimeAndMissesByOccurrence() throws Exception {
        // Only the first approach of each drive (raised at 10.4 s) and no miss (50 s).
        JsonNode rows = get(investigatorA, "?fromNanos=" + T0 + "&toNanos=" + (T0 + 20_000_000_000L)).get("rows");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).get("raised").asLong()).isEqualTo(2);
        assertThat(rows.get(0).get("missedReported").asLong()).isZero();
        assertThat(rows.get(0).get("falsePositives").asLong()).isZero();
    }

    @Test
    @Order(3)
    void eachFleetSeesItsOwnFiguresAndOtherRolesAreRefused() throws Exception {
        String investigatorB = tokens.mint("bob@fleet-b", "fleet-b", Duration.ofMinutes(30), Roles.INVESTIGATOR);
        JsonNode b = get(investigatorB, "").get("rows");
        assertThat(b).hasSize(1);
        assertThat(b.get(0).get("falsePositives").asLong()).isEqualTo(2);
        assertThat(b.get(0).get("recall").isNull()).as("no true positive and no reported miss: no recall").isTrue();
        String auditorC = tokens.mint("cy@fleet-c", "fleet-c", Duration.ofMinutes(30), Roles.AUDITOR);
        assertThat(get(auditorC, "").get("rows")).isEmpty();

        String safetyApp = tokens.mint("app@fleet-a", "fleet-a", Duration.ofMinutes(30), Roles.SAFETY_APP);
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/quality"))
                .header("Authorization", "Bearer " + safetyApp).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(403);
        HttpResponse<String> backwards = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/quality?fromNanos=5&toNanos=5"))
                .header("Authorization", "Bearer " + investigatorA).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(backwards.statusCode()).isEqualTo(400);
        assertThat(backwards.body()).contains("fromNanos must be before toNanos");
    }

    List<JsonNode> examples(String token, String query, int expectedStatus) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/training/examples" + query))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expectedStatus);
        if (expectedStatus != 200) {
            return List.of();
        }
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/x-ndjson"));
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    /** The false positive of q-a1 (approach 3, frames f12-f21) as labelled frames with the model's detections. */
    @Test
    @Order(4)
    void reviewedAlertsComeOutAsLabelledFramesWithTheirDetections() throws Exception {
        List<JsonNode> lines = examples(investigatorA, "?verdict=FALSE_POSITIVE", 200);
        assertThat(lines).isNotEmpty();
        assertThat(lines).extracting(l -> l.get("alertId").asText()).containsOnly("q-a1/alert/2");
        long previousIndex = -1;
        for (JsonNode l : lines) {
            assertThat(l.get("schema").asInt()).isEqualTo(1);
            assertThat(l.get("verdict").asText()).isEqualTo("FALSE_POSITIVE");
            assertThat(l.get("kind").asText()).isEqualTo("FORWARD_COLLISION");
            assertThat(l.get("policyVersion").asText()).isEqualTo("v1");
            assertThat(l.get("vehicleId").asText()).isEqualTo("veh-1");
            assertThat(l.get("frameIndex").asLong()).as("frames in order").isGreaterThan(previousIndex);
            previousIndex = l.get("frameIndex").asLong();
            assertThat(l.get("widthPx").asInt()).isPositive();
            for (JsonNode d : l.get("detections")) {
                String stored = jdbc.queryForObject("select convert_from(payload, 'UTF8') from domain_event_entry"
                        + " where aggregate_identifier = ? and payload_type like '%.DetectionObserved'"
                        + " and convert_from(payload, 'UTF8')::jsonb ->> 'detectionId' = ?",
                        String.class, l.get("sessionId").asText(), d.get("detectionId").asText());
                JsonNode payload = JSON.readTree(stored);
                assertThat(payload.get("frameId").asText()).as("each detection belongs to its line's frame").isEqualTo(l.get("frameId").asText());
                assertThat(d.get("x1Px").asDouble()).isEqualTo(payload.get("boxPx").get("x1").asDouble());
                assertThat(d.get("score").asDouble()).isEqualTo(payload.get("score").asDouble());
                assertThat(d.get("modelSha256").asText()).isEqualTo(payload.get("modelSha256").asText());
            }
        }
        for (JsonNode l : lines) {
            // Every detection on the frame: the deciding track's car and the pedestrian outside any trace.
            assertThat(l.get("detections")).extracting(d -> d.get("className").asText()).as(l.get("frameId").asText())
                    .containsExactlyInAnyOrder("car", "person");
        }

        assertThat(examples(investigatorA, "", 200)).extracting(l -> l.get("alertId").asText()).as("all reviewed alerts of fleet-a")
                .contains("q-a1/alert/1", "q-a1/alert/2", "q-a2/alert/2", "q-a3/alert/1").doesNotContain("q-b1/alert/1");
        assertThat(examples(investigatorA, "?verdict=WRONG", 400)).isEmpty();
        assertThat(examples(investigatorA, "?limit=0", 400)).isEmpty();
        String auditor = tokens.mint("cy@fleet-a", "fleet-a", Duration.ofMinutes(30), Roles.AUDITOR);
        assertThat(examples(auditor, "", 403)).isEmpty();
    }

    @Test
    @Order(5)
    void aRebuildOfTheAlertsProjectionGivesTheSameFigures() throws Exception {
        JsonNode before = get(investigatorA, "");
        PooledStreamingEventProcessor processor = processing.eventProcessor(AlertsProjection.NAME, PooledStreamingEventProcessor.class)
                .orElseThrow();
        processor.shutDown();
        processor.resetTokens();
        assertThat(count("select count(*) from missed_events")).as("the reset handler empties missed_events too").isZero();
        processor.start();
        await("the rebuilt alerts projection", () -> count("select count(*) from alerts where verdict is not null") == 8 && count("select count(*) from missed_events") == 1);
        assertThat(get(investigatorA, "")).isEqualTo(before);
        assertThat(jdbc.queryForMap("select fleet_id, vehicle_id, policy_version, kind from missed_events"))
                .isEqualTo(Map.of("fleet_id", "fleet-a", "vehicle_id", "veh-1", "policy_version", "v1", "kind", "FORWARD_COLLISION"));
    }
}
