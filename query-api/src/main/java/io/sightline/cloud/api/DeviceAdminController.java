package io.sightline.cloud.api;

import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.cloud.security.FleetScope;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Device keys, the administrator's side of edge authentication: an edge signs every batch with
 * its Ed25519 key, and the cloud stores nothing from a device whose public key was not registered
 * here (or was revoked). {@code ./sightline edge --print-device-key} prints the body to send. A
 * device is registered into the administrator's own fleet, and ingestion refuses its sessions
 * for any other fleet; named with a {@code vehicleId}, it is also bound to that vehicle (V19).
 */
@RestController
@RequestMapping("/api/v1/admin/devices")
@Tag(name = "admin", description = "Projection rebuilds and device keys (admin role)")
public class DeviceAdminController {

    /** Device ids travel in MQTT topics and file names: keep them to a safe alphabet. */
    static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final DeviceKeyRegistry keys;

    public DeviceAdminController(DeviceKeyRegistry keys) {
        this.keys = keys;
    }

    /**
     * @param publicKeyX509 Base64 X.509 SubjectPublicKeyInfo of the device's Ed25519 key, as its key file holds it
     * @param vehicleId     the vehicle the device is installed in (V19), or null for a key that reads its whole fleet's
     *                      assignments and artifacts (the compatibility path of keys registered before vehicles could be named)
     */
    public record DeviceKeyRequest(String publicKeyX509, String vehicleId) {
    }

    /**
     * @param scope       {@code VEHICLE} or {@code FLEET}: what the device may read
     * @param scopeDetail the same in words, with what to do to narrow a fleet-scoped key
     * @param registeredAt when the key (or its binding) was last registered, ISO-8601; null in the answer to a registration
     */
    public record DeviceKeyView(String deviceId, String fleetId, String vehicleId, String scope, String scopeDetail, String algorithm,
                                String publicKeySha256, String registeredAt) {
    }

    @PutMapping("/{deviceId}")
    @Operation(summary = "Register or replace a device's public key",
            description = "Body: {publicKeyX509, vehicleId}. With vehicleId the device reads only that vehicle's assignment and"
                    + " artifacts and stores only its sessions; without, its whole fleet's (the compatibility path; the answer's scope says"
                    + " which). Idempotent: the same key registered twice is one registration. A replaced key (or binding) takes effect on"
                    + " every replica within the key cache time (sightline.ingest.device-key-cache-seconds).")
    public ResponseEntity<?> register(@PathVariable("deviceId") String deviceId, @RequestBody(required = false) DeviceKeyRequest body,
                                      Authentication auth) {
        String fleetId = FleetScope.of(auth).fleetId();
        if (!DEVICE_ID.matcher(deviceId).matches()) {
            return problem(HttpStatus.BAD_REQUEST, "Invalid device id", "device id '" + deviceId
                    + "' must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (body == null || body.publicKeyX509() == null || body.publicKeyX509().isBlank()) {
            return problem(HttpStatus.BAD_REQUEST, "Missing public key",
                    "send {\"publicKeyX509\": \"<Base64>\"}: the value ./sightline edge --print-device-key prints");
        }
        String vehicleId = body.vehicleId();
        if (vehicleId != null && !DEVICE_ID.matcher(vehicleId).matches()) {
            return problem(HttpStatus.BAD_REQUEST, "Invalid vehicle id", "vehicleId '" + vehicleId + "' must be the vehicle's id as its"
                    + " assignments name it (PUT /api/v1/assignments/" + fleetId + "/{vehicle}): 1-128 characters of letters, digits, '.', '_'"
                    + " or '-', starting with a letter or digit; or leave vehicleId out to let the device read its whole fleet's assignments");
        }
        String boundTo = keys.registeredFleet(deviceId);
        if (boundTo != null && !boundTo.equals(fleetId)) {
            // Another fleet's device: the same answer as for a device id nobody uses, so ids do not leak across fleets.
            return problem(HttpStatus.CONFLICT, "Device id taken", "device id '" + deviceId + "' is not available; choose another");
        }
        try {
            keys.register(deviceId, fleetId, vehicleId, body.publicKeyX509());
        } catch (IllegalArgumentException e) {
            return problem(HttpStatus.BAD_REQUEST, "Not an Ed25519 public key", e.getMessage());
        }
        return ResponseEntity.created(URI.create("/api/v1/admin/devices/" + deviceId))
                .body(view(deviceId, fleetId, vehicleId, DeviceKeyRegistry.ALGORITHM, fingerprint(body.publicKeyX509()), null));
    }

    /**
     * @param devices        the fleet's active keys, by device id
     * @param fleetScoped    how many of the fleet's active keys have no vehicle, whether listed or not
     * @param vehicleScoped  how many are bound to a vehicle
     */
    public record DeviceKeyList(String fleetId, List<DeviceKeyView> devices, int fleetScoped, int vehicleScoped) {
    }

    @GetMapping
    @Operation(summary = "List the fleet's active device keys and their scope",
            description = "?scope=FLEET lists only the keys that name no vehicle: each reads its whole fleet's assignments and artifacts"
                    + " (every key registered before vehicles could be named, V19). Register each again with its vehicleId to narrow it;"
                    + " the counts say how many are left. ?scope=VEHICLE lists the vehicle-bound ones.")
    public ResponseEntity<?> list(@RequestParam(name = "scope", required = false) String scope, Authentication auth) {
        String fleetId = FleetScope.of(auth).fleetId();
        if (scope != null && !scope.equals("FLEET") && !scope.equals("VEHICLE")) {
            return problem(HttpStatus.BAD_REQUEST, "Unknown scope", "scope '" + scope + "' must be FLEET (keys that read the whole fleet)"
                    + " or VEHICLE (keys bound to one vehicle), or left out for every key");
        }
        List<DeviceKeyRegistry.RegisteredDevice> all = keys.activeKeys(fleetId, false);
        int fleetScoped = (int) all.stream().filter(d -> d.vehicleId() == null).count();
        List<DeviceKeyView> views = all.stream()
                .filter(d -> scope == null || scope.equals(d.vehicleId() == null ? "FLEET" : "VEHICLE"))
                .map(d -> view(d.deviceId(), d.fleetId(), d.vehicleId(), d.algorithm(),
                        HexFormat.of().formatHex(sha256(d.publicKeyX509())), d.registeredAt().toString()))
                .toList();
        return ResponseEntity.ok(new DeviceKeyList(fleetId, views, fleetScoped, all.size() - fleetScoped));
    }

    private static DeviceKeyView view(String deviceId, String fleetId, String vehicleId, String algorithm, String publicKeySha256,
                                      String registeredAt) {
        String scopeDetail = vehicleId != null
                ? "device " + deviceId + " reads only vehicle " + fleetId + "/" + vehicleId + "'s assignment and the artifacts that vehicle"
                        + " was ever assigned, and stores only sessions of that vehicle"
                : "device " + deviceId + " is bound to fleet " + fleetId + " only: it reads every assignment of the fleet and downloads"
                        + " what any of its vehicles was ever assigned (the compatibility path). Register it again with \"vehicleId\" to"
                        + " scope it to the vehicle it is installed in";
        return new DeviceKeyView(deviceId, fleetId, vehicleId, vehicleId != null ? "VEHICLE" : "FLEET", scopeDetail, algorithm,
                publicKeySha256, registeredAt);
    }

    @DeleteMapping("/{deviceId}")
    @Operation(summary = "Revoke a device's key", description = "Its batches are refused from now on; what it already stored stays.")
    public ResponseEntity<?> revoke(@PathVariable("deviceId") String deviceId, Authentication auth) {
        String boundTo = keys.registeredFleet(deviceId);
        if ((boundTo != null && !boundTo.equals(FleetScope.of(auth).fleetId())) || !keys.revoke(deviceId)) {
            return problem(HttpStatus.NOT_FOUND, "Unknown device", "device '" + deviceId + "' has no active key to revoke");
        }
        return ResponseEntity.noContent().build();
    }

    static String fingerprint(String publicKeyX509Base64) {
        return HexFormat.of().formatHex(sha256(Base64.getDecoder().decode(publicKeyX509Base64.trim().getBytes(StandardCharsets.US_ASCII))));
    }

    private static byte[] sha256(byte[] der) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(der);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String title, String detail) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(title);
        return ResponseEntity.status(status).body(p);
    }
}
