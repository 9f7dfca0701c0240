package io.sightline.cloud.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.testing.CloudHttp;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.cloud.testing.Projections;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.InferenceFailed;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.ModelRejected;
import io.sightline.domain.event.RolloutGateResult;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.domain.rollout.RolloutCohorts;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.testkit.HeadlessChromium;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.testkit.TestPostgres;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Rollouts on the real application and PostgreSQL, with the bundled FastestDet as the champion and
 * YOLOX-nano as the challenger, both registered and signed: bad plans are refused with nothing
 * stored; a rollout advances step by step after each bake and completes; a canary with inference
 * failures and more alerts than its control is rolled back with those events as causes and the
 * champion restored on its cohort only; the administrator's controls; and a cloud restarted in the
 * middle of a rollout continues it from the stored events. The scheduler is off: the test checks
 * the rollouts with its own clock ({@link RolloutService#tick}), so no step waits for real time.
 */
@CloudIntegrationTest(properties = "sightline.rollouts.scheduler.enabled=false")
@ExtendWith(ProjectHomeExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RolloutIntegrationTest {

    static final KeyPair RELEASE = keyPair();
    static final Path BLOBS = Path.of("target", "rollout-it-" + UUID.randomUUID());
    static final long S = 1_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    @DynamicPropertySource
    static void registry(DynamicPropertyRegistry properties) {
        properties.add("sightline.registry.dir", () -> BLOBS.toAbsolutePath().toString());
        properties.add("sightline.registry.trusted-keys", () -> ReleaseStatement.pem("PUBLIC KEY", RELEASE.getPublic().getEncoded()));
    }

    @Autowired
    CloudHttp http;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    RolloutService service;
    @Autowired
    IngestionService ingestion;
    @Autowired
    Projections projections;
    @Autowired
    TestPostgres.Database database;
    @Autowired
    CommandGateway commands;
    @Autowired
    RollbackConfirmationMetrics metrics;

    String champion;
    String challenger;
    String policy;
    /** The test's clock: real time at the start, moved by hand. */
    Instant t0;

    static KeyPair keyPair() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    String admin(String fleet) {
        return http.token("ada", fleet, Roles.ADMIN);
    }

    static Path models() {
        return Path.of(System.getProperty("sightline.home")).resolve("models");
    }

    String registerModel(String dir, String file) throws Exception {
        byte[] model = Files.readAllBytes(models().resolve(dir).resolve(file));
        byte[] manifest = Files.readAllBytes(models().resolve(dir).resolve("manifest.json"));
        JsonNode m = JSON.readTree(manifest);
        String sha = ReleaseStatement.sha256Hex(model);
        ReleaseStatement s = new ReleaseStatement("model", m.get("name").asText(), m.get("version").asText(), sha, model.length,
                ReleaseStatement.sha256Hex(manifest));
        ObjectNode body = JSON.createObjectNode();
        body.put("manifestBase64", Base64.getEncoder().encodeToString(manifest));
        body.put("artifactBase64", Base64.getEncoder().encodeToString(model));
        body.put("keyId", ReleaseStatement.keyId(RELEASE.getPublic()));
        body.put("signatureBase64", s.sign(RELEASE.getPrivate()));
        HttpResponse<String> r = http.postJson("/api/v1/registry/models", admin("fleet-a"), JSON.writeValueAsString(body));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return sha;
    }

    String registerPolicy() throws Exception {
        return registerPolicy("rollout-it-1");
    }

    /** The default thresholds under {@code version}: other bytes, so another registered policy. */
    String registerPolicy(String version) throws Exception {
        RiskPolicy d = RiskPolicy.defaults();
        byte[] bytes = new RiskPolicy(version, d.egoHalfWidthM(), d.forwardCollision(), d.followingDistance(), d.vulnerableRoadUser())
                .toJson().getBytes(StandardCharsets.UTF_8);
        String sha = ReleaseStatement.sha256Hex(bytes);
        ObjectNode body = JSON.createObjectNode();
        body.put("artifactBase64", Base64.getEncoder().encodeToString(bytes));
        body.put("keyId", ReleaseStatement.keyId(RELEASE.getPublic()));
        body.put("signatureBase64", new ReleaseStatement("policy", "policy", version, sha, bytes.length, "-").sign(RELEASE.getPrivate()));
        HttpResponse<String> r = http.postJson("/api/v1/registry/policies", admin("fleet-a"), JSON.writeValueAsString(body));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return sha;
    }

    HttpResponse<String> put(String path, String token, String json) throws Exception {
        return http.send(http.request(path, token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    static List<String> vehicles(String fleet, int n) {
        return IntStream.range(0, n).mapToObj(i -> fleet + "-veh-" + i).toList();
    }

    void assignChampion(String fleet, int n) throws Exception {
        for (String v : vehicles(fleet, n)) {
            HttpResponse<String> r = put("/api/v1/assignments/" + fleet + "/" + v, admin(fleet), "{\"championModelSha256\":\"" + champion
                    + "\",\"championPolicySha256\":\"" + policy + "\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    @BeforeAll
    void registerAndAssign() throws Exception {
        champion = registerModel("fastestdet", "FastestDet.onnx");
        challenger = registerModel("yolox_nano", "yolox_nano.onnx");
        policy = registerPolicy();
        HttpResponse<String> evaluation = http.postJson("/api/v1/evaluations", admin("fleet-a"), "{\"evaluationId\":\"eval-yolox\","
                + "\"policyVersion\":\"rollout-it-1\",\"modelSha256\":\"" + challenger + "\",\"suite\":\"nhtsa-fcw\",\"suiteSha256\":\""
                + "cd".repeat(32) + "\",\"seed\":1,\"runsPerCell\":2,\"families\":1,\"runs\":2,\"failedRuns\":0,\"gate\":\"release\","
                + "\"gatePassed\":true,\"gateBoundsFailed\":0,\"familyResults\":[],\"tool\":\"test\",\"completedAtNanos\":1765000000000000000}");
        assertThat(evaluation.statusCode()).as(evaluation.body()).isEqualTo(201);
        assignChampion("fleet-a", 20);
        assignChampion("fleet-b", 20);
        assignChampion("fleet-c", 4);
        assignChampion("fleet-r", 10);
        assignChampion("fleet-e", 5);
        assignChampion("fleet-s", 4);
        assignChampion("fleet-x", 12);
        assignChampion("fleet-p", 4);
        assignChampion("fleet-u", 4);
        t0 = Instant.now();
    }

    String plan(String steps, String gates) {
        return "{\"challengerModelSha256\":\"" + challenger + "\"" + (steps == null ? "" : ",\"steps\":" + steps)
                + (gates == null ? "" : ",\"gates\":" + gates) + "}";
    }

    static final String THREE_STEPS = "[{\"kind\":\"canary\",\"sharePercent\":10,\"bakeSeconds\":60},"
            + "{\"kind\":\"canary\",\"sharePercent\":50,\"bakeSeconds\":60},{\"kind\":\"canary\",\"sharePercent\":100,\"bakeSeconds\":60}]";
    static final String FINDINGS_AND_EVALUATION = "[{\"name\":\"cohort-findings\"},{\"name\":\"evaluation\"}]";

    long rolloutEvents() {
        return jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier like 'rollout/%'", Long.class);
    }

    long assignmentEvents(String fleet) {
        return jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier like ?", Long.class,
                "assignment/" + fleet + "/%");
    }

    JsonNode assignment(String fleet, String vehicle) throws Exception {
        HttpResponse<String> r = http.get("/api/v1/assignments/" + fleet + "/" + vehicle, http.token("ivan", fleet, Roles.INVESTIGATOR));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    void assertRefused(String fleet, String body, int status, String detail) throws Exception {
        long before = rolloutEvents();
        long assignments = assignmentEvents(fleet);
        HttpResponse<String> r = http.postJson("/api/v1/rollouts", admin(fleet), body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("application/problem+json"));
        assertThat(JSON.readTree(r.body()).get("detail").asText()).contains(detail);
        assertThat(rolloutEvents()).as("nothing stored").isEqualTo(before);
        assertThat(assignmentEvents(fleet)).as("no vehicle reassigned").isEqualTo(assignments);
    }

    @Test
    @Order(1)
    void badPlansAreRefusedWithProblemDetailsAndNothingChanges() throws Exception {
        assertRefused("fleet-a", "{\"challengerModelSha256\":\"" + "ee".repeat(32) + "\"}", 400, "is not a registered model");
        assertRefused("fleet-a", plan(null, "[{\"name\":\"shadow-f1\"}]"), 400, "unknown gate 'shadow-f1'");
        assertRefused("fleet-a", plan(null, "[{\"name\":\"alert-rate\",\"thresholds\":{\"beta\":0.2}}]"), 400, "has no threshold 'beta'");
        assertRefused("fleet-a", plan("[{\"kind\":\"canary\",\"sharePercent\":10,\"bakeSeconds\":60},{\"kind\":\"canary\",\"sharePercent\":50,"
                + "\"bakeSeconds\":60}]", null), 400, "the last canary step must reach 100 %");
        assertRefused("fleet-a", plan("[{\"kind\":\"canary\",\"sharePercent\":50,\"bakeSeconds\":60},{\"kind\":\"canary\",\"sharePercent\":10,"
                + "\"bakeSeconds\":60},{\"kind\":\"canary\",\"sharePercent\":100,\"bakeSeconds\":60}]", null), 400, "the canary steps must increase");
        HttpResponse<String> auditor = http.postJson("/api/v1/rollouts", http.token("audrey", "fleet-a", Roles.AUDITOR), plan(null, null));
        assertThat(auditor.statusCode()).isEqualTo(403);

        HttpResponse<String> first = http.postJson("/api/v1/rollouts", admin("fleet-a"), plan(THREE_STEPS, FINDINGS_AND_EVALUATION));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        JsonNode started = JSON.readTree(first.body());
        assertThat(started.get("state").asText()).isEqualTo("RUNNING");
        assertThat(started.get("plan").get("vehicleIds")).extracting(JsonNode::asText)
                .containsExactlyElementsOf(RolloutCohorts.order(vehicles("fleet-a", 20)));
        assertThat(started.get("plan").get("championModelSha256").asText()).as("the fleet's champion, found from its assignments")
                .isEqualTo(champion);
        assertRefused("fleet-a", plan(null, null), 409, "fleet fleet-a already has an active rollout");
    }

    String activeRollout(String fleet) {
        return jdbc.queryForObject("select rollout_id from rollouts where fleet_id = ? and state in ('RUNNING', 'HALTED')", String.class, fleet);
    }

    List<String> stepEvents(String rolloutId) {
        return jdbc.queryForList("select payload_type from domain_event_entry where aggregate_identifier = ? order by sequence_number",
                String.class, "rollout/" + rolloutId).stream().map(t -> t.substring(t.lastIndexOf('.') + 1)).toList();
    }

    @Test
    @Order(2)
    void aGoodChallengerAdvancesAfterEachBakeAndCompletesWithEveryVehicleOnIt() throws Exception {
        String id = activeRollout("fleet-a");
        List<String> order = RolloutCohorts.order(vehicles("fleet-a", 20));
        assertThat(service.check(id, t0).action()).isEqualTo("advanced");
        for (String v : order.subList(0, 2)) {
            assertThat(assignment("fleet-a", v).get("championModelSha256").asText()).isEqualTo(challenger);
        }
        for (String v : order.subList(2, 20)) {
            JsonNode a = assignment("fleet-a", v);
            assertThat(a.get("championModelSha256").asText()).as("outside the cohort nothing changes").isEqualTo(champion);
            assertThat(a.get("revision").asLong()).isEqualTo(1);
        }
        assertThat(service.check(id, t0.plusSeconds(30)).action()).as("the step bakes for 60 s").isEqualTo("baking");
        assertThat(service.check(id, t0.plusSeconds(61)).action()).isEqualTo("advanced");
        assertThat(order.subList(0, 10).stream().filter(v -> {
            try {
                return assignment("fleet-a", v).get("championModelSha256").asText().equals(challenger);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).count()).isEqualTo(10);
        assertThat(service.check(id, t0.plusSeconds(122)).action()).isEqualTo("advanced");
        RolloutService.Decision done = service.check(id, t0.plusSeconds(183));
        assertThat(done.action()).isEqualTo("completed");
        assertThat(done.gates()).extracting(g -> g.verdict()).containsOnly("PASS");
        for (String v : order) {
            assertThat(assignment("fleet-a", v).get("championModelSha256").asText()).isEqualTo(challenger);
        }
        assertThat(stepEvents(id)).containsExactly("RolloutStarted", "RolloutStepAdvanced", "RolloutStepAdvanced", "RolloutStepAdvanced",
                "RolloutCompleted");
        JsonNode listed = JSON.readTree(http.get("/api/v1/rollouts", http.token("audrey", "fleet-a", Roles.AUDITOR)).body());
        assertThat(listed.get(0).get("state").asText()).isEqualTo("COMPLETED");
        assertThat(http.get("/api/v1/rollouts/" + id, http.token("ivan", "fleet-b", Roles.INVESTIGATOR)).statusCode())
                .as("another fleet's rollout is not found").isEqualTo(404);
    }

    /** A 6-minute session on {@code model} with {@code alerts} alerts and {@code failures} inference failures, starting at {@code start}. */
    void session(String sessionId, String fleet, String vehicle, String model, long start, int alerts, int failures) {
        List<EventEnvelope> events = new ArrayList<>();
        int seq = 0;
        events.add(new EventEnvelope(EventIds.of(sessionId, "DriveSessionStarted", 0), seq++, start,
                new DriveSessionStarted(sessionId, fleet, vehicle, "dev-" + vehicle, "0.2.0", start, null, "rollout-it-1", Map.of())));
        events.add(new EventEnvelope(EventIds.of(sessionId, "ModelActivated", "primary"), seq++, start,
                new ModelActivated(model.equals(champion) ? "fastestdet" : "yolox-nano", "1", model, "primary", "images", List.of(1, 3, 416, 416),
                        "NCHW", "BGR", "yolox", List.of("car"), "Apache-2.0", "models", start)));
        for (int i = 0; i < failures; i++) {
            long at = start + (i + 1) * S;
            events.add(new EventEnvelope(EventIds.of(sessionId, "InferenceFailed", i), seq++, at,
                    new InferenceFailed(sessionId + "/frame/" + i, "yolox-nano", "1", "ORT error", at, List.of())));
        }
        for (int i = 0; i < alerts; i++) {
            long at = start + (10 + i) * S;
            events.add(new EventEnvelope(EventIds.of(sessionId, "AlertRaised", i), seq++, at,
                    new AlertRaised(sessionId + "-alert-" + i, "FCW", "WARNING", "track-1", "rollout-it-1", at, List.of())));
        }
        long end = start + 360 * S;
        events.add(new EventEnvelope(EventIds.of(sessionId, "DriveSessionEnded", 0), seq, end, new DriveSessionEnded(sessionId, end, "ignition-off", 0, 0)));
        ingestion.append(sessionId, 0, events);
    }

    /**
     * A 6-minute session as {@link #session} with {@code VehicleStateSampled} every second: {@code movingS} seconds at 20 m/s,
     * then standing still, so its speed-integrated driving time is {@code movingS} seconds.
     */
    void sampledSession(String sessionId, String fleet, String vehicle, String model, long start, int alerts, int movingS) {
        List<EventEnvelope> events = new ArrayList<>();
        int seq = 0;
        events.add(new EventEnvelope(EventIds.of(sessionId, "DriveSessionStarted", 0), seq++, start,
                new DriveSessionStarted(sessionId, fleet, vehicle, "dev-" + vehicle, "0.2.0", start, null, "rollout-it-1", Map.of())));
        events.add(new EventEnvelope(EventIds.of(sessionId, "ModelActivated", "primary"), seq++, start,
                new ModelActivated(model.equals(champion) ? "fastestdet" : "yolox-nano", "1", model, "primary", "images", List.of(1, 3, 416, 416),
                        "NCHW", "BGR", "yolox", List.of("car"), "Apache-2.0", "models", start)));
        for (int i = 0; i < 360; i++) {
            long at = start + i * S;
            events.add(new EventEnvelope(EventIds.of(sessionId, "VehicleStateSampled", i), seq++, at,
                    new io.sightline.domain.event.VehicleStateSampled(at, i < movingS ? 20.0 : 0.0, null, null, null, null, "can")));
            if (i >= 10 && i < 10 + alerts) {
                events.add(new EventEnvelope(EventIds.of(sessionId, "AlertRaised", i - 10), seq++, at,
                        new AlertRaised(sessionId + "-alert-" + (i - 10), "FCW", "WARNING", "track-1", "rollout-it-1", at, List.of())));
            }
        }
        long end = start + 360 * S;
        events.add(new EventEnvelope(EventIds.of(sessionId, "DriveSessionEnded", 0), seq, end, new DriveSessionEnded(sessionId, end, "ignition-off", 0, 0)));
        ingestion.append(sessionId, 0, events);
    }

    @Test
    @Order(3)
    void aBadCanaryIsRolledBackWithTheEventsThatTrippedItsGatesAndOnlyItsCohortChanges() throws Exception {
        HttpResponse<String> r = http.postJson("/api/v1/rollouts", admin("fleet-b"), plan(THREE_STEPS, "[{\"name\":\"alert-rate\"},"
                + "{\"name\":\"fallback-and-failures\",\"thresholds\":{\"minCanaryHours\":0.1}},{\"name\":\"cohort-findings\"}]"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String id = JSON.readTree(r.body()).get("rolloutId").asText();
        long start = RolloutService.nanos(t0);
        assertThat(service.check(id, t0).action()).isEqualTo("advanced");
        List<String> order = RolloutCohorts.order(vehicles("fleet-b", 20));
        List<String> cohort = order.subList(0, 2);
        List<String> expectedCauses = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            for (String v : cohort) {
                String s = "canary-" + v + "-" + k;
                session(s, "fleet-b", v, challenger, start + (k * 400 + 1) * S, 3, 1);
                expectedCauses.add(EventIds.of(s, "InferenceFailed", 0));
                IntStream.range(0, 3).forEach(i -> expectedCauses.add(EventIds.of(s, "AlertRaised", i)));
            }
        }
        for (String v : order.subList(2, 8)) {
            session("control-" + v, "fleet-b", v, champion, start + 2 * S, 0, 0);
        }
        projections.awaitProjection("the canary's and control's sessions as gate evidence",
                () -> projections.count("select count(*) from rollout_sessions where fleet_id = 'fleet-b' and ended_at_nanos is not null") == 12
                        && projections.count("select count(*) from rollout_evidence where kind in ('alert', 'inference-failed')"
                        + " and session_id like 'canary-%'") == 24);

        JsonNode live = JSON.readTree(http.get("/api/v1/rollouts/" + id, http.token("ivan", "fleet-b", Roles.INVESTIGATOR)).body());
        assertThat(live.get("evidence").get("canarySessions").asInt()).isEqualTo(6);
        assertThat(live.get("evidence").get("controlSessions").asInt()).isEqualTo(6);

        RolloutService.Decision d = service.check(id, t0.plusSeconds(10));
        assertThat(d.action()).as("a failing gate acts before the bake ends").isEqualTo("rolled back");
        for (String v : cohort) {
            JsonNode a = assignment("fleet-b", v);
            assertThat(a.get("championModelSha256").asText()).as("the champion restored").isEqualTo(champion);
            assertThat(a.get("revision").asLong()).isEqualTo(3);
        }
        for (String v : order.subList(2, 20)) {
            assertThat(assignment("fleet-b", v).get("revision").asLong()).as("outside the cohort nothing changed").isEqualTo(1);
        }

        JsonNode trace = JSON.readTree(http.get("/api/v1/rollouts/" + id + "/trace", http.token("audrey", "fleet-b", Roles.AUDITOR)).body());
        assertThat(trace.get("state").asText()).isEqualTo("ROLLED_BACK");
        assertThat(trace.get("outcome").get("type").asText()).isEqualTo("RolloutRolledBack");
        assertThat(trace.get("failingGates")).extracting(JsonNode::asText).containsExactly("alert-rate", "fallback-and-failures");
        JsonNode alertRate = trace.get("gates").get(0);
        assertThat(alertRate.get("values").get("canaryAlertsPerHour").asDouble()).as("3 alerts in 0.1 h").isCloseTo(30.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(alertRate.get("values").get("controlAlertsPerHour").asDouble()).isEqualTo(0.0);
        assertThat(alertRate.get("values").get("pValue").asDouble()).isLessThan(0.05);
        assertThat(alertRate.get("thresholds").get("alpha").asDouble()).isEqualTo(0.05);
        assertThat(alertRate.get("values").get("canarySpanExposureSessions").asDouble()).as("no speed samples: the span").isEqualTo(6.0);
        assertThat(alertRate.get("values").get("canaryDrivingExposureSessions").asDouble()).isZero();
        assertThat(alertRate.get("detail").asText()).endsWith("exposure: session span (no session sampled its speed)");
        assertThat(trace.get("causes")).extracting(c -> c.get("eventId").asText()).containsExactlyInAnyOrderElementsOf(expectedCauses);
        assertThat(trace.get("causes")).extracting(c -> c.get("type").asText()).containsOnly("AlertRaised", "InferenceFailed");
        assertThat(trace.get("narrative").asText()).contains("was rolled back at step 0", "alert-rate");
        assertThat(trace.get("outcome").get("event").get("restoredVehicleIds")).extracting(JsonNode::asText).containsExactlyElementsOf(cohort);
        assertThat(trace.get("confirmations")).extracting(c -> c.get("modelActivatedEventId").isNull()).containsOnly(true);

        // The first restored vehicle drives again on the champion: its ModelActivated confirms the rollback; the other has not yet.
        String confirming = "restored-" + cohort.get(0);
        session(confirming, "fleet-b", cohort.get(0), champion, RolloutService.nanos(t0.plusSeconds(20)), 0, 0);
        projections.awaitProjection("the restored vehicle's session",
                () -> projections.count("select count(*) from rollout_sessions where session_id = ? and model_sha256 is not null", confirming) == 1);
        JsonNode confirmed = JSON.readTree(http.get("/api/v1/rollouts/" + id + "/trace", http.token("audrey", "fleet-b", Roles.AUDITOR)).body())
                .get("confirmations");
        assertThat(confirmed.get(0).get("vehicleId").asText()).isEqualTo(cohort.get(0));
        assertThat(confirmed.get(0).get("modelActivatedEventId").asText()).isEqualTo(EventIds.of(confirming, "ModelActivated", "primary"));
        assertThat(confirmed.get(1).get("modelActivatedEventId").isNull()).isTrue();

        // ADR-0044: one vehicle of two is not a confirmation; the check stores nothing and the rollout says it waits.
        long before = rolloutEvents();
        assertThat(service.checkConfirmation(id, t0.plusSeconds(30)).action()).isEqualTo("rollback pending: 1 of 2 vehicles to confirm");
        assertThat(rolloutEvents()).isEqualTo(before);
        JsonNode pending = JSON.readTree(http.get("/api/v1/rollouts/" + id, http.token("ivan", "fleet-b", Roles.INVESTIGATOR)).body())
                .get("rollbackConfirmation");
        assertThat(pending.get("status").asText()).isEqualTo("PENDING");
        assertThat(pending.get("unconfirmedVehicleIds")).extracting(JsonNode::asText).containsExactly(cohort.get(1));
        // A session of the second vehicle that still ran the challenger, or ran a shadow, does not confirm either.
        session("still-challenger-" + cohort.get(1), "fleet-b", cohort.get(1), challenger, RolloutService.nanos(t0.plusSeconds(21)), 0, 0);
        String last = "restored-" + cohort.get(1);
        session(last, "fleet-b", cohort.get(1), champion, RolloutService.nanos(t0.plusSeconds(25)), 0, 0);
        projections.awaitProjection("the second restored vehicle's sessions", () -> projections.count(
                "select count(*) from rollout_sessions where session_id in (?, ?) and model_sha256 is not null", "still-challenger-" + cohort.get(1),
                last) == 2);
        assertThat(service.checkConfirmation(id, t0.plusSeconds(40)).action()).isEqualTo("rollback confirmed");
        List<String> types = stepEvents(id);
        assertThat(types).endsWith("RolloutRolledBack", "RolloutRollbackConfirmed");
        JsonNode stored = JSON.readTree(jdbc.queryForObject("select convert_from(payload, 'UTF8') from domain_event_entry where aggregate_identifier = ?"
                + " and payload_type like '%RolloutRollbackConfirmed'", String.class, "rollout/" + id));
        assertThat(stored.get("confirmedVehicleIds")).extracting(JsonNode::asText).containsExactlyElementsOf(cohort);
        assertThat(stored.get("confirmingSessionIds")).extracting(JsonNode::asText).containsExactly(confirming, last);
        assertThat(stored.get("causes")).extracting(JsonNode::asText).containsExactly(EventIds.of("rollout/" + id, "RolloutRolledBack", 2),
                EventIds.of(confirming, "ModelActivated", "primary"), EventIds.of(last, "ModelActivated", "primary"));
        // Checked again (the scheduler's next tick, or a second replica): nothing more is stored.
        assertThat(service.checkConfirmation(id, t0.plusSeconds(50)).action()).startsWith("none");
        assertThat(service.tick(t0.plusSeconds(60))).extracting(RolloutService.Decision::rolloutId).doesNotContain(id);
        assertThat(stepEvents(id)).isEqualTo(types);
        JsonNode after = JSON.readTree(http.get("/api/v1/rollouts/" + id + "/trace", http.token("audrey", "fleet-b", Roles.AUDITOR)).body());
        assertThat(after.get("rollbackConfirmation").get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(after.get("rollbackConfirmation").get("confirmedVehicles").asInt()).isEqualTo(2);
        assertThat(after.get("narrative").asText()).endsWith("Every restored vehicle (2) confirmed the champion.");
        JsonNode listed = JSON.readTree(http.get("/api/v1/rollouts", http.token("ivan", "fleet-b", Roles.INVESTIGATOR)).body()).get(0);
        assertThat(listed.get("rollbackConfirmation").asText()).isEqualTo("CONFIRMED");
        assertThat(listed.get("rollbackUnconfirmedVehicles").asInt()).isZero();
    }

    @Test
    @Order(4)
    void anAdministratorHaltsResumesAndRollsBack() throws Exception {
        HttpResponse<String> r = http.postJson("/api/v1/rollouts", admin("fleet-c"), plan(THREE_STEPS, FINDINGS_AND_EVALUATION));
        String id = JSON.readTree(r.body()).get("rolloutId").asText();
        service.check(id, t0);
        String cohortVehicle = RolloutCohorts.order(vehicles("fleet-c", 4)).get(0);
        assertThat(assignment("fleet-c", cohortVehicle).get("championModelSha256").asText()).isEqualTo(challenger);
        assertThat(http.postJson("/api/v1/rollouts/" + id + "/halt", http.token("ivan", "fleet-c", Roles.INVESTIGATOR), "{}").statusCode())
                .isEqualTo(403);
        HttpResponse<String> halted = http.postJson("/api/v1/rollouts/" + id + "/halt", admin("fleet-c"), "{\"reason\":\"odd reports\"}");
        assertThat(JSON.readTree(halted.body()).get("state").asText()).isEqualTo("HALTED");
        HttpResponse<String> again = http.postJson("/api/v1/rollouts/" + id + "/halt", admin("fleet-c"), "{}");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
        assertThat(service.check(id, t0.plusSeconds(500)).action()).as("a halted rollout never advances").startsWith("none");
        assertThat(JSON.readTree(http.postJson("/api/v1/rollouts/" + id + "/resume", admin("fleet-c"), "{}").body()).get("state").asText())
                .isEqualTo("RUNNING");
        HttpResponse<String> back = http.postJson("/api/v1/rollouts/" + id + "/rollback", admin("fleet-c"), "{\"reason\":\"not today\"}");
        assertThat(JSON.readTree(back.body()).get("state").asText()).isEqualTo("ROLLED_BACK");
        assertThat(assignment("fleet-c", cohortVehicle).get("championModelSha256").asText()).isEqualTo(champion);
        JsonNode trace = JSON.readTree(http.get("/api/v1/rollouts/" + id + "/trace", admin("fleet-c")).body());
        assertThat(trace.get("reason").asText()).isEqualTo("not today");
        assertThat(trace.get("by").asText()).isEqualTo("ada");
        assertThat(http.postJson("/api/v1/rollouts/" + id + "/resume", admin("fleet-c"), "{}").statusCode()).isEqualTo(409);
    }

    /** The vehicle refuses the champion a rollback gave back, in a session of its own: its signature does not verify on this vehicle. */
    String refuseChampion(String fleet, String vehicle, String sessionId, long start) {
        String rejection = EventIds.of(sessionId, "ModelRejected", 0);
        ingestion.append(sessionId, 0, List.of(
                new EventEnvelope(EventIds.of(sessionId, "DriveSessionStarted", 0), 0, start,
                        new DriveSessionStarted(sessionId, fleet, vehicle, "dev-" + vehicle, "0.2.0", start, null, "rollout-it-1", Map.of())),
                new EventEnvelope(rejection, 1, start, new ModelRejected("fastestdet", "1", null, champion, null,
                        "model " + champion + " is signed by key ed25519:0000000000000000, which this vehicle does not trust", start))));
        projections.awaitProjection("the refusal of the champion", () -> projections.count(
                "select count(*) from rollout_evidence where event_id = ? and kind = 'model-rejected'", rejection) == 1);
        return rejection;
    }

    JsonNode storedAlarm(String id) throws Exception {
        return JSON.readTree(jdbc.queryForObject("select convert_from(payload, 'UTF8') from domain_event_entry where aggregate_identifier = ?"
                + " and payload_type like '%RolloutRollbackUnconfirmed'", String.class, "rollout/" + id));
    }

    /**
     * ADR-0044 as amended: the restored vehicle of fleet-c's rollback refuses the champion and never confirms it; the alarm
     * is raised at the next check, not at the deadline, naming it with its refusal, once, across a cloud restart; the metric
     * counts it; when it confirms, the confirmation follows.
     */
    @Test
    @Order(5)
    void aRollbackWhoseVehiclesAllRefusedTheChampionRaisesTheAlarmAtOnceThenTheConfirmationFollows() throws Exception {
        String id = JSON.readTree(http.get("/api/v1/rollouts", admin("fleet-c")).body()).get(0).get("rolloutId").asText();
        JsonNode back = JSON.readTree(http.get("/api/v1/rollouts/" + id, admin("fleet-c")).body());
        assertThat(back.get("state").asText()).isEqualTo("ROLLED_BACK");
        RolloutState state = service.load(id).orElseThrow();
        io.sightline.domain.event.RolloutRolledBack rb = (io.sightline.domain.event.RolloutRolledBack) state.rolledBack().payload();
        String vehicle = rb.restoredVehicleIds().get(0);
        assertThat(rb.restoredVehicleIds()).containsExactly(vehicle);
        Instant rolledBackAt = Instant.ofEpochSecond(0, rb.rolledBackAtNanos());
        Instant deadline = rolledBackAt.plus(RolloutService.DEFAULT_ROLLBACK_CONFIRMATION_DEADLINE);
        assertThat(service.confirmationDeadline()).isEqualTo(RolloutService.DEFAULT_ROLLBACK_CONFIRMATION_DEADLINE);

        // Silent so far: the wait goes on.
        long before = rolloutEvents();
        assertThat(service.checkConfirmation(id, rolledBackAt.plusSeconds(2)).action()).isEqualTo("rollback pending: 1 of 1 vehicles to confirm");
        assertThat(rolloutEvents()).as("no alarm for a silent vehicle before the deadline").isEqualTo(before);

        String rejection = refuseChampion("fleet-c", vehicle, "refusing-champion-" + vehicle, rb.rolledBackAtNanos() + S);
        assertThat(service.checkConfirmation(id, rolledBackAt.plusSeconds(3)).action()).as("a day before the deadline")
                .isEqualTo("rollback unconfirmed");
        JsonNode alarm = storedAlarm(id);
        assertThat(alarm.get("trigger").asText()).isEqualTo("REFUSED");
        assertThat(alarm.get("detectedAtNanos").asLong()).isLessThan(RolloutService.nanos(deadline));
        assertThat(alarm.get("unconfirmedVehicleIds")).extracting(JsonNode::asText).containsExactly(vehicle);
        assertThat(alarm.get("refusedVehicleIds")).extracting(JsonNode::asText).containsExactly(vehicle);
        assertThat(alarm.get("deadlineSeconds").asLong()).isEqualTo(86_400);
        assertThat(alarm.get("causes")).extracting(JsonNode::asText).containsExactly(EventIds.of("rollout/" + id, "RolloutRolledBack",
                state.events().size() - 1), rejection);

        // A restarted cloud checks again from the stored events: neither a second alarm nor a lost one.
        try (ConfigurableApplicationContext restarted = cloud()) {
            RolloutService s = restarted.getBean(RolloutService.class);
            assertThat(s.checkConfirmation(id, deadline.plusSeconds(3600)).action()).isEqualTo("rollback unconfirmed: 1 of 1 vehicles to confirm");
            assertThat(s.load(id).orElseThrow().confirmation()).isEqualTo("UNCONFIRMED");
        }
        assertThat(stepEvents(id).stream().filter("RolloutRollbackUnconfirmed"::equals)).hasSize(1);

        JsonNode trace = JSON.readTree(http.get("/api/v1/rollouts/" + id + "/trace", http.token("ivan", "fleet-c", Roles.INVESTIGATOR)).body());
        assertThat(trace.get("rollbackConfirmation").get("status").asText()).isEqualTo("UNCONFIRMED");
        assertThat(trace.get("rollbackConfirmation").get("refusedVehicleIds")).extracting(JsonNode::asText).containsExactly(vehicle);
        assertThat(trace.get("confirmations").get(0).get("status").asText()).isEqualTo("REFUSED");
        assertThat(trace.get("confirmations").get(0).get("refusals").get(0).get("eventId").asText()).isEqualTo(rejection);
        assertThat(trace.get("rollbackConfirmation").get("unconfirmedTrigger").asText()).isEqualTo("REFUSED");
        assertThat(trace.get("narrative").asText()).contains("ALARM: 1 of 1 restored vehicles had not confirmed the champion, and every one of"
                + " them refused it, before the deadline of 86400 s after the rollback.");
        JsonNode listed = JSON.readTree(http.get("/api/v1/rollouts", admin("fleet-c")).body()).get(0);
        assertThat(listed.get("rollbackConfirmation").asText()).isEqualTo("UNCONFIRMED");
        assertThat(listed.get("rollbackUnconfirmedVehicles").asInt()).isEqualTo(1);

        // Prometheus: the vehicle still to confirm, under the alarm's state.
        metrics.refresh();
        HttpResponse<String> scrape = http.get("/actuator/prometheus", null);
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body().lines().filter(l -> l.startsWith("sightline_rollout_rollback_unconfirmed_vehicles{")))
                .contains("sightline_rollout_rollback_unconfirmed_vehicles{confirmation=\"UNCONFIRMED\",fleet=\"fleet-c\",rollout=\"" + id + "\"} 1.0");

        // It drives on the champion at last: the confirmation follows the alarm, and the gauge leaves.
        String late = "late-" + vehicle;
        session(late, "fleet-c", vehicle, champion, rb.rolledBackAtNanos() + 7200 * S, 0, 0);
        projections.awaitProjection("the late confirmation", () -> projections.count(
                "select count(*) from rollout_sessions where session_id = ? and model_sha256 is not null", late) == 1);
        assertThat(service.checkConfirmation(id, deadline.plusSeconds(7200)).action()).isEqualTo("rollback confirmed");
        assertThat(stepEvents(id)).endsWith("RolloutRolledBack", "RolloutRollbackUnconfirmed", "RolloutRollbackConfirmed");
        metrics.refresh();
        assertThat(http.get("/actuator/prometheus", null).body()).doesNotContain("rollout=\"" + id + "\"");
    }

    private ConfigurableApplicationContext cloud() {
        return new SpringApplicationBuilder(SightlineCloudApplication.class).web(WebApplicationType.NONE)
                .run("--spring.datasource.url=" + database.jdbcUrl(), "--spring.datasource.username=" + database.user(),
                        "--spring.datasource.password=" + database.password(), "--sightline.embedded-postgres.enabled=false",
                        "--sightline.rollouts.scheduler.enabled=false", "--spring.application.name=rollout-restart");
    }

    @Test
    @Order(6)
    void aCloudRestartedMidRolloutContinuesFromTheStoredEventsNeitherRepeatingNorSkippingAStep() throws Exception {
        HttpResponse<String> r = http.postJson("/api/v1/rollouts", admin("fleet-r"), plan(THREE_STEPS, FINDINGS_AND_EVALUATION));
        String id = JSON.readTree(r.body()).get("rolloutId").asText();
        try (ConfigurableApplicationContext before = cloud()) {
            RolloutService s = before.getBean(RolloutService.class);
            assertThat(s.check(id, t0).action()).isEqualTo("advanced");
            assertThat(s.check(id, t0.plusSeconds(61)).action()).isEqualTo("advanced");
        }
        long assignments = assignmentEvents("fleet-r");
        try (ConfigurableApplicationContext after = cloud()) {
            RolloutService s = after.getBean(RolloutService.class);
            RolloutService.Decision again = s.check(id, t0.plusSeconds(62));
            assertThat(again.action()).as("step 1 is still baking after the restart").isEqualTo("baking");
            assertThat(again.stepIndex()).isEqualTo(1);
            assertThat(assignmentEvents("fleet-r")).as("no assignment repeated").isEqualTo(assignments);
            assertThat(s.check(id, t0.plusSeconds(122)).stepIndex()).isEqualTo(2);
            assertThat(s.check(id, t0.plusSeconds(183)).action()).isEqualTo("completed");
        }
        assertThat(stepEvents(id)).containsExactly("RolloutStarted", "RolloutStepAdvanced", "RolloutStepAdvanced", "RolloutStepAdvanced",
                "RolloutCompleted");
        List<Integer> steps = jdbc.queryForList("select convert_from(payload, 'UTF8')::jsonb ->> 'stepIndex' from domain_event_entry"
                + " where aggregate_identifier = ? and payload_type like '%RolloutStepAdvanced' order by sequence_number", String.class,
                "rollout/" + id).stream().map(Integer::valueOf).toList();
        assertThat(steps).containsExactly(0, 1, 2);
    }

    /** The rollouts page in a real headless Chromium: the rolled-back rollout of fleet-b as the API gives it. */
    @Test
    @Order(7)
    void theRolloutsPageShowsTheStepsTheGatesAgainstTheirThresholdsTheCohortAndTheTrace() throws Exception {
        String token = http.token("ivan", "fleet-b", Roles.INVESTIGATOR);
        String id = JSON.readTree(http.get("/api/v1/rollouts", token).body()).get(0).get("rolloutId").asText();
        JsonNode api = JSON.readTree(http.get("/api/v1/rollouts/" + id, token).body());
        JsonNode trace = JSON.readTree(http.get("/api/v1/rollouts/" + id + "/trace", token).body());
        try (HeadlessChromium chromium = HeadlessChromium.start(1400, 2400)) {
            JavascriptExecutor js = (JavascriptExecutor) chromium.driver;
            chromium.driver.get(http.base() + "/ui/rollouts.html#token=" + token);
            try {
                new WebDriverWait(chromium.driver, Duration.ofSeconds(30), Duration.ofMillis(100))
                        .until(d -> "true".equals(js.executeScript("return document.body.dataset.loaded || null")));
            } catch (org.openqa.selenium.TimeoutException e) {
                throw new AssertionError("the page did not finish loading:\n" + chromium.driver.findElement(By.tagName("body")).getText()
                        + "\nconsole:\n" + chromium.console(), e);
            }
            assertThat(chromium.driver.findElement(By.id("error-banner")).isDisplayed()).as("error banner: %s; console: %s",
                    chromium.driver.findElement(By.id("error-banner")).getText(), chromium.console()).isFalse();
            assertThat(chromium.driver.findElements(By.cssSelector("[data-testid='rollout-list'] tr.selectable"))).hasSize(1);
            assertThat(chromium.driver.findElement(By.cssSelector("[data-testid='rollout-state']")).getText()).isEqualTo("ROLLED_BACK · step 0");

            Object option = js.executeScript("return JSON.stringify(echarts.getInstanceByDom(document.querySelector(\"[data-testid='steps-chart']\")).getOption())");
            JsonNode bars = JSON.readTree((String) option).get("series").get(0).get("data");
            assertThat(bars).extracting(b -> b.get("value").asDouble()).containsExactly(10.0, 50.0, 100.0);
            assertThat(bars).extracting(b -> b.get("vehicles").asInt()).containsExactly(2, 10, 20);

            WebElement alertRate = chromium.driver.findElement(By.cssSelector("[data-testid='rollout-gates'] tr[data-gate='alert-rate']"));
            assertThat(alertRate.getText()).contains("FAIL");
            JsonNode gate = api.get("gates").get(0);
            assertThat(gate.get("gate").asText()).isEqualTo("alert-rate");
            assertThat(alertRate.findElement(By.cssSelector("[data-values]")).getText()).contains("canaryAlertsPerHour 30.00",
                    "controlAlertsPerHour 0", "pValue " + js.executeScript("return Number(arguments[0]).toPrecision(4)", gate.get("values").get("pValue").asDouble()));
            assertThat(alertRate.findElement(By.cssSelector("[data-thresholds]")).getText()).contains("alpha 0.05000", "minRatio 1.250");

            List<String> causes = chromium.driver.findElements(By.cssSelector("[data-testid='trace-causes'] li")).stream()
                    .map(e -> e.getAttribute("data-cause")).toList();
            assertThat(causes).containsExactlyElementsOf(trace.get("causes").findValuesAsText("eventId"));
            assertThat(chromium.driver.findElement(By.cssSelector("[data-testid='trace-narrative']")).getText())
                    .isEqualTo(trace.get("narrative").asText());
            List<WebElement> confirmations = chromium.driver.findElements(By.cssSelector("[data-testid='trace-confirmations'] li"));
            assertThat(confirmations).extracting(e -> e.getAttribute("data-vehicle"))
                    .containsExactlyElementsOf(trace.get("confirmations").findValuesAsText("vehicleId"));
            assertThat(confirmations.get(0).getText()).contains("runs the champion again (ModelActivated "
                    + trace.get("confirmations").get(0).get("modelActivatedEventId").asText() + ")");
            // ADR-0044: the rollback's confirmation as the trace states it, in the detail and in the list.
            assertThat(trace.get("rollbackConfirmation").get("status").asText()).isEqualTo("CONFIRMED");
            assertThat(chromium.driver.findElement(By.cssSelector("[data-testid='rollback-confirmation']")).getText()).isEqualTo("CONFIRMED");
            assertThat(chromium.driver.findElement(By.cssSelector("[data-testid='rollback-confirmation-note']")).getText())
                    .startsWith("2 of 2 restored vehicles confirmed the champion; deadline 86400 s after the rollback");
            assertThat(chromium.driver.findElement(By.cssSelector("[data-testid='rollout-list'] tr.selectable")).getText())
                    .contains("ROLLED_BACK (CONFIRMED)");
            assertThat(confirmations).extracting(e -> e.getAttribute("data-status")).containsOnly("CONFIRMED");
            List<WebElement> cohort = chromium.driver.findElements(By.cssSelector("[data-testid='rollout-cohort'] tr[data-vehicle]"));
            assertThat(cohort).hasSize(20);
            assertThat(cohort.stream().filter(r -> r.getText().endsWith("yes")).map(r -> r.getAttribute("data-vehicle")).toList())
                    .containsExactlyElementsOf(RolloutCohorts.order(vehicles("fleet-b", 20)).subList(0, 2));
        }
    }

    @Test
    @Order(8)
    void aCohortVehicleRefusingTheChallengerHaltsTheRolloutWithTheRefusalAsItsCause() throws Exception {
        HttpResponse<String> r = http.postJson("/api/v1/rollouts", admin("fleet-e"), "{\"challengerModelSha256\":\"" + challenger
                + "\",\"steps\":" + THREE_STEPS + ",\"gates\":[{\"name\":\"edge-refusals\"}],\"onGateFailure\":\"halt\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String id = JSON.readTree(r.body()).get("rolloutId").asText();
        assertThat(service.check(id, t0).action()).isEqualTo("advanced");
        String vehicle = RolloutCohorts.order(vehicles("fleet-e", 5)).get(0);
        String sessionId = "refusing-" + vehicle;
        long start = RolloutService.nanos(t0) + S;
        String rejection = EventIds.of(sessionId, "ModelRejected", 0);
        ingestion.append(sessionId, 0, List.of(
                new EventEnvelope(EventIds.of(sessionId, "DriveSessionStarted", 0), 0, start,
                        new DriveSessionStarted(sessionId, "fleet-e", vehicle, "dev-" + vehicle, "0.2.0", start, null, "rollout-it-1", Map.of())),
                new EventEnvelope(rejection, 1, start, new ModelRejected("yolox-nano", "0.1.1rc0", null, challenger, null,
                        "model " + challenger + " is signed by key ed25519:0000000000000000, which this vehicle does not trust", start))));
        projections.awaitProjection("the refusal as gate evidence",
                () -> projections.count("select count(*) from rollout_evidence where kind = 'model-rejected' and event_id = ?", rejection) == 1);
        RolloutService.Decision d = service.check(id, t0.plusSeconds(5));
        assertThat(d.action()).isEqualTo("halted");
        JsonNode trace = JSON.readTree(http.get("/api/v1/rollouts/" + id + "/trace", admin("fleet-e")).body());
        assertThat(trace.get("state").asText()).isEqualTo("HALTED");
        assertThat(trace.get("causes")).extracting(c -> c.get("eventId").asText()).containsExactly(rejection);
        assertThat(trace.get("causes").get(0).get("type").asText()).isEqualTo("ModelRejected");
        assertThat(trace.get("gates").get(0).get("values").get("rejections").asDouble()).isEqualTo(1.0);
        assertThat(assignment("fleet-e", vehicle).get("championModelSha256").asText()).as("a halt leaves the cohort as it is")
                .isEqualTo(challenger);
    }

    @Test
    @Order(9)
    void aShadowStepRunsTheChallengerBesideTheChampionThenTheCanaryReplacesIt() throws Exception {
        HttpResponse<String> r = http.postJson("/api/v1/rollouts", admin("fleet-s"), plan("[{\"kind\":\"shadow\",\"sharePercent\":50,"
                + "\"bakeSeconds\":60},{\"kind\":\"canary\",\"sharePercent\":25,\"bakeSeconds\":60},{\"kind\":\"canary\","
                + "\"sharePercent\":100,\"bakeSeconds\":60}]", FINDINGS_AND_EVALUATION));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String id = JSON.readTree(r.body()).get("rolloutId").asText();
        List<String> order = RolloutCohorts.order(vehicles("fleet-s", 4));
        assertThat(service.check(id, t0).action()).isEqualTo("advanced");
        for (String v : order.subList(0, 2)) {
            JsonNode a = assignment("fleet-s", v);
            assertThat(a.get("championModelSha256").asText()).as("the champion still decides").isEqualTo(champion);
            assertThat(a.get("challengerModelSha256").asText()).isEqualTo(challenger);
            assertThat(a.get("challengerMode").asText()).isEqualTo("shadow");
        }
        assertThat(assignment("fleet-s", order.get(2)).get("revision").asLong()).isEqualTo(1);
        assertThat(service.check(id, t0.plusSeconds(61)).action()).isEqualTo("advanced");
        JsonNode canary = assignment("fleet-s", order.get(0));
        assertThat(canary.get("championModelSha256").asText()).isEqualTo(challenger);
        assertThat(canary.get("challengerModelSha256").isNull()).isTrue();
        JsonNode shadowEnded = assignment("fleet-s", order.get(1));
        assertThat(shadowEnded.get("championModelSha256").asText()).as("out of the canary cohort: the plain champion again").isEqualTo(champion);
        assertThat(shadowEnded.get("challengerModelSha256").isNull()).isTrue();
    }

    @Test
    @Order(10)
    void theDatabaseRefusesASecondActiveRolloutInAFleetEvenPastTheServicesCheck() {
        long before = rolloutEvents();
        io.sightline.domain.event.RolloutStarted second = new io.sightline.domain.event.RolloutStarted("fleet-s-second", "fleet-s", champion,
                policy, challenger, null, io.sightline.cloud.rollout.RolloutService.DEFAULT_STEPS,
                List.of(new io.sightline.domain.event.RolloutGateConfig("cohort-findings", "1", Map.of("maxDriftFindings", 0.0,
                        "maxLatencyFindings", 0.0))), "rollback", RolloutCohorts.HASH, RolloutCohorts.order(vehicles("fleet-s", 4)), "ada",
                RolloutService.nanos(t0), List.of());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> commands.sendAndWait(
                new io.sightline.domain.rollout.StartRollout(io.sightline.domain.rollout.Rollout.idFor("fleet-s-second"), second)))
                .hasStackTraceContaining("rollouts_one_active_per_fleet");
        assertThat(rolloutEvents()).as("the event rolled back with the row").isEqualTo(before);
    }

    @Test
    @Order(11)
    void theGatesEvidenceIsRebuiltIdenticallyFromTheStore() throws Exception {
        List<Map<String, Object>> sessions = jdbc.queryForList("select * from rollout_sessions order by session_id");
        List<Map<String, Object>> evidence = jdbc.queryForList("select * from rollout_evidence order by event_id, kind, stage");
        assertThat(evidence).as("evidence to rebuild").hasSizeGreaterThan(20);
        jdbc.update("insert into rollout_evidence (event_id, kind, session_id, occurred_at_nanos, global_index) values ('stale', 'alert', 'x', 0, -1)");
        HttpResponse<String> rebuilt = http.send(http.request("/api/v1/admin/projections/rollout-evidence/rebuild", admin("fleet-a"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(rebuilt.statusCode()).as(rebuilt.body()).isEqualTo(202);
        projections.awaitProjection("rollout evidence rebuilt", () -> jdbc.queryForList("select * from rollout_evidence order by event_id, kind, stage"),
                rows -> rows.equals(evidence));
        // Segments replay independently: a session without evidence rows may come back after the evidence does.
        projections.awaitProjection("rollout sessions rebuilt", () -> jdbc.queryForList("select * from rollout_sessions order by session_id"),
                rows -> rows.equals(sessions));
    }
    /**
     * ADR-0044: sessions that sampled their speed count alerts per hour of driving, as /api/v1/quality does: 3 alerts in a
     * 6-minute session driven for 3 minutes are 60 per hour, not the span's 30.
     */
    @Test
    @Order(12)
    void theAlertRateGateCountsPerHourOfDrivingWhereTheSessionsSampledTheirSpeed() throws Exception {
        HttpResponse<String> r = http.postJson("/api/v1/rollouts", admin("fleet-x"), plan(THREE_STEPS, "[{\"name\":\"alert-rate\","
                + "\"thresholds\":{\"minCanarySessions\":2,\"minControlSessions\":2}}]"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String id = JSON.readTree(r.body()).get("rolloutId").asText();
        assertThat(service.check(id, t0).action()).isEqualTo("advanced");
        long start = RolloutService.nanos(t0);
        List<String> order = RolloutCohorts.order(vehicles("fleet-x", 12));
        for (String v : order.subList(0, 2)) {
            sampledSession("driven-" + v, "fleet-x", v, challenger, start + S, 3, 180);
        }
        for (String v : order.subList(2, 5)) {
            sampledSession("driven-" + v, "fleet-x", v, champion, start + S, 3, 360);
        }
        projections.awaitProjection("the sessions' driving time and the gate's evidence", () -> projections.count(
                "select count(*) from sessions where fleet_id = 'fleet-x' and ended_at_nanos is not null and driving_nanos > 0") == 5
                && projections.count("select count(*) from rollout_sessions where fleet_id = 'fleet-x' and ended_at_nanos is not null") == 5
                && projections.count("select count(*) from rollout_evidence e join rollout_sessions s on s.session_id = e.session_id"
                + " where s.fleet_id = 'fleet-x' and e.kind = 'alert'") == 15,
                () -> jdbc.queryForList("select session_id, ended_at_nanos, driving_nanos, last_state_nanos, event_count from sessions"
                        + " where fleet_id = 'fleet-x'") + " / " + jdbc.queryForList("select * from rollout_sessions where fleet_id = 'fleet-x'")
                        + " / alerts " + projections.count("select count(*) from rollout_evidence where kind = 'alert' and session_id like 'driven-%'"));
        RolloutGateResult gate = service.evaluate(service.load(id).orElseThrow()).get(0);
        assertThat(gate.gate()).isEqualTo("alert-rate");
        assertThat(gate.version()).isEqualTo("2");
        assertThat(gate.values().get("canaryDrivingExposureSessions")).isEqualTo(2.0);
        assertThat(gate.values().get("controlDrivingExposureSessions")).isEqualTo(3.0);
        assertThat(gate.values().get("canaryAlertsPerHour")).as("3 alerts in 3 minutes of driving")
                .isCloseTo(60.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(gate.values().get("controlAlertsPerHour")).as("3 alerts in 6 minutes of driving")
                .isCloseTo(3 / (359.0 / 3600), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(gate.detail()).endsWith("exposure: speed-integrated driving time of every session");
    }

    /**
     * A session of {@code frames} frames on the champion with a policy-only shadow (ADR-0043): the shadow's boxes are the
     * champion's, and each frame's {@code ShadowRiskAssessed} records {@code shadowPolicyVersion} as the policy that decided;
     * {@code shadowAlert} adds a {@code ShadowAlertRaised} of that policy on the second frame that the champion did not raise.
     */
    void policyShadowSession(String sessionId, String fleet, String vehicle, long start, int frames, String shadowPolicyVersion,
                             boolean shadowAlert) {
        List<EventEnvelope> events = new ArrayList<>();
        int seq = 0;
        events.add(new EventEnvelope(EventIds.of(sessionId, "DriveSessionStarted", 0), seq++, start,
                new DriveSessionStarted(sessionId, fleet, vehicle, "dev-" + vehicle, "0.2.0", start, null, "rollout-it-1", Map.of())));
        events.add(new EventEnvelope(EventIds.of(sessionId, "ModelActivated", "primary"), seq++, start,
                new ModelActivated("fastestdet", "1", champion, "primary", "images", List.of(1, 3, 416, 416), "NCHW", "BGR", "fastestdet",
                        List.of("car"), "Apache-2.0", "models", start)));
        io.sightline.domain.event.BoxPx box = new io.sightline.domain.event.BoxPx(100, 100, 200, 180);
        for (int i = 0; i < frames; i++) {
            long at = start + (i + 1) * S / 10;
            String frame = EventIds.of(sessionId, "FrameCaptured", i);
            events.add(new EventEnvelope(frame, seq++, at, new io.sightline.domain.event.FrameCaptured(frame, i, at, 960, 540, "cam", null)));
            events.add(new EventEnvelope(EventIds.of(sessionId, "DetectionObserved", i), seq++, at,
                    new io.sightline.domain.event.DetectionObserved(sessionId + "-det-" + i, frame, 2, "car", 0.9, box, "fastestdet", "1", champion,
                            List.of(frame))));
            events.add(new EventEnvelope(EventIds.of(sessionId, "ShadowDetectionsObserved", i), seq++, at,
                    new io.sightline.domain.event.ShadowDetectionsObserved(frame, "fastestdet", "1", champion,
                            List.of(new io.sightline.domain.event.ShadowDetectionsObserved.Box(2, "car", 0.9, box)), 0, 0, 0, 1, List.of(frame))));
            String assessment = EventIds.of(sessionId, "ShadowRiskAssessed", i);
            events.add(new EventEnvelope(assessment, seq++, at, new io.sightline.domain.event.ShadowRiskAssessed(assessment, frame, "track-1",
                    "forward-collision", shadowPolicyVersion, "NONE", 30.0, 1.0, 0.0, 30.0, 10.0, champion, List.of(), List.of(frame))));
            if (shadowAlert && i == 1) {
                events.add(new EventEnvelope(EventIds.of(sessionId, "ShadowAlertRaised", 0), seq++, at,
                        new io.sightline.domain.event.ShadowAlertRaised(sessionId + "-shadow-alert", frame, "FORWARD_COLLISION", "WARNING",
                                "track-1", shadowPolicyVersion, at, 2.5, champion, List.of(frame, assessment))));
            }
        }
        long end = start + 60 * S;
        events.add(new EventEnvelope(EventIds.of(sessionId, "DriveSessionEnded", 0), seq, end, new DriveSessionEnded(sessionId, end, "ignition-off", 0, 0)));
        ingestion.append(sessionId, 0, events);
    }

    /**
     * ADR-0043 as amended: a policy-only challenger's shadow step is judged on the sessions whose shadow decisions record its
     * policy version. Both cohort vehicles shadowed on the champion's model; one decided with the rollout's challenger policy,
     * the other with another policy (an admin's assignment) and raised an alert of its own. Only the first is the challenger's.
     */
    @Test
    @Order(13)
    void aPolicyOnlyShadowStepIsJudgedOnTheSessionsWhereItsPolicyDecided() throws Exception {
        String challengerPolicy = registerPolicy("rollout-it-2");
        HttpResponse<String> r = http.postJson("/api/v1/rollouts", admin("fleet-p"), "{\"challengerPolicySha256\":\"" + challengerPolicy
                + "\",\"steps\":[{\"kind\":\"shadow\",\"sharePercent\":50,\"bakeSeconds\":60},{\"kind\":\"canary\",\"sharePercent\":100,"
                + "\"bakeSeconds\":60}],\"gates\":[{\"name\":\"shadow-disagreement\",\"thresholds\":{\"minShadowFrames\":3}}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String id = JSON.readTree(r.body()).get("rolloutId").asText();
        assertThat(service.check(id, t0).action()).isEqualTo("advanced");
        List<String> cohort = RolloutCohorts.order(vehicles("fleet-p", 4)).subList(0, 2);
        assertThat(assignment("fleet-p", cohort.get(0)).get("challengerPolicySha256").asText()).isEqualTo(challengerPolicy);
        long start = RolloutService.nanos(t0) + S;
        String ours = "policy-shadow-" + cohort.get(0);
        String other = "other-policy-shadow-" + cohort.get(1);
        policyShadowSession(ours, "fleet-p", cohort.get(0), start, 3, "rollout-it-2", false);
        policyShadowSession(other, "fleet-p", cohort.get(1), start, 3, "another-policy", true);
        projections.awaitProjection("both shadow sessions as gate evidence", () -> projections.count(
                "select count(*) from rollout_sessions where fleet_id = 'fleet-p' and ended_at_nanos is not null") == 2);

        GateContext c = service.context(service.load(id).orElseThrow());
        assertThat(c.canary()).as("both ran the champion's model and policy on a shadow step").hasSize(2);
        assertThat(c.shadow()).extracting(GateContext.ShadowSession::sessionId).as("only the session its policy decided").containsExactly(ours);
        RolloutGateResult gate = service.evaluate(service.load(id).orElseThrow(), c).get(0);
        assertThat(gate.gate()).isEqualTo("shadow-disagreement");
        assertThat(gate.values()).containsEntry("shadowSessions", 1.0).containsEntry("shadowFrames", 3.0)
                .containsEntry("alertsChallengerOnly", 0.0).containsEntry("detectionF1", 1.0);
        assertThat(gate.verdict()).as(gate.detail()).isEqualTo(RolloutGateResult.PASS);
    }

    /**
     * ADR-0044 as amended: of two restored vehicles one refuses the champion and one is silent; the silent one may still drive
     * on the champion in time, so the alarm waits for the deadline, then names both and the one refusal.
     */
    @Test
    @Order(14)
    void aSilentVehicleKeepsTheWaitToTheDeadlineEvenBesideOneThatRefused() throws Exception {
        HttpResponse<String> r = http.postJson("/api/v1/rollouts", admin("fleet-u"), plan("[{\"kind\":\"canary\",\"sharePercent\":50,"
                + "\"bakeSeconds\":60},{\"kind\":\"canary\",\"sharePercent\":100,\"bakeSeconds\":60}]", FINDINGS_AND_EVALUATION));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String id = JSON.readTree(r.body()).get("rolloutId").asText();
        assertThat(service.check(id, t0).action()).isEqualTo("advanced");
        HttpResponse<String> back = http.postJson("/api/v1/rollouts/" + id + "/rollback", admin("fleet-u"), "{\"reason\":\"test\"}");
        assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
        RolloutState state = service.load(id).orElseThrow();
        io.sightline.domain.event.RolloutRolledBack rb = (io.sightline.domain.event.RolloutRolledBack) state.rolledBack().payload();
        List<String> restored = rb.restoredVehicleIds();
        assertThat(restored).hasSize(2);
        Instant rolledBackAt = Instant.ofEpochSecond(0, rb.rolledBackAtNanos());
        Instant deadline = rolledBackAt.plus(RolloutService.DEFAULT_ROLLBACK_CONFIRMATION_DEADLINE);
        String rejection = refuseChampion("fleet-u", restored.get(0), "refusing-champion-" + restored.get(0), rb.rolledBackAtNanos() + S);

        long before = rolloutEvents();
        assertThat(service.checkConfirmation(id, rolledBackAt.plusSeconds(3)).action()).isEqualTo("rollback pending: 2 of 2 vehicles to confirm");
        assertThat(service.checkConfirmation(id, deadline.minusSeconds(1)).action()).isEqualTo("rollback pending: 2 of 2 vehicles to confirm");
        assertThat(rolloutEvents()).as("no alarm before the deadline while a vehicle is silent").isEqualTo(before);
        assertThat(service.checkConfirmation(id, deadline).action()).isEqualTo("rollback unconfirmed");
        JsonNode alarm = storedAlarm(id);
        assertThat(alarm.get("trigger").asText()).isEqualTo("DEADLINE");
        assertThat(alarm.get("unconfirmedVehicleIds")).extracting(JsonNode::asText).containsExactlyElementsOf(restored);
        assertThat(alarm.get("refusedVehicleIds")).extracting(JsonNode::asText).containsExactly(restored.get(0));
        assertThat(alarm.get("causes")).extracting(JsonNode::asText).containsExactly(EventIds.of("rollout/" + id, "RolloutRolledBack",
                state.events().size() - 1), rejection);
        JsonNode trace = JSON.readTree(http.get("/api/v1/rollouts/" + id + "/trace", admin("fleet-u")).body());
        assertThat(trace.get("narrative").asText()).contains("ALARM: 2 of 2 restored vehicles had not confirmed the champion 86400 s after the rollback.");
    }
}
