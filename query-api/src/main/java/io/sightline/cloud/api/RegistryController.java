package io.sightline.cloud.api;

import io.sightline.cloud.registry.AssignedArtifacts;
import io.sightline.cloud.registry.RegistryReadModel;
import io.sightline.cloud.registry.RegistryService;
import io.sightline.cloud.security.DeviceAuthentication;
import io.sightline.domain.release.ReleaseStatement;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/registry}: signed model and policy versions (issue 17 §1, ADR-0025). An admin
 * registers; investigators, auditors and admins list, read and download; a device, by its key, reads and downloads
 * what its vehicle was assigned, or what its fleet was when the key names no vehicle (ADR-0042, ADR-0044). The bytes are served by
 * sha256, checked against it on every read, for the edge to verify again before it activates them.
 */
@RestController
@RequestMapping("/api/v1/registry")
public class RegistryController {

    /** One version as listed, and with its stored event when asked for by sha256. */
    public record Detail(RegistryReadModel.Entry entry, String eventId, Object registration) {
    }

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final RegistryService registry;
    private final RegistryReadModel readModel;
    private final AssignedArtifacts assigned;

    public RegistryController(RegistryService registry, RegistryReadModel readModel, AssignedArtifacts assigned) {
        this.registry = registry;
        this.readModel = readModel;
        this.assigned = assigned;
    }

    @Operation(summary = "Register a model version (admin)", description = "Body: {manifestBase64, artifactBase64, keyId, signatureBase64}."
            + " The signature is Ed25519 over the release statement (ADR-0025) by a trusted release key. The ONNX graph must load and match"
            + " its manifest. 201 when stored; 200 when these bytes are already this version; 400 for a bad signature, unknown key, bad"
            + " model or other bytes under a registered version; 413 above sightline.registry.max-artifact-bytes.")
    @PostMapping(path = "/models", consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<RegistryService.Registered> addModel(Authentication authentication, HttpServletRequest request) throws IOException {
        RegistryService.ModelUpload upload = registry.readUpload(request.getInputStream(), RegistryService.ModelUpload.class);
        return answer(registry.registerModel(upload, authentication.getName()));
    }

    @Operation(summary = "Register a risk policy version (admin)", description = "Body: {artifactBase64, keyId, signatureBase64}; the"
            + " policy JSON's own version names it. Same answers as for models.")
    @PostMapping(path = "/policies", consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<RegistryService.Registered> addPolicy(Authentication authentication, HttpServletRequest request) throws IOException {
        RegistryService.PolicyUpload upload = registry.readUpload(request.getInputStream(), RegistryService.PolicyUpload.class);
        return answer(registry.registerPolicy(upload, authentication.getName()));
    }

    private static ResponseEntity<RegistryService.Registered> answer(RegistryService.Registered registered) {
        return ResponseEntity.status(registered.alreadyRegistered() ? HttpStatus.OK : HttpStatus.CREATED).body(registered);
    }

    @Operation(summary = "Registered model versions, newest first")
    @GetMapping("/models")
    public List<RegistryReadModel.Entry> models() {
        return readModel.list(ReleaseStatement.MODEL);
    }

    @Operation(summary = "Registered policy versions, newest first")
    @GetMapping("/policies")
    public List<RegistryReadModel.Entry> policies() {
        return readModel.list(ReleaseStatement.POLICY);
    }

    @Operation(summary = "A model version by sha256, with its ModelVersionRegistered event")
    @GetMapping("/models/{sha256}")
    public Detail model(Authentication auth, @PathVariable("sha256") String sha256) {
        return detail(auth, ReleaseStatement.MODEL, sha256);
    }

    @Operation(summary = "A policy version by sha256, with its PolicyVersionRegistered event")
    @GetMapping("/policies/{sha256}")
    public Detail policy(Authentication auth, @PathVariable("sha256") String sha256) {
        return detail(auth, ReleaseStatement.POLICY, sha256);
    }

    @Operation(summary = "A model's bytes (the ONNX file), verified against the sha256")
    @GetMapping("/models/{sha256}/artifact")
    public ResponseEntity<byte[]> modelArtifact(Authentication auth, @PathVariable("sha256") String sha256) throws IOException {
        return bytes(auth, ReleaseStatement.MODEL, sha256);
    }

    @Operation(summary = "A policy's bytes (its JSON), verified against the sha256")
    @GetMapping("/policies/{sha256}/artifact")
    public ResponseEntity<byte[]> policyArtifact(Authentication auth, @PathVariable("sha256") String sha256) throws IOException {
        return bytes(auth, ReleaseStatement.POLICY, sha256);
    }

    /**
     * A vehicle reads only what it was assigned, now or before: its own vehicle's assignments when its key names the vehicle
     * (V19), else its fleet's (ADR-0044); the readers' and the admin's tokens read everything. Checked before the registry is
     * read, so a device learns nothing about an artifact it was not given, not even whether it is registered.
     */
    private void requireAssigned(Authentication auth, String kind, String sha256) {
        if (!(auth instanceof DeviceAuthentication device)) {
            return;
        }
        String kinds = ReleaseStatement.MODEL.equals(kind) ? "models" : "policies";
        if (device.vehicleId() != null) {
            if (!assigned.everAssignedToVehicle(device.fleetId(), device.vehicleId(), kind, sha256)) {
                throw new ForbiddenException("device " + device.deviceId() + " is bound to vehicle " + device.fleetId() + "/"
                        + device.vehicleId() + " and may read only the " + kinds + " that vehicle has been assigned, now or before;"
                        + " vehicle " + device.vehicleId() + " was never assigned " + kind + " " + sha256 + ". Assign it to this vehicle"
                        + " first (PUT /api/v1/assignments/" + device.fleetId() + "/" + device.vehicleId() + ", or a rollout whose cohort"
                        + " includes it); if the device is installed in another vehicle, an admin registers its key again with that"
                        + " vehicleId (PUT /api/v1/admin/devices/" + device.deviceId() + ").");
            }
        } else if (!assigned.everAssigned(device.fleetId(), kind, sha256)) {
            throw new ForbiddenException("device " + device.deviceId() + " may read only the " + kinds + " its fleet " + device.fleetId()
                    + " has been assigned, and no vehicle of it was ever assigned " + kind + " " + sha256 + ". Assign it first (PUT"
                    + " /api/v1/assignments/" + device.fleetId() + "/{vehicle}, or a rollout), or read it with an investigator, auditor or"
                    + " admin token.");
        }
    }

    private Detail detail(Authentication auth, String kind, String sha256) {
        requireAssigned(auth, kind, checked(sha256));
        RegistryReadModel.Entry entry = readModel.bySha256(kind, checked(sha256))
                .orElseThrow(() -> new ResourceNotFoundException("no " + kind + " with sha256 " + sha256 + " is registered"));
        return registry.registration(entry).map(m -> new Detail(entry, m.getIdentifier(), m.getPayload()))
                .orElseGet(() -> new Detail(entry, entry.eventId(), null));
    }

    private ResponseEntity<byte[]> bytes(Authentication auth, String kind, String sha256) throws IOException {
        requireAssigned(auth, kind, checked(sha256));
        RegistryService.Artifact artifact = registry.artifact(kind, checked(sha256))
                .orElseThrow(() -> new ResourceNotFoundException("no " + kind + " with sha256 " + sha256 + " is registered"));
        RegistryReadModel.Entry e = artifact.entry();
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM)
                .eTag("\"" + sha256 + "\"")
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\""
                        + (e.name() + "-" + e.version()).replaceAll("[^A-Za-z0-9._-]", "_")
                        + (ReleaseStatement.MODEL.equals(kind) ? ".onnx" : ".json") + "\"")
                .header("Sightline-Key-Id", e.keyId())
                .body(artifact.bytes());
    }

    private static String checked(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits, got " + sha256);
        }
        return sha256;
    }
}
