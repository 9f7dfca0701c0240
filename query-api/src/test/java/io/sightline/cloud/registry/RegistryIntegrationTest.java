package io.sightline.cloud.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.testing.CloudHttp;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.testkit.ProjectHomeExtension;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code /api/v1/registry} against the real PostgreSQL with the bundled ONNX models: a signed
 * FastestDet and a signed policy are registered once, listed, downloaded byte for byte, and carry
 * their evaluations as causes; every bad upload is refused with a problem detail and stores nothing.
 */
@CloudIntegrationTest
@ExtendWith(ProjectHomeExtension.class)
class RegistryIntegrationTest {

    static final KeyPair RELEASE = keyPair();
    static final KeyPair STRANGER = keyPair();
    static final String RELEASE_ID = ReleaseStatement.keyId(RELEASE.getPublic());
    /** Between FastestDet (998,169 bytes) and YOLOX-nano (3,660,092 bytes). */
    static final long LIMIT_BYTES = 2_000_000;
    static final Path BLOBS = Path.of("target", "registry-it-" + UUID.randomUUID());
    private static final ObjectMapper JSON = new ObjectMapper();

    @DynamicPropertySource
    static void registry(DynamicPropertyRegistry properties) {
        properties.add("sightline.registry.dir", () -> BLOBS.toAbsolutePath().toString());
        properties.add("sightline.registry.max-artifact-bytes", () -> LIMIT_BYTES);
        properties.add("sightline.registry.trusted-keys", () -> ReleaseStatement.pem("PUBLIC KEY", RELEASE.getPublic().getEncoded()));
    }

    @Autowired
    CloudHttp http;
    @Autowired
    JdbcTemplate jdbc;

    static KeyPair keyPair() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path models() {
        return Path.of(System.getProperty("sightline.home")).resolve("models");
    }

    private String admin() {
        return http.token("release-pipeline", "fleet-a", Roles.ADMIN);
    }

    static String modelUpload(byte[] model, byte[] manifest, KeyPair signer, String keyId) throws Exception {
        JsonNode m = JSON.readTree(manifest);
        ReleaseStatement s = new ReleaseStatement("model", m.get("name").asText(), m.get("version").asText(), ReleaseStatement.sha256Hex(model),
                model.length, ReleaseStatement.sha256Hex(manifest));
        ObjectNode body = JSON.createObjectNode();
        body.put("manifestBase64", Base64.getEncoder().encodeToString(manifest));
        body.put("artifactBase64", Base64.getEncoder().encodeToString(model));
        body.put("keyId", keyId);
        body.put("signatureBase64", signer == null ? null : s.sign(signer.getPrivate()));
        return JSON.writeValueAsString(body);
    }

    static String policyUpload(byte[] policy, String version, KeyPair signer, String keyId) throws Exception {
        ReleaseStatement s = new ReleaseStatement("policy", "policy", version, ReleaseStatement.sha256Hex(policy), policy.length, "-");
        ObjectNode body = JSON.createObjectNode();
        body.put("artifactBase64", Base64.getEncoder().encodeToString(policy));
        body.put("keyId", keyId);
        body.put("signatureBase64", s.sign(signer.getPrivate()));
        return JSON.writeValueAsString(body);
    }

    /** The default policy under another version and ego half-width: a real policy file, as the edge reads one. */
    static byte[] policy(String version, double egoHalfWidthM) {
        RiskPolicy d = RiskPolicy.defaults();
        return new RiskPolicy(version, egoHalfWidthM, d.forwardCollision(), d.followingDistance(), d.vulnerableRoadUser()).toJson()
                .getBytes(StandardCharsets.UTF_8);
    }

    private long events(String aggregateId) {
        return jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ?", Long.class, aggregateId);
    }

    private long registryEvents() {
        return jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier like 'registry/%'", Long.class);
    }

    private boolean blobStored(String sha256) {
        return Files.exists(BLOBS.resolve(sha256.substring(0, 2)).resolve(sha256));
    }

    @Test
    void aSignedModelIsRegisteredOnceWithItsEvaluationsAndDownloadedByteForByte() throws Exception {
        byte[] model = Files.readAllBytes(models().resolve("fastestdet/FastestDet.onnx"));
        byte[] manifest = Files.readAllBytes(models().resolve("fastestdet/manifest.json"));
        String sha = ReleaseStatement.sha256Hex(model);
        HttpResponse<String> evaluation = http.postJson("/api/v1/evaluations", admin(), "{\"evaluationId\":\"eval-fastestdet\","
                + "\"policyVersion\":\"sightline-risk-1.0.0\",\"modelSha256\":\"" + sha + "\",\"suite\":\"nhtsa-fcw\",\"suiteSha256\":\""
                + "cd".repeat(32) + "\",\"seed\":1,\"runsPerCell\":2,\"families\":1,\"runs\":2,\"failedRuns\":0,\"gate\":null,"
                + "\"gatePassed\":null,\"gateBoundsFailed\":0,\"familyResults\":[],\"tool\":\"test\",\"completedAtNanos\":1765000000000000000}");
        assertThat(evaluation.statusCode()).as(evaluation.body()).isEqualTo(201);
        String evaluationEventId = JSON.readTree(evaluation.body()).get("eventId").asText();

        HttpResponse<String> first = http.postJson("/api/v1/registry/models", admin(), modelUpload(model, manifest, RELEASE, RELEASE_ID));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        JsonNode registered = JSON.readTree(first.body());
        assertThat(registered.get("sha256").asText()).isEqualTo(sha);
        assertThat(registered.get("registryId").asText()).isEqualTo("registry/model/fastestdet/50473cd");
        assertThat(registered.get("evaluationEventIds")).extracting(JsonNode::asText).containsExactly(evaluationEventId);
        HttpResponse<String> again = http.postJson("/api/v1/registry/models", admin(), modelUpload(model, manifest, RELEASE, RELEASE_ID));
        assertThat(again.statusCode()).as("the same bytes again: " + again.body()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).get("alreadyRegistered").asBoolean()).isTrue();
        assertThat(events("registry/model/fastestdet/50473cd")).as("stored once").isEqualTo(1);
        assertThat(blobStored(sha)).isTrue();

        String auditor = http.token("audrey", "fleet-a", Roles.AUDITOR);
        JsonNode listed = JSON.readTree(http.get("/api/v1/registry/models", auditor).body());
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).get("sizeBytes").asLong()).isEqualTo(model.length);
        assertThat(listed.get(0).get("keyId").asText()).isEqualTo(RELEASE_ID);
        HttpResponse<String> one = http.get("/api/v1/registry/models/" + sha, http.token("ivan", "fleet-a", Roles.INVESTIGATOR));
        assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
        JsonNode event = JSON.readTree(one.body()).get("registration");
        assertThat(event.get("decoderKind").asText()).isEqualTo("fastestdet-stride16");
        assertThat(event.get("classes")).hasSize(80);
        assertThat(event.get("registeredBy").asText()).isEqualTo("release-pipeline");
        assertThat(event.get("manifestJson").asText().getBytes(StandardCharsets.UTF_8)).as("the manifest as signed").isEqualTo(manifest);
        assertThat(event.get("causes")).extracting(JsonNode::asText).containsExactly(evaluationEventId);
        assertThat(new ReleaseStatement("model", "fastestdet", "50473cd", sha, model.length, ReleaseStatement.sha256Hex(manifest))
                .verify(RELEASE.getPublic(), event.get("signatureBase64").asText())).as("the stored signature verifies").isTrue();

        HttpResponse<byte[]> artifact = http.send(http.request("/api/v1/registry/models/" + sha + "/artifact", auditor).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(artifact.statusCode()).isEqualTo(200);
        assertThat(artifact.body()).isEqualTo(model);
        assertThat(http.get("/api/v1/registry/models/" + "00".repeat(32), auditor).statusCode()).isEqualTo(404);
        assertThat(http.get("/api/v1/registry/models", http.token("sam", "fleet-a", Roles.SAFETY_APP)).statusCode()).isEqualTo(403);
    }

    @Test
    void aPolicyVersionCarriesItsEvaluationsAndOtherBytesUnderItsVersionAreRefused() throws Exception {
        String version = "sightline-risk-registry-test-1";
        HttpResponse<String> evaluation = http.postJson("/api/v1/evaluations", admin(), "{\"evaluationId\":\"eval-policy\","
                + "\"policyVersion\":\"" + version + "\",\"modelSha256\":null,\"suite\":\"nhtsa-fcw\",\"suiteSha256\":\""
                + "cd".repeat(32) + "\",\"seed\":1,\"runsPerCell\":2,\"families\":1,\"runs\":2,\"failedRuns\":0,\"gate\":null,"
                + "\"gatePassed\":null,\"gateBoundsFailed\":0,\"familyResults\":[],\"tool\":\"test\",\"completedAtNanos\":1765000000000000000}");
        String evaluationEventId = JSON.readTree(evaluation.body()).get("eventId").asText();
        byte[] policy = policy(version, 0.9);
        HttpResponse<String> stored = http.postJson("/api/v1/registry/policies", admin(), policyUpload(policy, version, RELEASE, RELEASE_ID));
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
        assertThat(JSON.readTree(stored.body()).get("evaluationEventIds")).extracting(JsonNode::asText).containsExactly(evaluationEventId);

        byte[] changed = policy(version, 1.0);
        assertThat(changed).isNotEqualTo(policy);
        HttpResponse<String> refused = http.postJson("/api/v1/registry/policies", admin(), policyUpload(changed, version, RELEASE, RELEASE_ID));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).get("detail").asText()).isEqualTo("policy version " + version
                + " is already registered with sha256 " + ReleaseStatement.sha256Hex(policy) + "; these bytes differ: register them under a new version");
        assertThat(events("registry/policy/" + version)).isEqualTo(1);
        assertThat(blobStored(ReleaseStatement.sha256Hex(changed))).as("the refused bytes are not stored").isFalse();

        String sha = ReleaseStatement.sha256Hex(policy);
        JsonNode one = JSON.readTree(http.get("/api/v1/registry/policies/" + sha, admin()).body());
        assertThat(one.get("entry").get("version").asText()).isEqualTo(version);
        HttpResponse<byte[]> artifact = http.send(http.request("/api/v1/registry/policies/" + sha + "/artifact", admin()).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(artifact.body()).isEqualTo(policy);
        assertThat(RiskPolicy.fromJson(new String(artifact.body(), StandardCharsets.UTF_8)).version()).isEqualTo(version);
    }

    /** One refused upload: its status, the detail's words, and nothing stored (no event, no new blob). */
    private void refused(String path, String bearer, String body, int status, String detailContains, String sha256) throws Exception {
        long before = registryEvents();
        // FastestDet's blob may be there already from the registration test; then it must simply stay.
        boolean blobBefore = sha256 != null && blobStored(sha256);
        HttpResponse<String> r = http.postJson(path, bearer, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        if (detailContains != null) {
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("application/problem+json"));
            assertThat(JSON.readTree(r.body()).get("detail").asText()).contains(detailContains);
        }
        assertThat(registryEvents()).as("no registration stored").isEqualTo(before);
        if (sha256 != null) {
            assertThat(blobStored(sha256)).as("no blob stored").isEqualTo(blobBefore);
        }
    }

    @Test
    void badUploadsAreRefusedWithProblemDetailsAndNothingIsStored() throws Exception {
        byte[] model = Files.readAllBytes(models().resolve("fastestdet/FastestDet.onnx"));
        byte[] manifestBytes = Files.readAllBytes(models().resolve("fastestdet/manifest.json"));
        String sha = ReleaseStatement.sha256Hex(model);
        ObjectNode manifest = (ObjectNode) JSON.readTree(manifestBytes);
        String path = "/api/v1/registry/models";

        // Not ONNX: a manifest that names these bytes, correctly signed.
        byte[] notOnnx = "this is not an ONNX graph".getBytes(StandardCharsets.UTF_8);
        ObjectNode forNotOnnx = manifest.deepCopy().put("version", "not-onnx").put("sha256", ReleaseStatement.sha256Hex(notOnnx))
                .put("bytes", notOnnx.length);
        refused(path, admin(), modelUpload(notOnnx, JSON.writeValueAsBytes(forNotOnnx), RELEASE, RELEASE_ID), 400,
                "is not an ONNX model that ONNX Runtime", ReleaseStatement.sha256Hex(notOnnx));

        // The manifest's classes do not fit the graph's output.
        ObjectNode fewerClasses = manifest.deepCopy().put("version", "79-classes");
        ((ArrayNode) fewerClasses.get("classes")).remove(79);
        refused(path, admin(), modelUpload(model, JSON.writeValueAsBytes(fewerClasses), RELEASE, RELEASE_ID), 400,
                "the manifest lists 79 classes, so a fastestdet-stride16 output needs 84 values", sha);

        // The manifest's input shape is not the graph's.
        ObjectNode wrongInput = manifest.deepCopy().put("version", "wrong-input");
        ArrayNode shape = (ArrayNode) wrongInput.get("input").get("shape");
        shape.set(2, JSON.getNodeFactory().numberNode(416));
        shape.set(3, JSON.getNodeFactory().numberNode(416));
        refused(path, admin(), modelUpload(model, JSON.writeValueAsBytes(wrongInput), RELEASE, RELEASE_ID), 400,
                "the ONNX graph's input 'input.1' has shape [1, 3, 352, 352] but the manifest says [1, 3, 416, 416]", sha);

        // The manifest names other bytes (YOLOX-nano's manifest with FastestDet's weights).
        byte[] yoloxManifest = Files.readAllBytes(models().resolve("yolox_nano/manifest.json"));
        refused(path, admin(), modelUpload(model, yoloxManifest, RELEASE, RELEASE_ID), 400,
                "the manifest says sha256 695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14 but the uploaded model's is " + sha, sha);

        // Above the configured limit: YOLOX-nano, otherwise valid and signed.
        byte[] yolox = Files.readAllBytes(models().resolve("yolox_nano/yolox_nano.onnx"));
        refused(path, admin(), modelUpload(yolox, yoloxManifest, RELEASE, RELEASE_ID), 413,
                "accepts artifacts of at most " + LIMIT_BYTES + " bytes", ReleaseStatement.sha256Hex(yolox));

        // Forged: signed by another key, presented under the release key's id.
        refused(path, admin(), modelUpload(model, manifestBytes, STRANGER, RELEASE_ID), 400,
                "the signature does not verify with key " + RELEASE_ID, sha);
        // Signed honestly, but by a key nobody trusts.
        String strangerId = ReleaseStatement.keyId(STRANGER.getPublic());
        refused(path, admin(), modelUpload(model, manifestBytes, STRANGER, strangerId), 400,
                "key id " + strangerId + " is not a trusted release key (trusted: " + RELEASE_ID + ")", sha);
        // Unsigned.
        refused(path, admin(), modelUpload(model, manifestBytes, null, null), 400, "the upload is unsigned", sha);
        // Bytes changed after signing: the signature was over the original's sha256.
        ObjectNode tampered = (ObjectNode) JSON.readTree(modelUpload(model, manifestBytes, RELEASE, RELEASE_ID));
        byte[] flipped = model.clone();
        flipped[flipped.length / 2] ^= 1;
        tampered.put("artifactBase64", Base64.getEncoder().encodeToString(flipped));
        refused(path, admin(), JSON.writeValueAsString(tampered), 400, "the signature does not verify", ReleaseStatement.sha256Hex(flipped));
        // A manifest changed after signing (same bytes): the statement's manifest sha256 no longer matches.
        ObjectNode reManifested = (ObjectNode) JSON.readTree(modelUpload(model, manifestBytes, RELEASE, RELEASE_ID));
        reManifested.put("manifestBase64", Base64.getEncoder().encodeToString(JSON.writeValueAsBytes(manifest.deepCopy().put("licence", "MIT"))));
        refused(path, admin(), JSON.writeValueAsString(reManifested), 400, "the signature does not verify", sha);
        // Not an admin.
        refused(path, http.token("ivan", "fleet-a", Roles.INVESTIGATOR), modelUpload(model, manifestBytes, RELEASE, RELEASE_ID), 403, null, null);
        // Not a risk policy.
        byte[] notPolicy = "{\"version\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        refused("/api/v1/registry/policies", admin(), policyUpload(notPolicy, "x", RELEASE, RELEASE_ID), 400,
                "the policy is not a valid risk policy", ReleaseStatement.sha256Hex(notPolicy));
    }

    @Test
    void aVehicleIsAssignedRegisteredVersionsAndPollsItsAssignmentWithAnETag() throws Exception {
        byte[] model = Files.readAllBytes(models().resolve("fastestdet/FastestDet.onnx"));
        byte[] manifest = Files.readAllBytes(models().resolve("fastestdet/manifest.json"));
        HttpResponse<String> m = http.postJson("/api/v1/registry/models", admin(), modelUpload(model, manifest, RELEASE, RELEASE_ID));
        assertThat(m.statusCode()).as(m.body()).isIn(200, 201);
        byte[] policy = policy("sightline-risk-assignment-1", 0.9);
        assertThat(http.postJson("/api/v1/registry/policies", admin(), policyUpload(policy, "sightline-risk-assignment-1", RELEASE, RELEASE_ID))
                .statusCode()).isEqualTo(201);
        String modelSha = ReleaseStatement.sha256Hex(model);
        String policySha = ReleaseStatement.sha256Hex(policy);
        String path = "/api/v1/assignments/fleet-a/vehicle-7";

        String unregistered = "{\"championModelSha256\":\"" + "ee".repeat(32) + "\",\"championPolicySha256\":\"" + policySha + "\"}";
        HttpResponse<String> refused = http.send(http.request(path, admin()).header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(unregistered)).build());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).get("detail").asText())
                .isEqualTo("championModelSha256 " + "ee".repeat(32) + " is not a registered model; register it first (./sightline registry add-model)");
        assertThat(events("assignment/fleet-a/vehicle-7")).isZero();

        String body = "{\"championModelSha256\":\"" + modelSha + "\",\"championPolicySha256\":\"" + policySha + "\"}";
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> put = http.send(http.request(path, admin()).header("Content-Type", "application/json")
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build());
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            assertThat(JSON.readTree(put.body()).get("revision").asLong()).as("the same assignment keeps its revision").isEqualTo(1);
        }
        assertThat(events("assignment/fleet-a/vehicle-7")).isEqualTo(1);

        String reader = http.token("ivan", "fleet-a", Roles.INVESTIGATOR);
        HttpResponse<String> got = http.get(path, reader);
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.headers().firstValue("ETag")).hasValue("\"1\"");
        assertThat(JSON.readTree(got.body()).get("championModelSha256").asText()).isEqualTo(modelSha);
        HttpResponse<String> unchanged = http.send(http.request(path, reader).header("If-None-Match", "\"1\"").GET().build());
        assertThat(unchanged.statusCode()).isEqualTo(304);
        assertThat(http.get("/api/v1/assignments/fleet-a/vehicle-8", reader).statusCode()).isEqualTo(404);
        assertThat(http.send(http.request(path, reader).header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build()).statusCode()).as("only an admin assigns").isEqualTo(403);

        // A challenger policy (ADR-0043): unregistered is refused and changes nothing; registered, alone in shadow, is revision 2.
        String unknownChallenger = body.replace("}", ",\"challengerPolicySha256\":\"" + "dd".repeat(32) + "\",\"challengerMode\":\"shadow\"}");
        HttpResponse<String> unknown = http.send(http.request(path, admin()).header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(unknownChallenger)).build());
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(400);
        assertThat(JSON.readTree(unknown.body()).get("detail").asText())
                .isEqualTo("challengerPolicySha256 " + "dd".repeat(32) + " is not a registered policy; register it first (./sightline registry add-policy)");
        assertThat(events("assignment/fleet-a/vehicle-7")).isEqualTo(1);
        byte[] challenger = policy("sightline-risk-assignment-challenger", 0.8);
        assertThat(http.postJson("/api/v1/registry/policies", admin(), policyUpload(challenger, "sightline-risk-assignment-challenger", RELEASE,
                RELEASE_ID)).statusCode()).isEqualTo(201);
        String challengerSha = ReleaseStatement.sha256Hex(challenger);
        HttpResponse<String> withChallenger = http.send(http.request(path, admin()).header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body.replace("}", ",\"challengerPolicySha256\":\"" + challengerSha
                        + "\",\"challengerMode\":\"shadow\"}"))).build());
        assertThat(withChallenger.statusCode()).as(withChallenger.body()).isEqualTo(200);
        assertThat(JSON.readTree(withChallenger.body()).get("revision").asLong()).isEqualTo(2);
        HttpResponse<String> polled = http.send(http.request(path, reader).header("If-None-Match", "\"1\"").GET().build());
        assertThat(polled.statusCode()).isEqualTo(200);
        assertThat(polled.headers().firstValue("ETag")).hasValue("\"2\"");
        assertThat(JSON.readTree(polled.body()).get("challengerPolicySha256").asText()).as("the polled assignment carries it")
                .isEqualTo(challengerSha);
    }
}
