package io.sightline.cloud.apps;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.testing.Projections;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.app.SafetyApplications;
import io.sightline.edge.app.core.FollowingDistanceApplication;
import io.sightline.edge.app.core.ForwardCollisionApplication;
import io.sightline.edge.app.core.VulnerableRoadUserApplication;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.scenario.ScenarioRecording;
import io.sightline.edge.scenario.ScenarioSpecParser;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.StreamingEventProcessor;
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
 * Rolling stop as a cloud-side application (ADR-0029) on the real application and PostgreSQL:
 * sessions whose edge ran only the forward rules are ingested; at each session's end the
 * {@code cloud-apps} processor runs rolling stop over the stored events with the edge's code. Its
 * alert is listed with the session's fleet and vehicle, its trace reaches the edge's own track and
 * vehicle-state events, its narrative explains it; another fleet never sees it; a session whose
 * edge ran the application is left alone; processing the stream again stores nothing twice.
 */
@CloudIntegrationTest(properties = "sightline.cloud-apps.applications=rolling-stop")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class CloudApplicationIntegrationTest {

    static final String ROLLED = "cloudapp-rolled";
    static final String STOPPED = "cloudapp-stopped";
    static final String AT_EDGE = "cloudapp-at-edge";
    static final String RAN = "io.sightline.domain.event.CloudApplicationRan";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a fleet that runs rolling stop in the cloud installs at the edge. */
    static final Function<RiskPolicy, SafetyApplications> FORWARD_RULES_ONLY = p -> new SafetyApplications(List.of(
            new ForwardCollisionApplication(p, ActuationConfig.defaults().forwardCollision()),
            new FollowingDistanceApplication(p, ActuationConfig.defaults().followingDistance()),
            new VulnerableRoadUserApplication(p, ActuationConfig.defaults().vulnerableRoadUser())));

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
    String investigatorB;
    ScenarioRecording.Recorded rolled;

    static Path scenario(String name) {
        String dir = System.getProperty("sightline.project.dir");
        Path root = dir != null ? Path.of(dir) : Path.of("").toAbsolutePath();
        root = Files.isDirectory(root.resolve("scenarios")) ? root : root.getParent();
        return root.resolve("scenarios/rolling-stop").resolve(name + ".json");
    }

    static ScenarioRecording.Recorded record(String spec, String sessionId, Function<RiskPolicy, SafetyApplications> apps)
            throws Exception {
        return ScenarioRecording.record(ScenarioSpecParser.parse(scenario(spec)), 1, sessionId, apps, "fleet-a", "veh-7");
    }

    @BeforeAll
    void ingest() throws Exception {
        rolled = record("rolling-stop-slows-to-3mps", ROLLED, FORWARD_RULES_ONLY);
        ingestion.append(ROLLED, 0, rolled.events());
        ingestion.append(STOPPED, 0, record("rolling-stop-full-stop", STOPPED, FORWARD_RULES_ONLY).events());
        ingestion.append(AT_EDGE, 0, record("rolling-stop-slows-to-3mps", AT_EDGE,
                p -> SafetyApplications.standard(p, ActuationConfig.defaults())).events());
        investigatorA = tokens.mint("ana@fleet-a", "fleet-a", Duration.ofMinutes(30), Roles.INVESTIGATOR);
        investigatorB = tokens.mint("bo@fleet-b", "fleet-b", Duration.ofMinutes(30), Roles.INVESTIGATOR);
        awaitRuns();
    }

    private void awaitRuns() {
        projections.awaitProjection("rolling stop ran on the three sessions and its alert is projected",
                () -> projections.count("select count(*) from domain_event_entry where payload_type = '" + RAN + "'") == 3
                        && projections.count("select count(*) from alerts where kind = 'ROLLING_STOP'") == 2,
                () -> jdbc.queryForList("select aggregate_identifier, payload_type from domain_event_entry where aggregate_identifier like"
                        + " '%/apps/%' order by global_index"));
    }

    HttpResponse<String> request(String token, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).header("Authorization", "Bearer " + token)
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode get(String token, String path) throws Exception {
        HttpResponse<String> r = request(token, path);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    List<Map<String, Object>> runs() {
        return jdbc.queryForList("select aggregate_identifier, event_identifier, convert_from(payload, 'UTF8') as payload"
                + " from domain_event_entry where payload_type = ? order by aggregate_identifier", RAN);
    }

    @Test
    @Order(1)
    void eachSessionHasOneRunInItsApplicationLogWithItsOutcome() throws Exception {
        Map<String, JsonNode> bySession = new java.util.TreeMap<>();
        for (Map<String, Object> r : runs()) {
            bySession.put((String) r.get("aggregate_identifier"), JSON.readTree((String) r.get("payload")));
        }
        assertThat(bySession.keySet()).containsExactly(AT_EDGE + "/apps/rolling-stop", ROLLED + "/apps/rolling-stop",
                STOPPED + "/apps/rolling-stop");
        JsonNode ran = bySession.get(ROLLED + "/apps/rolling-stop");
        assertThat(ran.get("outcome").asText()).isEqualTo("RAN");
        assertThat(ran.get("policyVersion").asText()).isEqualTo("rolling-stop-1.0.0");
        assertThat(ran.get("alertsRaised").asLong()).isEqualTo(1);
        assertThat(ran.get("trackEventsDiverged").asLong()).as("the cloud re-derived the edge's very tracks").isZero();
        assertThat(ran.get("verdictsDropped").asLong()).isZero();
        assertThat(bySession.get(STOPPED + "/apps/rolling-stop").get("alertsRaised").asLong()).isZero();
        assertThat(bySession.get(AT_EDGE + "/apps/rolling-stop").get("outcome").asText()).isEqualTo("AT_EDGE");
    }

    @Test
    @Order(2)
    void theCloudsAlertIsListedWithTheSessionsFleetAndVehicleAndOnlyForThatFleet() throws Exception {
        JsonNode page = get(investigatorA, "/api/v1/alerts?kind=ROLLING_STOP");
        List<String> sessions = new ArrayList<>();
        page.get("items").forEach(a -> sessions.add(a.get("sessionId").asText()));
        assertThat(sessions).containsExactlyInAnyOrder(ROLLED, AT_EDGE);
        JsonNode cloud = null;
        for (JsonNode a : page.get("items")) {
            if (a.get("sessionId").asText().equals(ROLLED)) {
                cloud = a;
            }
        }
        assertThat(cloud.get("alertId").asText()).startsWith(ROLLED + "/apps/rolling-stop/alert/");
        assertThat(cloud.get("vehicleId").asText()).isEqualTo("veh-7");
        assertThat(get(investigatorB, "/api/v1/alerts?kind=ROLLING_STOP").get("items")).isEmpty();
        String alertId = cloud.get("alertId").asText();
        assertThat(request(investigatorB, "/api/v1/alerts/" + alertId + "/trace").statusCode()).isEqualTo(404);
    }

    @Test
    @Order(3)
    void theCloudsAlertTracesToTheEdgesOwnEventsAndIsExplained() throws Exception {
        String alertId = ROLLED + "/apps/rolling-stop/alert/1";
        JsonNode trace = get(investigatorA, "/api/v1/alerts/" + alertId + "/trace");
        Set<String> edgeIds = rolled.events().stream().map(EventEnvelope::eventId).collect(Collectors.toSet());
        Set<String> types = new java.util.HashSet<>();
        List<String> edgeNodes = new ArrayList<>();
        assertThat(trace.get("sessionId").asText()).as("the drive session, not the application's log").isEqualTo(ROLLED);
        assertThat(trace.get("missingCauseIds")).as("every cause is stored").isEmpty();
        for (JsonNode n : trace.get("nodes")) {
            types.add(n.get("type").asText());
            if (edgeIds.contains(n.get("eventId").asText())) {
                edgeNodes.add(n.get("type").asText());
            }
        }
        assertThat(types).contains("AlertRaised", "RiskAssessed", "TrackUpdated", "VehicleStateSampled", "DetectionObserved",
                "FrameCaptured");
        assertThat(edgeNodes).as("the edge's own events, under their edge ids").contains("TrackUpdated", "VehicleStateSampled",
                "DetectionObserved", "FrameCaptured");
        JsonNode narrative = get(investigatorA, "/api/v1/alerts/" + alertId + "/narrative");
        assertThat(narrative.get("headline").asText()).contains("Rolling stop").contains("stop sign");
        assertThat(narrative.get("margins")).isNotNull();
    }

    @Test
    @Order(4)
    void processingTheStreamAgainStoresNothingTwice() throws Exception {
        List<Map<String, Object>> before = runs();
        long events = projections.count("select count(*) from domain_event_entry where aggregate_identifier like '%/apps/%'");
        StreamingEventProcessor processor = processing.eventProcessor(CloudApplicationProcessor.NAME, StreamingEventProcessor.class)
                .orElseThrow();
        processor.shutDown();
        processor.resetTokens();
        processor.start();
        projections.awaitProjection("the processor caught up again", () -> processor.processingStatus().values().stream()
                .allMatch(s -> s.isCaughtUp()), () -> processor.processingStatus());
        Thread.sleep(500);
        assertThat(runs()).isEqualTo(before);
        assertThat(projections.count("select count(*) from domain_event_entry where aggregate_identifier like '%/apps/%'"))
                .isEqualTo(events);
    }
}
