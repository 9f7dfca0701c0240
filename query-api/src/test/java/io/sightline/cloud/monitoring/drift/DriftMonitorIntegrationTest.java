package io.sightline.cloud.monitoring.drift;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.testing.CloudHttp;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.cloud.testing.Projections;
import io.sightline.domain.event.DriftCleared;
import io.sightline.domain.event.DriftDetected;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.monitoring.DriftLog;
import io.sightline.explain.sample.SyntheticDrive;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Random;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The drift monitor on the real application and PostgreSQL: ordinary sessions fill the reference
 * window, three darker ones drift the luma features of the model, the vehicle and the fleet, the
 * findings are events in the scopes' drift logs and rows of the API, an alert raised in a drifted
 * window names the finding in its explanation, and three ordinary sessions clear it.
 */
@CloudIntegrationTest(properties = {"sightline.monitoring.drift.version=drift-test-10x3", "sightline.monitoring.drift.reference-sessions=10"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class DriftMonitorIntegrationTest {

    static final long T0 = 1_765_000_000_000_000_000L;
    static final String FLEET = "fleet-d";
    static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    IngestionService ingestion;
    @Autowired
    Projections projections;
    @Autowired
    CloudHttp http;
    @Autowired
    EventStore eventStore;
    @Autowired
    JdbcTemplate jdbc;

    final Random random = new Random(5);
    int sessions;
    String alertId;

    private SyntheticDrive drive(double lumaScale) {
        String id = "drift-s" + (sessions++);
        SyntheticDrive d = new SyntheticDrive(id, T0 + sessions * 600_000_000_000L).start(FLEET, "veh-d", "policy-v1", SyntheticDrive.POLICY_V1);
        double level = 110 + 15 * random.nextGaussian();
        for (int w = 0; w < 4; w++) {
            d.summary((level + 4 * random.nextGaussian()) * lumaScale, 2.0, 0.7);
        }
        return d;
    }

    private void append(SyntheticDrive d) throws Exception {
        List<EventEnvelope> events = d.end().edgeEvents();
        ingestion.append(d.sessionId(), 0, events);
    }

    private JsonNode drift(String query) throws Exception {
        HttpResponse<String> r = http.get("/api/v1/monitoring/drift" + query, http.token("ana@" + FLEET, FLEET, Roles.INVESTIGATOR));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private long findings(Class<?> type) {
        return DriftLog.SCOPES.stream().mapToLong(scope -> {
            String key = switch (scope) {
                case "MODEL" -> FLEET + "/" + SyntheticDrive.YOLOX_SHA256;
                case "VEHICLE" -> FLEET + "/veh-d";
                default -> FLEET;
            };
            try {
                return eventStore.readEvents(DriftLog.idFor(scope, key), 0).asStream().filter(m -> type.isInstance(m.getPayload())).count();
            } catch (RuntimeException e) {
                return 0;
            }
        }).sum();
    }

    @Test
    @Order(1)
    void aReferenceWindowStillFillingIsNotEnoughDataNeverAVerdict() throws Exception {
        for (int i = 0; i < 10; i++) {
            append(drive(1.0));
        }
        projections.awaitProjection("the tenth session compared", () -> projections.count(
                "select count(*) from drift_status where scope = 'FLEET' and current_session_ids = '[]'::jsonb and jsonb_array_length(reference_session_ids) = 10") > 0);
        JsonNode report = drift("?scope=FLEET&feature=summary.meanLuma");
        assertThat(report.get("policy").get("version").asText()).isEqualTo("drift-test-10x3");
        JsonNode status = report.get("status").get(0);
        assertThat(status.get("verdict").asText()).isEqualTo("NOT_ENOUGH_DATA");
        assertThat(status.get("reason").asText()).contains("holds 10 of the 10 sessions");
        assertThat(findings(DriftDetected.class)).isZero();
    }

    @Test
    @Order(2)
    void threeDarkerSessionsDriftTheLumaOfTheModelTheVehicleAndTheFleet() throws Exception {
        append(drive(0.6));
        append(drive(0.6));
        SyntheticDrive third = drive(0.6).cameraObstructed(12.0);
        SyntheticDrive.Approach approach = third.approach(10.0, 8, 10, 22.0, 9.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        alertId = approach.alertIds().get(0);
        append(third);
        projections.awaitProjection("luma drift found in every scope", () -> projections.count(
                "select count(*) from drift_findings where feature = 'summary.meanLuma'") == 3);
        assertThat(findings(DriftDetected.class)).as("findings of the three scopes' logs").isGreaterThanOrEqualTo(3);
        projections.awaitProjection("the alert", () -> projections.count("select count(*) from alerts where alert_id = ?", alertId) == 1);
        JsonNode report = drift("?feature=summary.meanLuma");
        assertThat(report.get("findings")).hasSize(3);
        JsonNode finding = report.get("findings").get(0).get("finding");
        assertThat(report.get("findings").get(0).get("alertIds")).extracting(JsonNode::asText).containsExactly(alertId);
        JsonNode m = finding.get("measurement");
        assertThat(m.get("statistic").asText()).isEqualTo("ks_p_value");
        assertThat(m.get("sessionPValue").asDouble()).as("1 of C(13, 3) = 286 assignments").isLessThan(m.get("sessionPValueThreshold").asDouble());
        assertThat(finding.get("currentSessionIds")).hasSize(3);
        JsonNode status = report.get("status");
        assertThat(status).allSatisfy(s -> {
            assertThat(s.get("verdict").asText()).isEqualTo("DRIFTED");
            assertThat(s.get("histogram").get("labels").size()).isEqualTo(s.get("histogram").get("referenceShares").size());
        });
        // A feature the darker pictures leave alone does not drift.
        assertThat(drift("?scope=MODEL&feature=summary.detectionsPerFrame").get("status").get(0).get("verdict").asText()).isEqualTo("NOT_DRIFTED");
        // Each finding names the summaries of both windows.
        DriftDetected detected = (DriftDetected) eventStore.readEvents(DriftLog.idFor("FLEET", FLEET), 0).asStream()
                .filter(e -> e.getPayload() instanceof DriftDetected d && d.measurement().feature().equals("summary.meanLuma"))
                .findFirst().orElseThrow().getPayload();
        assertThat(detected.causes()).hasSize(13 * 4).contains("drift-s10/summary/0", "drift-s0/summary/3");
    }

    @Test
    @Order(3)
    void anAlertRaisedInTheDriftedWindowShowsTheFindingInItsExplanation() throws Exception {
        projections.awaitProjection("the alert", () -> projections.count("select count(*) from alerts where alert_id = ?", alertId) == 1);
        HttpResponse<String> r = http.get("/api/v1/alerts/" + alertId + "/trace", http.token("ana@" + FLEET, FLEET, Roles.INVESTIGATOR));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode drift = JSON.readTree(r.body()).get("driftInForce");
        assertThat(drift).isNotNull();
        assertThat(drift.findValuesAsText("feature")).contains("summary.meanLuma");
        assertThat(drift.findValuesAsText("scope")).contains("MODEL", "VEHICLE", "FLEET");
    }

    @Test
    @Order(3)
    void theCameraEpisodeIsListedWithTheAlertsRaisedDuringIt() throws Exception {
        projections.awaitProjection("the camera episode", () -> projections.count("select count(*) from camera_episodes") == 1);
        HttpResponse<String> r = http.get("/api/v1/monitoring/camera", http.token("ana@" + FLEET, FLEET, Roles.INVESTIGATOR));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode episode = JSON.readTree(r.body()).get(0);
        assertThat(episode.get("episode").get("condition").asText()).isEqualTo("DARK");
        assertThat(episode.get("episode").get("statisticValue").asDouble()).isEqualTo(12.0);
        assertThat(episode.get("episode").get("restoredAtNanos").isNull()).isTrue();
        assertThat(episode.get("alertIds")).extracting(JsonNode::asText).contains(alertId);
        HttpResponse<String> other = http.get("/api/v1/monitoring/camera", http.token("bob@fleet-x", "fleet-x", Roles.INVESTIGATOR));
        assertThat(JSON.readTree(other.body())).isEmpty();
        assertThat(http.get("/api/v1/monitoring/camera?limit=0", http.token("ana@" + FLEET, FLEET, Roles.INVESTIGATOR)).statusCode()).isEqualTo(400);
    }

    @Test
    @Order(4)
    void hardExampleMiningRanksTheFramesOfADriftedWindow() throws Exception {
        HttpResponse<String> r = http.get("/api/v1/training/candidates?budgetFrames=1000", http.token("ana@" + FLEET, FLEET, Roles.INVESTIGATOR));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode result = JSON.readTree(r.body());
        assertThat(result.get("triggers")).extracting(JsonNode::asText).contains("drift-window");
        assertThat(result.get("framesPerTrigger").get("drift-window").asLong()).as("the approach frames of drift-s12").isEqualTo(8);
        List<JsonNode> drifted = new java.util.ArrayList<>();
        result.get("candidates").forEach(c -> c.get("reasons").forEach(reason -> {
            if (reason.get("trigger").asText().equals("drift-window")) {
                drifted.add(reason);
            }
        }));
        assertThat(drifted).isNotEmpty().allSatisfy(reason -> assertThat(reason.get("text").asText()).contains("drifted", "current window"));
    }

    @Test
    @Order(5)
    void findingsAreMetricsAndBadQueriesAreProblemDetails() throws Exception {
        HttpResponse<String> scrape = http.get("/actuator/prometheus", null);
        assertThat(scrape.body()).containsPattern("sightline_camera_obstructions_open\\{condition=\"DARK\"\\} 1\\.0");
        assertThat(scrape.body()).containsPattern("sightline_drift_findings_open\\{feature=\"summary.meanLuma\",scope=\"MODEL\"\\} 1\\.0");
        for (String bad : List.of("?feature=summary.nope", "?scope=GALAXY", "?fromNanos=10&toNanos=5")) {
            HttpResponse<String> r = http.get("/api/v1/monitoring/drift" + bad, http.token("ana@" + FLEET, FLEET, Roles.INVESTIGATOR));
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
        }
        // Another fleet sees none of it.
        HttpResponse<String> other = http.get("/api/v1/monitoring/drift", http.token("bob@fleet-x", "fleet-x", Roles.INVESTIGATOR));
        assertThat(JSON.readTree(other.body()).get("findings")).isEmpty();
        assertThat(JSON.readTree(other.body()).get("status")).isEmpty();
    }

    @Test
    @Order(6)
    void threeOrdinarySessionsClearTheFindings() throws Exception {
        for (int i = 0; i < 3; i++) {
            append(drive(1.0));
        }
        projections.awaitProjection("luma findings cleared", () -> projections.count(
                "select count(*) from drift_findings where feature = 'summary.meanLuma' and cleared_at_nanos is not null") == 3);
        assertThat(findings(DriftCleared.class)).isGreaterThanOrEqualTo(3);
    }

    @Test
    @Order(7)
    void anAdministratorPinsTheReferenceAndLaterComparisonsUseIt() throws Exception {
        String admin = http.token("root@" + FLEET, FLEET, Roles.ADMIN);
        List<String> pinned = List.of("drift-s13", "drift-s14", "drift-s15", "drift-s2", "drift-s3", "drift-s4", "drift-s5", "drift-s6",
                "drift-s7", "drift-s8");
        String body = JSON.writeValueAsString(java.util.Map.of("scope", "FLEET", "scopeKey", FLEET, "sessionIds", pinned, "note", "after the camera fix"));
        HttpResponse<String> r = http.postJson("/api/v1/monitoring/drift/reference", admin, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        projections.awaitProjection("the pin", () -> projections.count("select count(*) from drift_references") == 1);
        append(drive(1.0));
        String pinnedJson = JSON.writeValueAsString(pinned);
        projections.awaitProjection("a comparison against the pin", () -> projections.count(
                "select count(*) from drift_status where scope = 'FLEET' and reference_session_ids = cast(? as jsonb)", pinnedJson) > 0);
        JsonNode status = drift("?scope=FLEET&feature=summary.meanLuma").get("status").get(0);
        assertThat(status.get("currentSessionIds")).extracting(JsonNode::asText).doesNotContainAnyElementsOf(pinned).contains("drift-s16");

        // Bad pins change nothing: an investigator, another fleet's scope, an unknown session, a single session.
        String investigator = http.token("ana@" + FLEET, FLEET, Roles.INVESTIGATOR);
        assertThat(http.postJson("/api/v1/monitoring/drift/reference", investigator, body).statusCode()).isEqualTo(403);
        for (String bad : List.of(
                JSON.writeValueAsString(java.util.Map.of("scope", "FLEET", "scopeKey", "fleet-x", "sessionIds", pinned)),
                JSON.writeValueAsString(java.util.Map.of("scope", "FLEET", "scopeKey", FLEET, "sessionIds", List.of("drift-s1", "nope"))),
                JSON.writeValueAsString(java.util.Map.of("scope", "FLEET", "scopeKey", FLEET, "sessionIds", List.of("drift-s1"))),
                JSON.writeValueAsString(java.util.Map.of("scope", "PLANET", "scopeKey", FLEET, "sessionIds", pinned)))) {
            HttpResponse<String> refused = http.postJson("/api/v1/monitoring/drift/reference", admin, bad);
            assertThat(refused.statusCode()).as(bad + " -> " + refused.body()).isEqualTo(400);
        }
        assertThat(eventStore.readEvents(DriftLog.idFor("FLEET", FLEET), 0).asStream()
                .filter(m -> m.getPayload() instanceof io.sightline.domain.event.DriftReferencePinned).count()).isEqualTo(1);
    }
}
