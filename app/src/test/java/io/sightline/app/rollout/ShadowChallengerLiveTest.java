package io.sightline.app.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.app.CliRun;
import io.sightline.app.TestCloudArgs;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.ShadowAlertRaised;
import io.sightline.domain.event.ShadowDetectionsObserved;
import io.sightline.domain.event.ShadowRiskAssessed;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.domain.rollout.VehicleAssignment;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.runtime.EdgePipeline;
import io.sightline.testkit.Await;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.testkit.TestBroker;
import io.sightline.testkit.TestPostgres;
import io.sightline.uplink.journal.EdgeJournal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * The shadow challenger follows the assignment while the edge runs (issue 17 §2/§3, ADR-0043), against
 * a running cloud on PostgreSQL, a real MQTT broker and the real ONNX models: a policy-only challenger
 * assigned mid-run starts at the next frame as a new session, decides on the champion's own boxes (no
 * second model) and records its version on every shadow decision while the champion decides with its
 * own; a change of challenger alone (model to policy-only, then none) takes effect mid-run; and a
 * champion model and a challenger policy whose bytes no longer hash to their sha256 are refused mid-run
 * with the reason while the last known good serves every frame.
 */
@ExtendWith(ProjectHomeExtension.class)
class ShadowChallengerLiveTest {

    static final String FLEET = "fleet-shadow-live";
    static final String ROOT = "shadowlive";
    static final int MAX_FRAMES = EdgeFollowsAssignmentLiveTest.MAX_FRAMES;
    static final String EARLY = "sightline-risk-early-warning";
    private static final ObjectMapper JSON = new ObjectMapper();
    static TestBroker.RestartableBroker broker;
    static TestPostgres.Database db;
    static ConfigurableApplicationContext cloud;
    static KeyPair release;
    static String fastestdet;
    static String yolox;
    static String policy;
    /** Warns at a TTC of 6 s where the champion's policy warns at 3.4 s: its alerts come earlier, from the same tracks. */
    static String early;
    static Path clip;

    @TempDir
    static Path dir;

    static io.sightline.app.fleet.CloudApi api() {
        return new io.sightline.app.fleet.CloudApi(cloud, FLEET);
    }

    static HttpResponse<String> send(String method, String path, String json) throws Exception {
        return api().send(method, path, json);
    }

    @BeforeAll
    static void cloudBrokerAndModels() throws Exception {
        release = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Files.writeString(dir.resolve("release.pub"), ReleaseStatement.pem("PUBLIC KEY", release.getPublic().getEncoded()));
        broker = TestBroker.privateBroker();
        db = TestPostgres.freshDatabase("shadow_challenger_live");
        cloud = new SpringApplicationBuilder(SightlineCloudApplication.class).web(WebApplicationType.SERVLET)
                .run(TestCloudArgs.of(db, "--server.port=0", "--sightline.registry.dir=" + dir.resolve("blobs"),
                        "--sightline.registry.trusted-key-files=" + dir.resolve("release.pub"),
                        "--sightline.rollouts.scheduler.enabled=false",
                        "--sightline.ingest.mqtt.enabled=true", "--sightline.ingest.mqtt.url=" + broker.url(),
                        "--sightline.ingest.mqtt.topic-root=" + ROOT, "--sightline.ingest.mqtt.share-group=" + ROOT,
                        "--sightline.assignments.mqtt.enabled=true"));
        fastestdet = api().registerModel(release, "fastestdet", "FastestDet.onnx");
        yolox = api().registerModel(release, "yolox_nano", "yolox_nano.onnx");
        policy = registerPolicy(RiskPolicy.defaults().forwardCollision(), "sightline-risk-shadow-live");
        RiskPolicy.ForwardCollision f = RiskPolicy.defaults().forwardCollision();
        early = registerPolicy(new RiskPolicy.ForwardCollision(6.0, 6.5, f.minEgoSpeedMps(), f.corridorMarginM(), f.minTrackAgeS(),
                f.maxTtcSigmaS(), f.hardBrakingDecelMps2()), EARLY);
        Files.writeString(dir.resolve("reader-token"), cloud.getBean(DemoTokens.class).mint("vehicle", FLEET, Duration.ofMinutes(30),
                Roles.INVESTIGATOR));
        clip = EdgeFollowsAssignmentLiveTest.slowClip(dir.resolve("slow.mp4"));
    }

    static String registerPolicy(RiskPolicy.ForwardCollision fcw, String version) throws Exception {
        RiskPolicy d = RiskPolicy.defaults();
        byte[] bytes = new RiskPolicy(version, d.egoHalfWidthM(), fcw, d.followingDistance(), d.vulnerableRoadUser()).toJson()
                .getBytes(StandardCharsets.UTF_8);
        String sha = ReleaseStatement.sha256Hex(bytes);
        ObjectNode body = JSON.createObjectNode();
        body.put("artifactBase64", Base64.getEncoder().encodeToString(bytes));
        body.put("keyId", ReleaseStatement.keyId(release.getPublic()));
        body.put("signatureBase64", new ReleaseStatement("policy", "policy", version, sha, bytes.length, "-").sign(release.getPrivate()));
        HttpResponse<String> r = send("POST", "/api/v1/registry/policies", body.toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return sha;
    }

    @AfterAll
    static void stop() {
        if (cloud != null) {
            cloud.close();
        }
        if (broker != null) {
            broker.close();
        }
        TestPostgres.drop(db);
    }

    /** PUT of a whole assignment; a challenger (model, policy or both) in shadow mode when either is given. */
    static void assign(String vehicle, String model, String policySha256, String challengerModel, String challengerPolicy) throws Exception {
        ObjectNode a = JSON.createObjectNode();
        a.put("championModelSha256", model);
        a.put("championPolicySha256", policySha256);
        a.put("challengerModelSha256", challengerModel);
        a.put("challengerPolicySha256", challengerPolicy);
        a.put("challengerMode", challengerModel == null && challengerPolicy == null ? null : "shadow");
        HttpResponse<String> r = send("PUT", "/api/v1/assignments/" + FLEET + "/" + vehicle, a.toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode stored = JSON.readTree(r.body());
        // The API leaves null fields out.
        JsonNode carried = stored.path("challengerPolicySha256");
        assertThat(carried.isNull() || carried.isMissingNode() ? null : carried.asText())
                .as("the assignment carries its challenger policy").isEqualTo(challengerPolicy);
    }

    static CompletableFuture<CliRun> edge(String vehicle, Path edgeDir) throws Exception {
        String device = "dev-" + vehicle;
        CliRun printed = CliRun.of("edge", "--print-device-key", "--device-id", device, "--edge-dir", edgeDir.toString());
        String key = printed.out().lines().filter(l -> l.startsWith("publicKeyX509 ")).findFirst().orElseThrow().substring(14).trim();
        assertThat(send("PUT", "/api/v1/admin/devices/" + device, "{\"publicKeyX509\":\"" + key + "\"}").statusCode()).isEqualTo(201);
        return CompletableFuture.supplyAsync(() -> CliRun.of("edge", "--cloud-url", api().url(), "--mqtt-url", broker.url(),
                "--mqtt-topic-root", ROOT, "--video", clip.toString(), "--realtime", "--model", "fastestdet",
                "--max-frames", Integer.toString(MAX_FRAMES), "--fleet", FLEET, "--vehicle", vehicle, "--device-id", device,
                "--edge-dir", edgeDir.toString(), "--upload-timeout", "90", "--follow-assignment", "--trusted-release-key",
                dir.resolve("release.pub").toString(), "--assignment-token-file", dir.resolve("reader-token").toString(),
                "--assignment-poll-seconds", "0"));
    }

    static JdbcTemplate jdbc() {
        return cloud.getBean(JdbcTemplate.class);
    }

    /** The vehicle's sessions the cloud has stored, in start order. */
    static List<String> cloudSessions(String vehicle) {
        return jdbc().queryForList("select aggregate_identifier from domain_event_entry where payload_type = ? and"
                + " convert_from(payload, 'UTF8')::jsonb ->> 'vehicleId' = ? order by global_index", String.class,
                DriveSessionStarted.class.getName(), vehicle);
    }

    static void awaitSessions(String vehicle, int n, CompletableFuture<CliRun> run) {
        Await.until(n + " session(s) of " + vehicle + " in the cloud", Duration.ofSeconds(120),
                () -> run.isDone() || cloudSessions(vehicle).size() >= n, () -> "");
        assertThat(run).as("the run ended before the assignment could change").isNotDone();
    }

    static List<String> sessions(Path edgeDir) {
        try (EdgeJournal journal = EdgeJournal.open(edgeDir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES)) {
            List<String> ids = new ArrayList<>();
            journal.sessions().forEach(s -> ids.add(s.sessionId()));
            return ids;
        }
    }

    static JsonNode stored(String eventId) throws Exception {
        return JSON.readTree(jdbc().queryForObject("select convert_from(payload, 'UTF8') from domain_event_entry where event_identifier = ?",
                String.class, eventId));
    }

    static List<JsonNode> payloads(String session, Class<?> type) {
        return jdbc().queryForList("select convert_from(payload, 'UTF8') from domain_event_entry where aggregate_identifier = ? and"
                + " payload_type = ? order by sequence_number", String.class, session, type.getName()).stream().map(p -> {
                    try {
                        return JSON.readTree(p);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).toList();
    }

    static List<String> distinct(String session, Class<?> type, String field) {
        return payloads(session, type).stream().map(p -> p.path(field).asText()).distinct().toList();
    }

    static List<String> shadowModels(String session) {
        return payloads(session, ModelActivated.class).stream().filter(p -> p.path("role").asText().equals("shadow"))
                .map(p -> p.path("modelSha256").asText()).toList();
    }

    static String assignedEventId(String vehicle, long revision) {
        return jdbc().queryForObject("select event_identifier from domain_event_entry where aggregate_identifier = ? and"
                + " convert_from(payload, 'UTF8')::jsonb ->> 'revision' = ?", String.class, VehicleAssignment.idFor(FLEET, vehicle),
                Long.toString(revision));
    }

    static String endReason(String session) throws Exception {
        return stored(EventIds.of(session, "DriveSessionEnded", 0)).get("endReason").asText();
    }

    @Test
    void aPolicyOnlyChallengerAssignedMidRunDecidesOnTheChampionsBoxesWithItsOwnVersion() throws Exception {
        String vehicle = "veh-policy-only";
        assign(vehicle, fastestdet, policy, null, null);
        Path edgeDir = dir.resolve("edge-policy-only");
        CompletableFuture<CliRun> run = edge(vehicle, edgeDir);
        awaitSessions(vehicle, 1, run);
        assign(vehicle, fastestdet, policy, null, early);
        CliRun r = run.get(300, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("assignment revision 2 (MQTT): shadow challenger policy-only with policy " + EARLY + " " + early + " verified",
                "assignment revision 2: shadow challenger policy-only with policy " + EARLY + " " + early + " (verified); a new session starts on it");
        List<String> sessions = sessions(edgeDir);
        assertThat(sessions).hasSize(2);
        String before = sessions.get(0);
        String after = sessions.get(1);
        assertThat(endReason(before)).isEqualTo(EdgePipeline.ASSIGNMENT_CHANGED);
        assertThat(payloads(before, ShadowDetectionsObserved.class)).as("no shadow before the challenger").isEmpty();
        assertThat(endReason(after)).isEqualTo("max-frames");
        JsonNode primary = stored(EventIds.of(after, "ModelActivated", "primary"));
        assertThat(primary.get("modelSha256").asText()).as("the champion is unchanged").isEqualTo(fastestdet);
        assertThat(JSON.convertValue(primary.get("causes"), List.class)).containsExactly(assignedEventId(vehicle, 2));
        assertThat(shadowModels(after)).as("no second model").isEmpty();

        // The champion decides as before, with its own policy; the shadow decides on its boxes with the challenger's.
        assertThat(stored(EventIds.of(after, "DriveSessionStarted", 0)).get("policyVersion").asText()).isEqualTo("sightline-risk-shadow-live");
        assertThat(distinct(after, DetectionObserved.class, "modelSha256")).containsExactly(fastestdet);
        assertThat(distinct(after, RiskAssessed.class, "policyVersion")).containsExactly("sightline-risk-shadow-live");
        assertThat(distinct(after, AlertRaised.class, "policyVersion")).isSubsetOf("sightline-risk-shadow-live");
        List<JsonNode> shadowed = payloads(after, ShadowDetectionsObserved.class);
        assertThat(shadowed).isNotEmpty().allSatisfy(d -> {
            assertThat(d.path("modelSha256").asText()).isIn(fastestdet);
            assertThat(d.path("inferenceNanos").asLong()).as("no second inference").isZero();
        });
        assertThat(distinct(after, ShadowRiskAssessed.class, "policyVersion")).containsExactly(EARLY);
        List<JsonNode> shadowAlerts = payloads(after, ShadowAlertRaised.class);
        assertThat(shadowAlerts).as("the early-warning policy raises alerts on the clip's slower lead").isNotEmpty()
                .allSatisfy(a -> assertThat(a.path("policyVersion").asText()).isEqualTo(EARLY));
        long frames = payloads(after, FrameCaptured.class).size();
        assertThat((long) shadowed.size()).as("the policy-only shadow runs on (nearly) every frame: it costs no inference")
                .isGreaterThanOrEqualTo(frames * 9 / 10);
    }

    @Test
    void aChangeOfChallengerAloneTakesEffectMidRun() throws Exception {
        String vehicle = "veh-challenger-change";
        // YOLOX-nano in shadow from the start, then the same vehicle's challenger becomes a policy alone, then none.
        assign(vehicle, fastestdet, policy, yolox, null);
        Path edgeDir = dir.resolve("edge-change");
        CompletableFuture<CliRun> run = edge(vehicle, edgeDir);
        awaitSessions(vehicle, 1, run);
        assign(vehicle, fastestdet, policy, null, early);
        awaitSessions(vehicle, 2, run);
        assign(vehicle, fastestdet, policy, null, null);
        CliRun r = run.get(300, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("assignment revision 3: no shadow challenger (verified); a new session starts on it");
        List<String> sessions = sessions(edgeDir);
        assertThat(sessions).hasSize(3);
        String model = sessions.get(0);
        String policyOnly = sessions.get(1);
        String none = sessions.get(2);
        assertThat(endReason(model)).isEqualTo(EdgePipeline.ASSIGNMENT_CHANGED);
        assertThat(shadowModels(model)).containsExactly(yolox);
        assertThat(distinct(model, ShadowDetectionsObserved.class, "modelSha256")).containsExactly(yolox);
        assertThat(distinct(model, ShadowRiskAssessed.class, "policyVersion")).isSubsetOf("sightline-risk-shadow-live");

        assertThat(endReason(policyOnly)).isEqualTo(EdgePipeline.ASSIGNMENT_CHANGED);
        assertThat(shadowModels(policyOnly)).isEmpty();
        assertThat(distinct(policyOnly, ShadowDetectionsObserved.class, "modelSha256")).containsExactly(fastestdet);
        assertThat(distinct(policyOnly, ShadowRiskAssessed.class, "policyVersion")).isSubsetOf(EARLY);
        assertThat(JSON.convertValue(stored(EventIds.of(policyOnly, "ModelActivated", "primary")).get("causes"), List.class))
                .containsExactly(assignedEventId(vehicle, 2));

        assertThat(endReason(none)).isEqualTo("max-frames");
        assertThat(shadowModels(none)).isEmpty();
        assertThat(payloads(none, ShadowDetectionsObserved.class)).as("the challenger removed mid-run runs no more").isEmpty();
        assertThat(distinct(none, DetectionObserved.class, "modelSha256")).containsExactly(fastestdet);
    }

    @Test
    void aChampionModelAndAChallengerPolicyThatNoLongerHashToTheirSha256AreRefusedMidRunAndTheLastKnownGoodServesEveryFrame()
            throws Exception {
        String vehicle = "veh-wrong-sha";
        String tamperedPolicy = registerPolicy(RiskPolicy.defaults().forwardCollision(), "sightline-risk-tampered");
        assign(vehicle, fastestdet, policy, null, null);
        Path edgeDir = dir.resolve("edge-wrong-sha");
        List<Path> blobs = List.of(blob(yolox), blob(tamperedPolicy));
        List<byte[]> originals = new ArrayList<>();
        for (Path b : blobs) {
            originals.add(Files.readAllBytes(b));
        }
        CliRun r;
        try {
            CompletableFuture<CliRun> run = edge(vehicle, edgeDir);
            awaitSessions(vehicle, 1, run);
            // The bytes in the cloud's blob store change after registration: they no longer hash to the sha256 assigned.
            for (int i = 0; i < blobs.size(); i++) {
                byte[] tampered = originals.get(i).clone();
                tampered[tampered.length / 2] ^= 1;
                Files.write(blobs.get(i), tampered);
            }
            assign(vehicle, yolox, policy, null, tamperedPolicy);
            r = run.get(300, TimeUnit.SECONDS);
        } finally {
            for (int i = 0; i < blobs.size(); i++) {
                Files.write(blobs.get(i), originals.get(i));
            }
        }
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        List<String> sessions = sessions(edgeDir);
        assertThat(sessions).as("nothing to switch to: one session").hasSize(1);
        String session = sessions.get(0);
        List<JsonNode> modelRefusals = payloads(session, io.sightline.domain.event.ModelRejected.class);
        assertThat(modelRefusals).singleElement().satisfies(m -> {
            assertThat(m.path("expectedSha256").asText()).isEqualTo(yolox);
            assertThat(m.path("reason").asText()).contains("cannot download model " + yolox).contains("hashes to").contains("not its name");
        });
        List<JsonNode> policyRefusals = payloads(session, io.sightline.domain.event.PolicyRejected.class);
        assertThat(policyRefusals).singleElement().satisfies(p -> {
            assertThat(p.path("expectedSha256").asText()).isEqualTo(tamperedPolicy);
            assertThat(p.path("reason").asText()).contains("cannot download policy " + tamperedPolicy).contains("hashes to");
        });
        assertThat(r.out()).contains("challenger policy " + tamperedPolicy + " refused: ", "the shadow runs no challenger, the champion is unaffected");
        assertThat(payloads(session, ShadowDetectionsObserved.class)).as("the refused challenger never ran").isEmpty();
        assertThat(distinct(session, DetectionObserved.class, "modelSha256")).as("the last known good serves").containsExactly(fastestdet);
        JsonNode end = stored(EventIds.of(session, "DriveSessionEnded", 0));
        assertThat(end.get("endReason").asText()).isEqualTo("max-frames");
        assertThat(end.get("framesCaptured").asLong() + end.get("framesDropped").asLong()).as("every frame of the run went through")
                .isEqualTo(MAX_FRAMES);
        assertThat(payloads(session, FrameCaptured.class)).hasSize((int) end.get("framesCaptured").asLong());
        assertThat(edgeDir.resolve("models").resolve(yolox)).as("nothing unverified is installed").doesNotExist();
        assertThat(edgeDir.resolve("policies").resolve(tamperedPolicy + ".json")).doesNotExist();
    }

    static Path blob(String sha) {
        Path b = dir.resolve("blobs").resolve(sha.substring(0, 2)).resolve(sha);
        assertThat(b).as("the registry's blob of " + sha).exists();
        return b;
    }
}
