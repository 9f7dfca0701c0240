package io.sightline.cloud.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.testing.CloudHttp;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.domain.ingest.DeviceRequestCredential;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.testkit.ProjectHomeExtension;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A vehicle reads its assignment and the registry's artifacts with its device key (ADR-0042), over real HTTP against the
 * real PostgreSQL: its own fleet's assignments and the artifacts only (its own vehicle's, when its key names the vehicle, V19),
 * and every way a device credential can be wrong is answered 401 with what to fix.
 */
@CloudIntegrationTest
@ExtendWith(ProjectHomeExtension.class)
class DeviceCredentialIntegrationTest {

    @DynamicPropertySource
    static void registry(DynamicPropertyRegistry properties) {
        properties.add("sightline.registry.dir", () -> "target/registry-device-" + UUID.randomUUID());
        properties.add("sightline.registry.trusted-keys", () -> ReleaseStatement.pem("PUBLIC KEY",
                RegistryIntegrationTest.RELEASE.getPublic().getEncoded()));
    }

    @Autowired
    CloudHttp http;
    @Autowired
    DeviceKeyRegistry deviceKeys;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String fleet = "fleet-dev-" + suffix;
    private final String device = "device-" + suffix;
    private final KeyPair key = RegistryIntegrationTest.keyPair();
    private String modelSha;
    private String policySha;

    @BeforeEach
    void registerDeviceArtifactsAndAssignment() throws Exception {
        String admin = http.token("fleet-admin", fleet, Roles.ADMIN);
        HttpResponse<String> registered = http.send(http.request("/api/v1/admin/devices/" + device, admin)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"publicKeyX509\":\""
                        + Base64.getEncoder().encodeToString(key.getPublic().getEncoded()) + "\"}")).build());
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        byte[] model = Files.readAllBytes(RegistryIntegrationTest.models().resolve("fastestdet/FastestDet.onnx"));
        byte[] manifest = Files.readAllBytes(RegistryIntegrationTest.models().resolve("fastestdet/manifest.json"));
        modelSha = ReleaseStatement.sha256Hex(model);
        HttpResponse<String> m = http.postJson("/api/v1/registry/models", admin, RegistryIntegrationTest.modelUpload(model, manifest,
                RegistryIntegrationTest.RELEASE, RegistryIntegrationTest.RELEASE_ID));
        assertThat(m.statusCode()).as(m.body()).isIn(201, 200, 409);
        byte[] policy = RegistryIntegrationTest.policy("sightline-risk-device-" + suffix, 0.9);
        policySha = ReleaseStatement.sha256Hex(policy);
        HttpResponse<String> p = http.postJson("/api/v1/registry/policies", admin, RegistryIntegrationTest.policyUpload(policy,
                "sightline-risk-device-" + suffix, RegistryIntegrationTest.RELEASE, RegistryIntegrationTest.RELEASE_ID));
        assertThat(p.statusCode()).as(p.body()).isEqualTo(201);
        HttpResponse<String> a = http.send(http.request("/api/v1/assignments/" + fleet + "/vehicle-1", admin)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"championModelSha256\":\""
                        + modelSha + "\",\"championPolicySha256\":\"" + policySha + "\"}")).build());
        assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
    }

    /** The header a device sends, signed over {@code signedPath} at {@code epochSeconds} by {@code signer} as {@code deviceId}. */
    private static String signed(KeyPair signer, String deviceId, String method, String signedPath, long epochSeconds) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(signer.getPrivate());
        s.update(DeviceRequestCredential.signedBytes(deviceId, method, signedPath, epochSeconds));
        return new DeviceRequestCredential(deviceId, epochSeconds, s.sign()).header();
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    private HttpResponse<String> get(String path, String authorization) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(http.base() + path)).header("Authorization", authorization).GET().build());
    }

    private HttpResponse<String> asDevice(String path) throws Exception {
        return get(path, signed(key, device, "GET", path, now()));
    }

    @Test
    void aVehicleReadsItsFleetsAssignmentAndTheAssignedArtifactsWithItsDeviceKey() throws Exception {
        HttpResponse<String> assignment = asDevice("/api/v1/assignments/" + fleet + "/vehicle-1");
        assertThat(assignment.statusCode()).as(assignment.body()).isEqualTo(200);
        assertThat(assignment.body()).contains(modelSha, policySha);

        HttpResponse<byte[]> artifact = http.send(HttpRequest.newBuilder(URI.create(http.base() + "/api/v1/registry/models/" + modelSha + "/artifact"))
                .header("Authorization", signed(key, device, "GET", "/api/v1/registry/models/" + modelSha + "/artifact", now())).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(artifact.statusCode()).isEqualTo(200);
        assertThat(ReleaseStatement.sha256Hex(artifact.body())).isEqualTo(modelSha);
        assertThat(asDevice("/api/v1/registry/policies/" + policySha + "/artifact").statusCode()).isEqualTo(200);
        assertThat(asDevice("/api/v1/registry/policies/" + policySha).statusCode()).as("the policy's signed statement").isEqualTo(200);
    }

    @Test
    void aDeviceReadsNothingElseAndNoOtherFleetsAssignment() throws Exception {
        HttpResponse<String> other = asDevice("/api/v1/assignments/fleet-other-" + suffix + "/vehicle-1");
        assertThat(other.statusCode()).as(other.body()).isEqualTo(403);
        assertThat(other.body()).contains("reads only its own fleet's assignments");
        assertThat(asDevice("/api/v1/registry/models").statusCode()).as("the registry's listing").isEqualTo(403);
        assertThat(asDevice("/api/v1/alerts").statusCode()).as("an investigator's read").isEqualTo(403);
        assertThat(asDevice("/api/v1/rollouts").statusCode()).isEqualTo(403);
    }

    /**
     * ADR-0044: a device reads only what its fleet was assigned, now or before; another fleet's assignment does not count; an
     * administrator still reads everything.
     */
    @Test
    void aDeviceDownloadsOnlyWhatItsFleetWasEverAssigned() throws Exception {
        String admin = http.token("fleet-admin", fleet, Roles.ADMIN);
        byte[] yolox = Files.readAllBytes(RegistryIntegrationTest.models().resolve("yolox_nano/yolox_nano.onnx"));
        byte[] manifest = Files.readAllBytes(RegistryIntegrationTest.models().resolve("yolox_nano/manifest.json"));
        String yoloxSha = ReleaseStatement.sha256Hex(yolox);
        HttpResponse<String> m = http.postJson("/api/v1/registry/models", admin, RegistryIntegrationTest.modelUpload(yolox, manifest,
                RegistryIntegrationTest.RELEASE, RegistryIntegrationTest.RELEASE_ID));
        assertThat(m.statusCode()).as(m.body()).isIn(201, 200, 409);
        String otherFleet = "fleet-other-" + suffix;
        HttpResponse<String> elsewhere = http.send(http.request("/api/v1/assignments/" + otherFleet + "/vehicle-9",
                http.token("other-admin", otherFleet, Roles.ADMIN)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"championModelSha256\":\"" + yoloxSha + "\",\"championPolicySha256\":\""
                        + policySha + "\"}")).build());
        assertThat(elsewhere.statusCode()).as(elsewhere.body()).isEqualTo(200);

        for (String path : List.of("/api/v1/registry/models/" + yoloxSha + "/artifact", "/api/v1/registry/models/" + yoloxSha)) {
            HttpResponse<String> refused = asDevice(path);
            assertThat(refused.statusCode()).as("%s: %s", path, refused.body()).isEqualTo(403);
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("application/problem+json"));
            assertThat(refused.body()).contains("device " + device + " may read only the models its fleet " + fleet + " has been assigned",
                    "Assign it first (PUT /api/v1/assignments/" + fleet + "/{vehicle}");
            assertThat(http.get(path, admin).statusCode()).as("an administrator reads every artifact").isEqualTo(200);
        }
        byte[] unassignedPolicy = RegistryIntegrationTest.policy("sightline-risk-unassigned-" + suffix, 0.8);
        HttpResponse<String> p = http.postJson("/api/v1/registry/policies", admin, RegistryIntegrationTest.policyUpload(unassignedPolicy,
                "sightline-risk-unassigned-" + suffix, RegistryIntegrationTest.RELEASE, RegistryIntegrationTest.RELEASE_ID));
        assertThat(p.statusCode()).as(p.body()).isEqualTo(201);
        HttpResponse<String> policy = asDevice("/api/v1/registry/policies/" + ReleaseStatement.sha256Hex(unassignedPolicy) + "/artifact");
        assertThat(policy.statusCode()).as(policy.body()).isEqualTo(403);
        assertThat(policy.body()).contains("may read only the policies its fleet " + fleet + " has been assigned");

        // Assigned now (here as a shadow challenger): readable; and the model assigned before stays readable, the last known good.
        HttpResponse<String> a = http.send(http.request("/api/v1/assignments/" + fleet + "/vehicle-1", admin)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"championModelSha256\":\""
                        + modelSha + "\",\"championPolicySha256\":\"" + policySha + "\",\"challengerModelSha256\":\"" + yoloxSha
                        + "\",\"challengerMode\":\"shadow\"}")).build());
        assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
        assertThat(asDevice("/api/v1/registry/models/" + yoloxSha + "/artifact").statusCode()).isEqualTo(200);
        HttpResponse<String> champion = http.send(http.request("/api/v1/assignments/" + fleet + "/vehicle-1", admin)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"championModelSha256\":\""
                        + yoloxSha + "\",\"championPolicySha256\":\"" + policySha + "\"}")).build());
        assertThat(champion.statusCode()).as(champion.body()).isEqualTo(200);
        assertThat(asDevice("/api/v1/registry/models/" + modelSha + "/artifact").statusCode()).as("assigned before").isEqualTo(200);
        assertThat(asDevice("/api/v1/registry/models/" + yoloxSha).statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> registerKey(String deviceId, KeyPair pair, String vehicleJson) throws Exception {
        return http.send(http.request("/api/v1/admin/devices/" + deviceId, http.token("fleet-admin", fleet, Roles.ADMIN))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"publicKeyX509\":\""
                        + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()) + "\"" + vehicleJson + "}")).build());
    }

    private HttpResponse<String> assign(String vehicle, String championModelSha) throws Exception {
        return http.send(http.request("/api/v1/assignments/" + fleet + "/" + vehicle, http.token("fleet-admin", fleet, Roles.ADMIN))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"championModelSha256\":\""
                        + championModelSha + "\",\"championPolicySha256\":\"" + policySha + "\"}")).build());
    }

    /**
     * V19: a key registered with a vehicleId reads only that vehicle's assignment and what that vehicle was ever assigned (its
     * last known good included), not what another vehicle of its fleet was given; a key registered without one keeps the fleet
     * scope, and its registration says so.
     */
    @Test
    void aVehicleBoundDeviceDownloadsOnlyWhatItsOwnVehicleWasEverAssigned() throws Exception {
        String admin = http.token("fleet-admin", fleet, Roles.ADMIN);
        String bound = "device-bound-" + suffix;
        KeyPair boundKey = RegistryIntegrationTest.keyPair();
        HttpResponse<String> registered = registerKey(bound, boundKey, ",\"vehicleId\":\"vehicle-1\"");
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        assertThat(registered.body()).contains("\"vehicleId\":\"vehicle-1\"", "\"scope\":\"VEHICLE\"");
        HttpResponse<String> fleetWide = registerKey(device, key, "");
        assertThat(fleetWide.body()).as("a key without a vehicle says it reads the whole fleet").contains("\"scope\":\"FLEET\"",
                "the compatibility path", "Register it again with \\\"vehicleId\\\"");

        byte[] yolox = Files.readAllBytes(RegistryIntegrationTest.models().resolve("yolox_nano/yolox_nano.onnx"));
        byte[] manifest = Files.readAllBytes(RegistryIntegrationTest.models().resolve("yolox_nano/manifest.json"));
        String yoloxSha = ReleaseStatement.sha256Hex(yolox);
        HttpResponse<String> m = http.postJson("/api/v1/registry/models", admin, RegistryIntegrationTest.modelUpload(yolox, manifest,
                RegistryIntegrationTest.RELEASE, RegistryIntegrationTest.RELEASE_ID));
        assertThat(m.statusCode()).as(m.body()).isIn(201, 200, 409);
        // Only vehicle-2 of the same fleet is given YOLOX.
        HttpResponse<String> other = assign("vehicle-2", yoloxSha);
        assertThat(other.statusCode()).as(other.body()).isEqualTo(200);

        for (String path : List.of("/api/v1/registry/models/" + yoloxSha + "/artifact", "/api/v1/registry/models/" + yoloxSha)) {
            HttpResponse<String> refused = get(path, signed(boundKey, bound, "GET", path, now()));
            assertThat(refused.statusCode()).as("%s: %s", path, refused.body()).isEqualTo(403);
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("application/problem+json"));
            assertThat(refused.body()).contains("device " + bound + " is bound to vehicle " + fleet + "/vehicle-1",
                    "vehicle vehicle-1 was never assigned model " + yoloxSha,
                    "Assign it to this vehicle first (PUT /api/v1/assignments/" + fleet + "/vehicle-1",
                    "an admin registers its key again with that vehicleId (PUT /api/v1/admin/devices/" + bound + ")");
            assertThat(asDevice(path).statusCode()).as("the fleet-scoped key (compatibility path) still reads it").isEqualTo(200);
            assertThat(http.get(path, admin).statusCode()).as("an administrator reads every artifact").isEqualTo(200);
        }
        String otherAssignment = "/api/v1/assignments/" + fleet + "/vehicle-2";
        HttpResponse<String> otherRead = get(otherAssignment, signed(boundKey, bound, "GET", otherAssignment, now()));
        assertThat(otherRead.statusCode()).as(otherRead.body()).isEqualTo(403);
        assertThat(otherRead.body()).contains("a device key bound to a vehicle reads only that vehicle's assignment (GET /api/v1/assignments/"
                + fleet + "/vehicle-1)");

        String own = "/api/v1/assignments/" + fleet + "/vehicle-1";
        HttpResponse<String> ownRead = get(own, signed(boundKey, bound, "GET", own, now()));
        assertThat(ownRead.statusCode()).as(ownRead.body()).isEqualTo(200);
        String modelPath = "/api/v1/registry/models/" + modelSha + "/artifact";
        String policyPath = "/api/v1/registry/policies/" + policySha + "/artifact";
        assertThat(get(modelPath, signed(boundKey, bound, "GET", modelPath, now())).statusCode()).isEqualTo(200);
        assertThat(get(policyPath, signed(boundKey, bound, "GET", policyPath, now())).statusCode()).isEqualTo(200);

        // Assigned to vehicle-1 now: readable; and the model it was assigned before stays readable, its last known good.
        HttpResponse<String> reassigned = assign("vehicle-1", yoloxSha);
        assertThat(reassigned.statusCode()).as(reassigned.body()).isEqualTo(200);
        String yoloxPath = "/api/v1/registry/models/" + yoloxSha + "/artifact";
        assertThat(get(yoloxPath, signed(boundKey, bound, "GET", yoloxPath, now())).statusCode()).isEqualTo(200);
        HttpResponse<String> lastKnownGood = get(modelPath, signed(boundKey, bound, "GET", modelPath, now()));
        assertThat(lastKnownGood.statusCode()).as("assigned to vehicle-1 before: " + lastKnownGood.body()).isEqualTo(200);
    }

    /**
     * An administrator finds the fleet's keys that still read the whole fleet (every key registered before V19), narrows
     * them one by one, and sees none of another fleet's keys nor revoked ones.
     */
    @Test
    void anAdminListsTheFleetsKeysAndFindsTheFleetScopedOnes() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        String admin = http.token("fleet-admin", fleet, Roles.ADMIN);
        String bound = "device-bound-" + suffix;
        String revoked = "device-revoked-" + suffix;
        assertThat(registerKey(bound, RegistryIntegrationTest.keyPair(), ",\"vehicleId\":\"vehicle-1\"").statusCode()).isEqualTo(201);
        assertThat(registerKey(revoked, RegistryIntegrationTest.keyPair(), "").statusCode()).isEqualTo(201);
        assertThat(http.send(http.request("/api/v1/admin/devices/" + revoked, admin).DELETE().build()).statusCode()).isEqualTo(204);
        String otherFleet = "fleet-other-" + suffix;
        HttpResponse<String> elsewhere = http.send(http.request("/api/v1/admin/devices/device-elsewhere-" + suffix,
                        http.token("other-admin", otherFleet, Roles.ADMIN)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"publicKeyX509\":\""
                        + Base64.getEncoder().encodeToString(RegistryIntegrationTest.keyPair().getPublic().getEncoded()) + "\"}")).build());
        assertThat(elsewhere.statusCode()).as(elsewhere.body()).isEqualTo(201);

        HttpResponse<String> all = http.get("/api/v1/admin/devices", admin);
        assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
        var listed = json.readTree(all.body());
        assertThat(listed.path("fleetId").asText()).isEqualTo(fleet);
        List<String> byId = java.util.stream.Stream.of(bound, device).sorted().toList();
        assertThat(listed.path("devices").findValuesAsText("deviceId")).as("the fleet's active keys, by id").isEqualTo(byId);
        int unbound = byId.indexOf(device);
        assertThat(listed.path("devices").get(unbound).path("scope").asText()).isEqualTo("FLEET");
        assertThat(listed.path("devices").get(1 - unbound).path("scope").asText()).isEqualTo("VEHICLE");
        assertThat(listed.path("fleetScoped").asInt()).isEqualTo(1);
        assertThat(listed.path("vehicleScoped").asInt()).isEqualTo(1);
        assertThat(listed.path("devices").get(unbound).path("publicKeySha256").asText())
                .isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(key.getPublic().getEncoded())));
        assertThat(listed.path("devices").get(unbound).path("scopeDetail").asText()).contains("Register it again with \"vehicleId\"");
        assertThat(listed.path("devices").get(unbound).path("registeredAt").asText()).isNotBlank();

        var fleetScoped = json.readTree(http.get("/api/v1/admin/devices?scope=FLEET", admin).body());
        assertThat(fleetScoped.path("devices").findValuesAsText("deviceId")).containsExactly(device);
        assertThat(registerKey(device, key, ",\"vehicleId\":\"vehicle-1\"").statusCode()).isEqualTo(201);
        var narrowed = json.readTree(http.get("/api/v1/admin/devices?scope=FLEET", admin).body());
        assertThat(narrowed.path("devices").size()).as("registered again with its vehicle, the key is no longer fleet-scoped").isZero();
        assertThat(narrowed.path("fleetScoped").asInt()).isZero();
        assertThat(narrowed.path("vehicleScoped").asInt()).isEqualTo(2);

        HttpResponse<String> badScope = http.get("/api/v1/admin/devices?scope=fleet", admin);
        assertThat(badScope.statusCode()).isEqualTo(400);
        assertThat(badScope.body()).contains("Unknown scope", "must be FLEET");
        assertThat(http.get("/api/v1/admin/devices", http.token("inv", fleet, Roles.INVESTIGATOR)).statusCode())
                .as("device keys are the administrator's").isEqualTo(403);
    }

    @Test
    void aBadVehicleIdIsRefusedWithWhatToSend() throws Exception {
        for (String bad : List.of("", "../vehicle-1", "vehicle 1", "-vehicle")) {
            HttpResponse<String> refused = registerKey("device-badveh-" + suffix, key, ",\"vehicleId\":\"" + bad + "\"");
            assertThat(refused.statusCode()).as("'%s': %s", bad, refused.body()).isEqualTo(400);
            assertThat(refused.body()).contains("Invalid vehicle id", "must be the vehicle's id as its assignments name it",
                    "or leave vehicleId out");
        }
        String path = "/api/v1/assignments/" + fleet + "/vehicle-1";
        HttpResponse<String> unknown = get(path, signed(key, "device-badveh-" + suffix, "GET", path, now()));
        assertThat(unknown.statusCode()).as("nothing was registered").isEqualTo(401);
    }

    @Test
    void aWrongDeviceCredentialIsRefusedWithWhatToFix() throws Exception {
        String path = "/api/v1/assignments/" + fleet + "/vehicle-1";
        HttpResponse<String> otherPath = get(path, signed(key, device, "GET", "/api/v1/assignments/" + fleet + "/vehicle-2", now()));
        assertThat(otherPath.statusCode()).isEqualTo(401);
        assertThat(otherPath.body()).contains("does not verify");
        assertThat(otherPath.headers().firstValue("WWW-Authenticate")).hasValue(DeviceRequestCredential.SCHEME);

        HttpResponse<String> forged = get(path, signed(RegistryIntegrationTest.keyPair(), device, "GET", path, now()));
        assertThat(forged.statusCode()).as("signed by a key that is not the device's").isEqualTo(401);

        HttpResponse<String> stale = get(path, signed(key, device, "GET", path, now() - DeviceRequestCredential.MAX_CLOCK_SKEW_SECONDS - 60));
        assertThat(stale.statusCode()).isEqualTo(401);
        assertThat(stale.body()).contains("from the cloud's clock", "set the vehicle's clock");

        HttpResponse<String> unknown = get(path, signed(key, "device-unknown-" + suffix, "GET", path, now()));
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(unknown.body()).contains("has no active key here");

        HttpResponse<String> malformed = get(path, DeviceRequestCredential.SCHEME + " device=" + device);
        assertThat(malformed.statusCode()).isEqualTo(401);
        assertThat(malformed.body()).contains("must read");

        String unbound = "device-unbound-" + suffix;
        deviceKeys.register(unbound, Base64.getEncoder().encodeToString(key.getPublic().getEncoded()));
        HttpResponse<String> noFleet = get(path, signed(key, unbound, "GET", path, now()));
        assertThat(noFleet.statusCode()).isEqualTo(401);
        assertThat(noFleet.body()).contains("registered without a fleet");

        String admin = http.token("fleet-admin", fleet, Roles.ADMIN);
        assertThat(http.send(http.request("/api/v1/admin/devices/" + device, admin).DELETE().build()).statusCode()).isIn(200, 204);
        HttpResponse<String> revoked = asDevice(path);
        assertThat(revoked.statusCode()).as("a revoked key").isEqualTo(401);
    }
}
