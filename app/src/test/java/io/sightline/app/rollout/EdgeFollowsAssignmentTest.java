package io.sightline.app.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.app.CliRun;
import io.sightline.app.TestCloudArgs;
import io.sightline.app.fleet.FleetCloud;
import io.sightline.app.clip.HazardClipCommand;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.rollout.RolloutService;
import io.sightline.cloud.security.Roles;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.inference.ProjectHome;
import io.sightline.runtime.EdgePipeline;
import io.sightline.testkit.Await;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.testkit.TestPostgres;
import io.sightline.uplink.journal.EdgeJournal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
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
 * {@code ./sightline edge --follow-assignment} (issue 17 §2) against a running cloud with the real
 * models: a vehicle runs the champion its assignment names, verified against the release key it
 * trusts; a vehicle that trusts another key refuses the challenger a rollout assigned it, journals
 * ModelRejected, runs what it was started with, and the rollout's edge-refusals gate halts the rollout
 * with that refusal as its cause (issue 17 §5's edge refusal, on one vehicle).
 */
@ExtendWith(ProjectHomeExtension.class)
class EdgeFollowsAssignmentTest {

    static final String FLEET = "fleet-follow";
    private static final ObjectMapper JSON = new ObjectMapper();
    static TestPostgres.Database db;
    static ConfigurableApplicationContext cloud;
    static KeyPair release;
    static String fastestdet;
    static String yolox;
    static String policy;

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
    static void cloudWithRegisteredModels() throws Exception {
        release = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Files.writeString(dir.resolve("release.pub"), ReleaseStatement.pem("PUBLIC KEY", release.getPublic().getEncoded()));
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Files.writeString(dir.resolve("other.pub"), ReleaseStatement.pem("PUBLIC KEY", other.getPublic().getEncoded()));
        db = TestPostgres.freshDatabase("edge_follows");
        cloud = new SpringApplicationBuilder(SightlineCloudApplication.class).web(WebApplicationType.SERVLET)
                .run(TestCloudArgs.of(db, "--server.port=0", "--sightline.registry.dir=" + dir.resolve("blobs"),
                        "--sightline.registry.trusted-key-files=" + dir.resolve("release.pub"), "--sightline.rollouts.scheduler.enabled=false"));
        fastestdet = registerModel("fastestdet", "FastestDet.onnx");
        yolox = registerModel("yolox_nano", "yolox_nano.onnx");
        RiskPolicy d = RiskPolicy.defaults();
        byte[] bytes = new RiskPolicy("sightline-risk-follow", d.egoHalfWidthM(), d.forwardCollision(), d.followingDistance(),
                d.vulnerableRoadUser()).toJson().getBytes(StandardCharsets.UTF_8);
        policy = ReleaseStatement.sha256Hex(bytes);
        ObjectNode body = JSON.createObjectNode();
        body.put("artifactBase64", Base64.getEncoder().encodeToString(bytes));
        body.put("keyId", ReleaseStatement.keyId(release.getPublic()));
        body.put("signatureBase64", new ReleaseStatement("policy", "policy", "sightline-risk-follow", policy, bytes.length, "-")
                .sign(release.getPrivate()));
        assertThat(send("POST", "/api/v1/registry/policies", body.toString()).statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        if (cloud != null) {
            cloud.close();
        }
        TestPostgres.drop(db);
    }

    static void assign(String vehicle, String model) throws Exception {
        HttpResponse<String> r = send("PUT", "/api/v1/assignments/" + FLEET + "/" + vehicle,
                "{\"championModelSha256\":\"" + model + "\",\"championPolicySha256\":\"" + policy + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    /**
     * Registers the device as an operator would (into the fleet of the admin's token, bound to its vehicle), then runs 15 frames
     * of the bundled clip on FastestDet unless the assignment says otherwise. No token: the vehicle reads its assignment and
     * the registry with its device key (ADR-0042).
     */
    static CliRun edge(String vehicle, Path edgeDir, String trustedKey) throws Exception {
        String device = "dev-" + vehicle;
        CliRun printed = CliRun.of("edge", "--print-device-key", "--device-id", device, "--edge-dir", edgeDir.toString(),
                "--fleet", FLEET, "--vehicle", vehicle);
        String key = printed.out().lines().filter(l -> l.startsWith("publicKeyX509 ")).findFirst().orElseThrow().substring(14).trim();
        // Bound to its vehicle (V19), as the printed request does: it reads and downloads only that vehicle's assignment.
        assertThat(printed.out()).contains("vehicleId " + vehicle);
        HttpResponse<String> registered = send("PUT", "/api/v1/admin/devices/" + device, "{\"publicKeyX509\":\"" + key
                + "\",\"vehicleId\":\"" + vehicle + "\"}");
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        return CliRun.of("edge", "--cloud-url", url(), "--video", ProjectHome.get().resolve(HazardClipCommand.DEFAULT_OUT).toString(),
                "--model", "fastestdet", "--max-frames", "15", "--fleet", FLEET, "--vehicle", vehicle, "--device-id", device,
                "--edge-dir", edgeDir.toString(), "--upload-timeout", "60", "--follow-assignment", "--trusted-release-key",
                dir.resolve(trustedKey).toString());
    }

    static String sessionOf(Path edgeDir) {
        try (EdgeJournal journal = EdgeJournal.open(edgeDir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES)) {
            return journal.sessions().get(0).sessionId();
        }
    }

    static List<String> storedTypes(String sessionId) {
        return cloud.getBean(JdbcTemplate.class).queryForList("select payload_type from domain_event_entry where aggregate_identifier = ?"
                + " order by sequence_number limit 4", String.class, sessionId).stream().map(t -> t.substring(t.lastIndexOf('.') + 1)).toList();
    }

    static String primaryModel(String sessionId) {
        return cloud.getBean(JdbcTemplate.class).queryForObject("select convert_from(payload, 'UTF8')::jsonb ->> 'modelSha256'"
                + " from domain_event_entry where event_identifier = ?", String.class, EventIds.of(sessionId, "ModelActivated", "primary"));
    }

    @Test
    void aVehicleRunsTheVerifiedChampionItsAssignmentNames() throws Exception {
        assign("veh-follow", yolox);
        Path edgeDir = dir.resolve("edge-follow");
        CliRun r = edge("veh-follow", edgeDir, "release.pub");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("assignment revision 1: model yolox-nano", yolox + " (verified)");
        String session = sessionOf(edgeDir);
        assertThat(primaryModel(session)).as("the assigned model, not --model fastestdet").isEqualTo(yolox);
        assertThat(edgeDir.resolve("models").resolve(yolox).resolve("manifest.json")).exists();
    }

    @Test
    void aVehicleThatCannotVerifyTheChallengerRefusesItAndTheRolloutHaltsOnTheRefusal() throws Exception {
        assign("veh-refuse", fastestdet);
        RolloutService rollouts = cloud.getBean(RolloutService.class);
        RolloutService.StartRequest request = new RolloutService.StartRequest("follow-1", null, null, yolox, null,
                List.of(new io.sightline.domain.event.RolloutStep("canary", 100, 0)),
                List.of(new RolloutService.GateRequest("edge-refusals", null)), "halt");
        rollouts.start(FLEET, request, "ada", Instant.now());
        assertThat(rollouts.check("follow-1", Instant.now()).action()).isEqualTo("advanced");

        Path edgeDir = dir.resolve("edge-refuse");
        CliRun r = edge("veh-refuse", edgeDir, "other.pub");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("assigned model refused: model " + yolox + " is signed by key "
                + ReleaseStatement.keyId(release.getPublic()) + ", which this vehicle does not trust", "running the configured model");
        String session = sessionOf(edgeDir);
        // The vehicle trusts another key: the assigned policy is refused too, and the built-in policy decides (ADR-0035).
        assertThat(storedTypes(session)).containsExactly("DriveSessionStarted", "ModelRejected", "PolicyRejected", "ModelActivated");
        assertThat(primaryModel(session)).as("the vehicle runs what it was started with").isEqualTo(fastestdet);
        assertThat(edgeDir.resolve("models").resolve(yolox)).as("nothing unverified is installed").doesNotExist();

        JdbcTemplate jdbc = cloud.getBean(JdbcTemplate.class);
        Await.value("the refusal as gate evidence", Duration.ofSeconds(60),
                () -> jdbc.queryForObject("select count(*) from rollout_evidence where kind = 'model-rejected'", Long.class), n -> n == 1, () -> "");
        RolloutService.Decision d = rollouts.check("follow-1", Instant.now());
        assertThat(d.action()).isEqualTo("halted");
        assertThat(d.gates().get(0).causes()).containsExactly(EventIds.of(session, "ModelRejected", 0));
    }
}
