package io.sightline.app.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.app.TestCloudArgs;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.domain.event.ModelRejected;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.inference.ActivatedModel;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.SessionConfig;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.runtime.rollout.AssignmentFollower;
import io.sightline.runtime.rollout.ReleasedModelInstaller;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.testkit.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The edge's download, verification and activation of a registered model (issue 17 §2, first part),
 * against a running cloud and the real FastestDet through ONNX Runtime: a verified model activates;
 * a model signed by a key the vehicle does not trust, bytes changed in the cloud's store, or an
 * unknown sha256 are refused with ModelRejected and the last known good model keeps serving.
 */
@ExtendWith(ProjectHomeExtension.class)
class ReleasedModelActivationTest {

    static TestPostgres.Database db;
    static ConfigurableApplicationContext cloud;
    static KeyPair release;
    static String sha;

    @TempDir
    static Path dir;

    @BeforeAll
    static void registerFastestDet() throws Exception {
        release = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        db = TestPostgres.freshDatabase("registry_edge");
        cloud = new SpringApplicationBuilder(SightlineCloudApplication.class).web(WebApplicationType.SERVLET)
                .run(TestCloudArgs.of(db, "--server.port=0", "--sightline.registry.dir=" + dir.resolve("blobs"),
                        "--sightline.registry.trusted-keys=" + Base64.getEncoder().encodeToString(release.getPublic().getEncoded())));
        Path models = ProjectHome.get().resolve("models/fastestdet");
        byte[] model = Files.readAllBytes(models.resolve("FastestDet.onnx"));
        byte[] manifest = Files.readAllBytes(models.resolve("manifest.json"));
        sha = ReleaseStatement.sha256Hex(model);
        ObjectNode body = new ObjectMapper().createObjectNode();
        body.put("manifestBase64", Base64.getEncoder().encodeToString(manifest));
        body.put("artifactBase64", Base64.getEncoder().encodeToString(model));
        body.put("keyId", ReleaseStatement.keyId(release.getPublic()));
        body.put("signatureBase64", new ReleaseStatement("model", "fastestdet", "50473cd", sha, model.length,
                ReleaseStatement.sha256Hex(manifest)).sign(release.getPrivate()));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + "/api/v1/registry/models"))
                .header("Authorization", "Bearer " + token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        if (cloud != null) {
            cloud.close();
        }
        TestPostgres.drop(db);
    }

    static String url() {
        return "http://localhost:" + cloud.getEnvironment().getProperty("local.server.port");
    }

    static String token() {
        return cloud.getBean(DemoTokens.class).mint("vehicle-7", "fleet-a", Duration.ofMinutes(10), Roles.ADMIN);
    }

    private ReleasedModelInstaller installer(Path root, KeyPair trusted) {
        return new ReleasedModelInstaller(URI.create(url()), ReleasedModelActivationTest::token,
                Map.of(ReleaseStatement.keyId(trusted.getPublic()), trusted.getPublic()), root);
    }

    @Test
    void aVerifiedModelActivatesAndARefusedOneLeavesTheLastKnownGoodServing() throws Exception {
        ActivatedModel good = installer(dir.resolve("edge-a"), release).activate(sha, "primary", SessionConfig.defaults());
        try {
            assertThat(good.event().modelSha256()).isEqualTo(sha);
            assertThat(good.event().modelName()).isEqualTo("fastestdet");
            assertThat(good.directory()).isEqualTo(dir.resolve("edge-a").resolve(sha));

            // A vehicle that trusts another release key refuses the same model.
            KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            ReleasedModelInstaller.Outcome untrusted = installer(dir.resolve("edge-b"), other)
                    .activateOrKeep(good, sha, "primary", SessionConfig.defaults());
            assertThat(untrusted.serving()).as("the last known good keeps serving").isSameAs(good);
            ModelRejected why = untrusted.rejected().orElseThrow();
            assertThat(why.reason()).isEqualTo("model " + sha + " is signed by key " + ReleaseStatement.keyId(release.getPublic())
                    + ", which this vehicle does not trust");
            assertThat(dir.resolve("edge-b").resolve(sha)).as("nothing unverified is installed").doesNotExist();

            // An assignment of bytes the registry never saw.
            ReleasedModelInstaller.Outcome unknown = installer(dir.resolve("edge-c"), release)
                    .activateOrKeep(good, "00".repeat(32), "primary", SessionConfig.defaults());
            assertThat(unknown.serving()).isSameAs(good);
            assertThat(unknown.rejected().orElseThrow().reason()).contains("answered HTTP 404");

            // Bytes changed in the cloud's blob store after registration: never served, never activated.
            Path blob = dir.resolve("blobs").resolve(sha.substring(0, 2)).resolve(sha);
            byte[] original = Files.readAllBytes(blob);
            byte[] tampered = original.clone();
            tampered[tampered.length / 2] ^= 1;
            Files.write(blob, tampered);
            try {
                ReleasedModelInstaller.Outcome corrupt = installer(dir.resolve("edge-d"), release)
                        .activateOrKeep(good, sha, "primary", SessionConfig.defaults());
                assertThat(corrupt.serving()).isSameAs(good);
                assertThat(corrupt.rejected().orElseThrow().reason()).contains("cannot download model " + sha)
                        .contains("answered HTTP 500: blob ").contains("hashes to " + ReleaseStatement.sha256Hex(tampered) + ", not its name");
                assertThat(dir.resolve("edge-d").resolve(sha)).doesNotExist();
            } finally {
                Files.write(blob, original);
            }
        } finally {
            good.detector().close();
        }
    }

    @Test
    void aVehicleThatWasOfflineConvergesOnItsCurrentAssignmentAndThenPollsWithItsETag() throws Exception {
        RiskPolicy d = RiskPolicy.defaults();
        byte[] policy = new RiskPolicy("sightline-risk-follow-1", 0.9, d.forwardCollision(), d.followingDistance(), d.vulnerableRoadUser())
                .toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ObjectNode p = new ObjectMapper().createObjectNode();
        p.put("artifactBase64", Base64.getEncoder().encodeToString(policy));
        p.put("keyId", ReleaseStatement.keyId(release.getPublic()));
        p.put("signatureBase64", new ReleaseStatement("policy", "policy", "sightline-risk-follow-1", ReleaseStatement.sha256Hex(policy),
                policy.length, "-").sign(release.getPrivate()));
        HttpClient client = HttpClient.newHttpClient();
        assertThat(client.send(HttpRequest.newBuilder(URI.create(url() + "/api/v1/registry/policies")).header("Authorization", "Bearer " + token())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(p.toString())).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(201);
        HttpResponse<String> assigned = client.send(HttpRequest.newBuilder(URI.create(url() + "/api/v1/assignments/fleet-a/vehicle-7"))
                .header("Authorization", "Bearer " + token()).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"championModelSha256\":\"" + sha + "\",\"championPolicySha256\":\""
                        + ReleaseStatement.sha256Hex(policy) + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(assigned.statusCode()).as(assigned.body()).isEqualTo(200);

        // The vehicle starts (or comes back) after the assignment was made, with no model yet.
        AssignmentFollower follower = new AssignmentFollower(URI.create(url()), "fleet-a", "vehicle-7", ReleasedModelActivationTest::token,
                installer(dir.resolve("edge-follow"), release), SessionConfig.defaults(), null);
        try {
            AssignmentFollower.Poll first = follower.pollOnce();
            assertThat(first.changed()).isTrue();
            assertThat(first.revision()).isEqualTo(1);
            assertThat(follower.serving().event().modelSha256()).isEqualTo(sha);
            AssignmentFollower.Poll second = follower.pollOnce();
            assertThat(second.changed()).as("304: nothing new").isFalse();
            assertThat(second.revision()).isEqualTo(1);
        } finally {
            if (follower.serving() != null) {
                follower.serving().detector().close();
            }
        }
    }
}
