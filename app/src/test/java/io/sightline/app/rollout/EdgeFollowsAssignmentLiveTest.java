package io.sightline.app.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.app.CliRun;
import io.sightline.app.TestCloudArgs;
import io.sightline.app.clip.HazardClipCommand;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.domain.rollout.VehicleAssignment;
import io.sightline.inference.FrameSource;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.VideoFrame;
import io.sightline.runtime.EdgePipeline;
import io.sightline.testkit.Await;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.testkit.TestBroker;
import io.sightline.testkit.TestPostgres;
import io.sightline.uplink.journal.EdgeJournal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
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
 * The edge follows its assignment while it runs (issue 17 §2, ADR-0035), against a running cloud on
 * PostgreSQL, a real Mosquitto of the test's own (so it can be stopped) and the real models: an
 * assignment changed mid-run arrives over the retained MQTT topic, the new model is verified off the
 * detector's thread, the session ends at the next frame and the next one runs the new model, its
 * {@code ModelActivated} caused by the cloud's {@code VehicleAssigned}; an edge cut off from the
 * broker while its assignment changed converges when it reconnects; a model the vehicle cannot verify
 * is refused mid-run, the refusal reaches the cloud and the old model keeps serving; an assigned
 * policy decides from the start, a policy signed by a key the vehicle does not trust is refused
 * mid-run, and a verified one takes over at the next session, every decision recording its version.
 *
 * <p>HTTP polling is off ({@code --assignment-poll-seconds 0}) so MQTT is the path under test.
 */
@ExtendWith(ProjectHomeExtension.class)
class EdgeFollowsAssignmentLiveTest {

    static final String FLEET = "fleet-live";
    static final String ROOT = "live";
    /** The clip re-timed to this rate: paced in real time, a run lasts long enough to change its assignment in the middle. */
    static final double SLOW_FPS = 8;
    static final int MAX_FRAMES = 200;
    private static final ObjectMapper JSON = new ObjectMapper();
    static TestBroker.RestartableBroker broker;
    static TestPostgres.Database db;
    static ConfigurableApplicationContext cloud;
    static KeyPair release;
    /** A key the cloud trusts and the vehicles (but veh-refuse) do not: what it signs, they refuse. */
    static KeyPair other;
    static String fastestdet;
    static String yolox;
    static String policy;
    static Path clip;

    @TempDir
    static Path dir;

    static String url() {
        return api().url();
    }

    static String token(String role) {
        return api().token(role);
    }

    static HttpResponse<String> send(String method, String path, String json) throws Exception {
        return api().send(method, path, json);
    }

    static io.sightline.app.fleet.CloudApi api() {
        return new io.sightline.app.fleet.CloudApi(cloud, FLEET);
    }

    static String registerModel(String dirName, String file) throws Exception {
        return api().registerModel(release, dirName, file);
    }

    @BeforeAll
    static void cloudBrokerAndModels() throws Exception {
        release = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Files.writeString(dir.resolve("release.pub"), ReleaseStatement.pem("PUBLIC KEY", release.getPublic().getEncoded()));
        other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Files.writeString(dir.resolve("other.pub"), ReleaseStatement.pem("PUBLIC KEY", other.getPublic().getEncoded()));
        broker = TestBroker.privateBroker();
        db = TestPostgres.freshDatabase("edge_follows_live");
        cloud = new SpringApplicationBuilder(SightlineCloudApplication.class).web(WebApplicationType.SERVLET)
                .run(TestCloudArgs.of(db, "--server.port=0", "--sightline.registry.dir=" + dir.resolve("blobs"),
                        "--sightline.registry.trusted-key-files=" + dir.resolve("release.pub") + "," + dir.resolve("other.pub"),
                        "--sightline.rollouts.scheduler.enabled=false",
                        "--sightline.ingest.mqtt.enabled=true", "--sightline.ingest.mqtt.url=" + broker.url(),
                        "--sightline.ingest.mqtt.topic-root=" + ROOT, "--sightline.ingest.mqtt.share-group=" + ROOT,
                        "--sightline.assignments.mqtt.enabled=true"));
        fastestdet = registerModel("fastestdet", "FastestDet.onnx");
        yolox = registerModel("yolox_nano", "yolox_nano.onnx");
        policy = registerPolicy("sightline-risk-live", release);
        Files.writeString(dir.resolve("reader-token"), cloud.getBean(DemoTokens.class).mint("vehicle", FLEET, Duration.ofMinutes(30),
                Roles.INVESTIGATOR));
        clip = slowClip(dir.resolve("slow.mp4"));
    }

    /** Registers the default thresholds under {@code version}, signed by {@code signer}; returns the sha256. */
    static String registerPolicy(String version, KeyPair signer) throws Exception {
        io.sightline.edge.risk.RiskPolicy d = io.sightline.edge.risk.RiskPolicy.defaults();
        byte[] bytes = new io.sightline.edge.risk.RiskPolicy(version, d.egoHalfWidthM(), d.forwardCollision(),
                d.followingDistance(), d.vulnerableRoadUser()).toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String sha = ReleaseStatement.sha256Hex(bytes);
        ObjectNode body = JSON.createObjectNode();
        body.put("artifactBase64", Base64.getEncoder().encodeToString(bytes));
        body.put("keyId", ReleaseStatement.keyId(signer.getPublic()));
        body.put("signatureBase64", new ReleaseStatement("policy", "policy", version, sha, bytes.length, "-").sign(signer.getPrivate()));
        HttpResponse<String> r = send("POST", "/api/v1/registry/policies", body.toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return sha;
    }

    /** The bundled clip's frames at {@link #SLOW_FPS}: the same pictures, paced slower, so a run lasts about 25 s. */
    static Path slowClip(Path out) throws Exception {
        try (FrameSource source = FrameSource.open(ProjectHome.get().resolve(HazardClipCommand.DEFAULT_OUT).toString());
             OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            FFmpegFrameRecorder r = new FFmpegFrameRecorder(out.toString(), source.width(), source.height(), 0);
            r.setFormat("mp4");
            r.setFrameRate(SLOW_FPS);
            r.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
            r.setVideoBitrate(4_000_000);
            r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            r.start();
            for (VideoFrame f; (f = source.next()) != null; ) {
                try (VideoFrame frame = f) {
                    r.record(converter.convert(frame.image()));
                }
            }
            r.stop();
            r.release();
        }
        return out;
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

    static void assign(String vehicle, String model) throws Exception {
        assign(vehicle, model, policy);
    }

    static void assign(String vehicle, String model, String policySha256) throws Exception {
        HttpResponse<String> r = send("PUT", "/api/v1/assignments/" + FLEET + "/" + vehicle,
                "{\"championModelSha256\":\"" + model + "\",\"championPolicySha256\":\"" + policySha256 + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    /** Registers the device, then runs the slow clip in real time on FastestDet, following the assignment over MQTT, in the background. */
    static CompletableFuture<CliRun> edge(String vehicle, Path edgeDir, String trustedKey) throws Exception {
        String device = "dev-" + vehicle;
        CliRun printed = CliRun.of("edge", "--print-device-key", "--device-id", device, "--edge-dir", edgeDir.toString());
        String key = printed.out().lines().filter(l -> l.startsWith("publicKeyX509 ")).findFirst().orElseThrow().substring(14).trim();
        assertThat(send("PUT", "/api/v1/admin/devices/" + device, "{\"publicKeyX509\":\"" + key + "\"}").statusCode()).isEqualTo(201);
        return CompletableFuture.supplyAsync(() -> CliRun.of("edge", "--cloud-url", url(), "--mqtt-url", broker.url(),
                "--mqtt-topic-root", ROOT, "--video", clip.toString(), "--realtime", "--model", "fastestdet",
                "--max-frames", Integer.toString(MAX_FRAMES), "--fleet", FLEET, "--vehicle", vehicle, "--device-id", device,
                "--edge-dir", edgeDir.toString(), "--upload-timeout", "90", "--follow-assignment", "--trusted-release-key",
                dir.resolve(trustedKey).toString(), "--assignment-token-file", dir.resolve("reader-token").toString(),
                "--assignment-poll-seconds", "0"));
    }

    static JdbcTemplate jdbc() {
        return cloud.getBean(JdbcTemplate.class);
    }

    /** Waits until the vehicle's first session reached the cloud: the edge is running. */
    static void awaitRunning(String vehicle, CompletableFuture<CliRun> run) {
        Await.until("the edge of " + vehicle + " is running", Duration.ofSeconds(120), () -> run.isDone() || jdbc().queryForObject(
                "select count(*) from domain_event_entry where payload_type = ? and convert_from(payload, 'UTF8')::jsonb ->> 'vehicleId' = ?",
                Long.class, io.sightline.domain.event.DriveSessionStarted.class.getName(), vehicle) > 0, () -> "");
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

    static String endReason(String session) throws Exception {
        return stored(EventIds.of(session, "DriveSessionEnded", 0)).get("endReason").asText();
    }

    static List<String> detectionModels(String session) {
        return jdbc().queryForList("select distinct convert_from(payload, 'UTF8')::jsonb ->> 'modelSha256' from domain_event_entry"
                + " where aggregate_identifier = ? and payload_type = ?", String.class, session,
                io.sightline.domain.event.DetectionObserved.class.getName());
    }

    static String assignedEventId(String vehicle, long revision) {
        return jdbc().queryForObject("select event_identifier from domain_event_entry where aggregate_identifier = ? and"
                + " convert_from(payload, 'UTF8')::jsonb ->> 'revision' = ?", String.class, VehicleAssignment.idFor(FLEET, vehicle),
                Long.toString(revision));
    }

    /** Both sessions, in the cloud: the first cut at a frame boundary on FastestDet, the second on YOLOX-nano caused by revision 2. */
    static void assertSwitchedToYolox(String vehicle, Path edgeDir, CliRun r) throws Exception {
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("assignment revision 2 (MQTT): model yolox-nano " + yolox + " verified",
                "assignment revision 2: model yolox-nano " + yolox + " (verified); a new session starts on it");
        List<String> sessions = sessions(edgeDir);
        assertThat(sessions).hasSize(2);
        String before = sessions.get(0);
        String after = sessions.get(1);
        assertThat(endReason(before)).isEqualTo(EdgePipeline.ASSIGNMENT_CHANGED);
        assertThat(detectionModels(before)).containsExactly(fastestdet);
        JsonNode activated = stored(EventIds.of(after, "ModelActivated", "primary"));
        assertThat(activated.get("modelSha256").asText()).isEqualTo(yolox);
        assertThat(JSON.convertValue(activated.get("causes"), List.class)).as("the switch names the assignment it followed")
                .containsExactly(assignedEventId(vehicle, 2));
        assertThat(detectionModels(after)).containsExactly(yolox);
        assertThat(endReason(after)).isEqualTo("max-frames");
        long frames = jdbc().queryForObject("select count(*) from domain_event_entry where aggregate_identifier in (?, ?) and payload_type = ?",
                Long.class, before, after, io.sightline.domain.event.FrameCaptured.class.getName());
        assertThat(frames).as("--max-frames bounds the run, not each session").isLessThanOrEqualTo(MAX_FRAMES);
        assertThat(Files.readString(edgeDir.resolve("models").resolve("last-known-good")).strip()).isEqualTo(yolox);
    }

    @Test
    void aRunningEdgeSwitchesModelWhenANewAssignmentArrivesOverMqtt() throws Exception {
        assign("veh-live", fastestdet);
        Path edgeDir = dir.resolve("edge-live");
        CompletableFuture<CliRun> run = edge("veh-live", edgeDir, "release.pub");
        awaitRunning("veh-live", run);
        assign("veh-live", yolox);
        assertSwitchedToYolox("veh-live", edgeDir, run.get(300, TimeUnit.SECONDS));
    }

    @Test
    void anEdgeCutOffFromTheBrokerWhileItsAssignmentChangedConvergesWhenItReconnects() throws Exception {
        assign("veh-offline", fastestdet);
        Path edgeDir = dir.resolve("edge-offline");
        CompletableFuture<CliRun> run = edge("veh-offline", edgeDir, "release.pub");
        awaitRunning("veh-offline", run);
        broker.stop();
        try {
            assign("veh-offline", yolox);
            Thread.sleep(1_500);
            assertThat(run).isNotDone();
        } finally {
            broker.start();
        }
        assertSwitchedToYolox("veh-offline", edgeDir, run.get(300, TimeUnit.SECONDS));
    }

    @Test
    void aModelTheVehicleCannotVerifyArrivingMidRunIsRefusedAndTheOldModelKeepsServing() throws Exception {
        // No assignment at start: the vehicle runs --model fastestdet, then is assigned a YOLOX-nano signed by a key it does not trust.
        Path edgeDir = dir.resolve("edge-refuse");
        CompletableFuture<CliRun> run = edge("veh-refuse", edgeDir, "other.pub");
        awaitRunning("veh-refuse", run);
        assign("veh-refuse", yolox);
        CliRun r = run.get(300, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        String reason = "model " + yolox + " is signed by key " + ReleaseStatement.keyId(release.getPublic()) + ", which this vehicle does not trust";
        assertThat(r.out()).contains("assignment revision 1 (MQTT): model " + yolox + " refused: " + reason);
        List<String> sessions = sessions(edgeDir);
        assertThat(sessions).as("no switch, one session").hasSize(1);
        String session = sessions.get(0);
        JsonNode rejected = stored(EventIds.of(session, "ModelRejected", "run-0"));
        assertThat(stored(EventIds.of(session, "PolicyRejected", "run-1")).get("reason").asText())
                .isEqualTo("policy " + policy + " is signed by key " + ReleaseStatement.keyId(release.getPublic()) + ", which this vehicle does not trust");
        assertThat(stored(EventIds.of(session, "DriveSessionStarted", 0)).get("policyVersion").asText()).as("the built-in policy decides")
                .isEqualTo(io.sightline.edge.risk.RiskPolicy.defaults().version());
        assertThat(rejected.get("expectedSha256").asText()).isEqualTo(yolox);
        assertThat(rejected.get("reason").asText()).isEqualTo(reason);
        assertThat(detectionModels(session)).as("the old model serves the whole run").containsExactly(fastestdet);
        assertThat(endReason(session)).isEqualTo("max-frames");
        assertThat(edgeDir.resolve("models").resolve(yolox)).as("nothing unverified is installed").doesNotExist();
        Await.value("the refusal as rollout gate evidence", Duration.ofSeconds(60), () -> jdbc().queryForObject(
                "select count(*) from rollout_evidence where kind = 'model-rejected' and session_id = ?", Long.class, session), n -> n == 1,
                () -> "");
    }

    static List<String> decisionPolicies(String session) {
        return jdbc().queryForList("select distinct convert_from(payload, 'UTF8')::jsonb ->> 'policyVersion' from domain_event_entry"
                + " where aggregate_identifier = ? and payload_type = ?", String.class, session, io.sightline.domain.event.RiskAssessed.class.getName());
    }

    @Test
    void anAssignedPolicyIsVerifiedAndDecidesAndATamperedOneIsRefused() throws Exception {
        String second = registerPolicy("sightline-risk-live-2", release);
        String untrusted = registerPolicy("sightline-risk-live-untrusted", other);
        assign("veh-policy", fastestdet);
        Path edgeDir = dir.resolve("edge-policy");
        CompletableFuture<CliRun> run = edge("veh-policy", edgeDir, "release.pub");
        awaitRunning("veh-policy", run);
        assign("veh-policy", fastestdet, untrusted);
        String first = Await.value("the first session", Duration.ofSeconds(60), () -> jdbc().queryForList(
                "select aggregate_identifier from domain_event_entry where payload_type = ? and convert_from(payload, 'UTF8')::jsonb ->> 'vehicleId' = ?",
                String.class, io.sightline.domain.event.DriveSessionStarted.class.getName(), "veh-policy"), l -> l.size() == 1, () -> "").get(0);
        Await.until("the refusal of the untrusted policy in the cloud", Duration.ofSeconds(90), () -> jdbc().queryForObject(
                "select count(*) from domain_event_entry where event_identifier = ?", Long.class, EventIds.of(first, "PolicyRejected", "run-0")) == 1,
                () -> "");
        // What the edge-refusals gate (version 2) reads: the refusal of that policy in the vehicle's session.
        Await.until("the policy refusal in the rollout evidence", Duration.ofSeconds(60), () -> jdbc().queryForObject(
                "select count(*) from rollout_evidence where kind = 'policy-rejected' and ref = ? and session_id = ?", Long.class, untrusted,
                first) == 1, () -> "");
        assign("veh-policy", fastestdet, second);
        CliRun r = run.get(300, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("assigned policy sightline-risk-live " + policy + " (verified)",
                "assignment revision 2 (MQTT): policy " + untrusted + " refused: policy " + untrusted + " is signed by key "
                        + ReleaseStatement.keyId(other.getPublic()) + ", which this vehicle does not trust",
                "assignment revision 3: policy sightline-risk-live-2 " + second + " (verified); a new session starts on it");
        List<String> sessions = sessions(edgeDir);
        assertThat(sessions).hasSize(2).startsWith(first);
        String after = sessions.get(1);
        assertThat(stored(EventIds.of(first, "DriveSessionStarted", 0)).get("policyVersion").asText()).isEqualTo("sightline-risk-live");
        assertThat(decisionPolicies(first)).as("the refused policy never decided").containsExactly("sightline-risk-live");
        assertThat(endReason(first)).isEqualTo(EdgePipeline.ASSIGNMENT_CHANGED);
        assertThat(stored(EventIds.of(after, "DriveSessionStarted", 0)).get("policyVersion").asText()).isEqualTo("sightline-risk-live-2");
        assertThat(decisionPolicies(after)).as("decisions after the switch record the new version").containsExactly("sightline-risk-live-2");
        JsonNode activated = stored(EventIds.of(after, "ModelActivated", "primary"));
        assertThat(activated.get("modelSha256").asText()).as("a policy-only switch keeps the model").isEqualTo(fastestdet);
        assertThat(JSON.convertValue(activated.get("causes"), List.class)).containsExactly(assignedEventId("veh-policy", 3));
        assertThat(Files.readString(edgeDir.resolve("policies").resolve("last-known-good")).strip()).isEqualTo(second);
    }
}
