package io.sightline.cloud.registry;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.domain.event.ModelVersionRegistered;
import io.sightline.domain.event.PolicyVersionRegistered;
import io.sightline.domain.registry.ArtifactRegistry;
import io.sightline.domain.registry.RegisterModelVersion;
import io.sightline.domain.registry.RegisterPolicyVersion;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.edge.risk.RiskPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.stereotype.Service;

/**
 * Registers model and policy versions (issue 17 §1, ADR-0025). Every check runs before anything is
 * stored, cheapest and most trusted first: size, then the signature (so an unsigned upload never
 * reaches the ONNX parser), then the content, then the name and version's existing bytes. Only then
 * are the bytes written to the blob store and the event stored through {@link ArtifactRegistry}.
 */
@Service
public class RegistryService {

    /** What {@code POST /api/v1/registry/models} carries: base64 so the signed bytes arrive exactly as signed. */
    @JsonIgnoreProperties(ignoreUnknown = false)
    public record ModelUpload(String manifestBase64, String artifactBase64, String keyId, String signatureBase64) {
    }

    @JsonIgnoreProperties(ignoreUnknown = false)
    public record PolicyUpload(String artifactBase64, String keyId, String signatureBase64) {
    }

    public record Registered(String kind, String name, String version, String sha256, long sizeBytes, String registryId, String eventId,
                             boolean alreadyRegistered, List<String> evaluationEventIds) {
    }

    public record Artifact(byte[] bytes, RegistryReadModel.Entry entry) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Room for the JSON around the base64 and a manifest of a few thousand classes. */
    static final long ENVELOPE_BYTES = 1L << 20;
    /** How much of an oversized body is read and dropped, so the client hears the 413 instead of a reset connection. */
    static final long MAX_DRAIN_BYTES = 256L << 20;

    private final CommandGateway commands;
    private final EventStore eventStore;
    private final BlobStore blobs;
    private final TrustedReleaseKeys keys;
    private final RegistryReadModel readModel;
    private final RegistryProperties properties;

    public RegistryService(CommandGateway commands, EventStore eventStore, BlobStore blobs, TrustedReleaseKeys keys,
                           RegistryReadModel readModel, RegistryProperties properties) {
        this.commands = commands;
        this.eventStore = eventStore;
        this.blobs = blobs;
        this.keys = keys;
        this.readModel = readModel;
        this.properties = properties;
    }

    public long maxArtifactBytes() {
        return properties.maxArtifactBytes();
    }

    /** Reads an upload's JSON body, refusing one whose artifact cannot fit under the limit. */
    public <T> T readUpload(InputStream body, Class<T> type) throws IOException {
        long maxBody = (properties.maxArtifactBytes() + 2) / 3 * 4 + ENVELOPE_BYTES;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        long total = 0;
        for (int r; (r = body.read(buf)) > 0; ) {
            total += r;
            if (total > maxBody) {
                long drained = total;
                while (drained < MAX_DRAIN_BYTES && (r = body.read(buf)) > 0) {
                    drained += r;
                }
                throw tooLarge("the upload is over " + maxBody + " bytes");
            }
            out.write(buf, 0, r);
        }
        try {
            return JSON.readValue(out.toByteArray(), type);
        } catch (IOException e) {
            throw new IllegalArgumentException("the request body is not the JSON upload documented at /v3/api-docs ("
                    + type.getSimpleName() + "): " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private ArtifactTooLargeException tooLarge(String what) {
        return new ArtifactTooLargeException(what + "; the registry accepts artifacts of at most " + properties.maxArtifactBytes()
                + " bytes (sightline.registry.max-artifact-bytes)");
    }

    public Registered registerModel(ModelUpload upload, String registeredBy) throws IOException {
        byte[] manifestBytes = decode("manifestBase64", upload.manifestBase64());
        byte[] model = decode("artifactBase64", upload.artifactBase64());
        checkSize(model);
        String sha256 = ReleaseStatement.sha256Hex(model);
        String manifestSha256 = ReleaseStatement.sha256Hex(manifestBytes);
        ModelArtifactCheck.Manifest manifest = ModelArtifactCheck.readManifest(manifestBytes);
        ReleaseStatement statement = statement(ReleaseStatement.MODEL, manifest.name(), manifest.version(), sha256, model.length, manifestSha256);
        verify(statement, upload.keyId(), upload.signatureBase64());
        ModelArtifactCheck.check(manifest, model, sha256);
        String registryId = ArtifactRegistry.modelId(manifest.name(), manifest.version());
        Optional<Registered> existing = existing(registryId, sha256, manifestSha256, "model " + manifest.name() + " version " + manifest.version());
        if (existing.isPresent()) {
            // Stored once; a blob lost since is restored from the re-upload, which verified as the original.
            if (!blobs.contains(sha256)) {
                blobs.put(sha256, model);
            }
            return existing.get();
        }
        blobs.put(sha256, model);
        List<String> evaluations = readModel.evaluationsOfModel(sha256);
        ModelVersionRegistered event = new ModelVersionRegistered(manifest.name(), manifest.version(), sha256, model.length, manifestSha256,
                new String(manifestBytes, StandardCharsets.UTF_8), manifest.input().name(), manifest.input().shape(), manifest.output().name(),
                manifest.output().shape(), manifest.decoder().kind(), manifest.classes(), manifest.licence(), upload.signatureBase64(),
                upload.keyId(), registeredBy, nowNanos(), evaluations);
        String eventId = UUID.randomUUID().toString();
        commands.sendAndWait(new RegisterModelVersion(registryId, eventId, event));
        return new Registered(ReleaseStatement.MODEL, manifest.name(), manifest.version(), sha256, model.length, registryId, eventId, false,
                evaluations);
    }

    public Registered registerPolicy(PolicyUpload upload, String registeredBy) throws IOException {
        byte[] bytes = decode("artifactBase64", upload.artifactBase64());
        checkSize(bytes);
        String sha256 = ReleaseStatement.sha256Hex(bytes);
        RiskPolicy policy;
        try {
            policy = RiskPolicy.fromJson(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the policy is not a valid risk policy (docs/risk-policy.md): "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        ReleaseStatement statement = statement(ReleaseStatement.POLICY, ReleaseStatement.POLICY, policy.version(), sha256, bytes.length,
                ReleaseStatement.NO_MANIFEST);
        verify(statement, upload.keyId(), upload.signatureBase64());
        String registryId = ArtifactRegistry.policyId(policy.version());
        Optional<Registered> existing = existing(registryId, sha256, ReleaseStatement.NO_MANIFEST, "policy version " + policy.version());
        if (existing.isPresent()) {
            // Stored once; a blob lost since is restored from the re-upload, which verified as the original.
            if (!blobs.contains(sha256)) {
                blobs.put(sha256, bytes);
            }
            return existing.get();
        }
        blobs.put(sha256, bytes);
        List<String> evaluations = readModel.evaluationsOfPolicy(policy.version());
        PolicyVersionRegistered event = new PolicyVersionRegistered(policy.version(), sha256, bytes.length, upload.signatureBase64(),
                upload.keyId(), registeredBy, nowNanos(), evaluations);
        String eventId = UUID.randomUUID().toString();
        commands.sendAndWait(new RegisterPolicyVersion(registryId, eventId, event));
        return new Registered(ReleaseStatement.POLICY, ReleaseStatement.POLICY, policy.version(), sha256, bytes.length, registryId, eventId,
                false, evaluations);
    }

    /** The registered event of a version, for {@code GET .../{sha256}}. */
    public Optional<DomainEventMessage<?>> registration(RegistryReadModel.Entry entry) {
        return eventStore.readEvents(entry.registryId()).asStream().findFirst().map(m -> (DomainEventMessage<?>) m);
    }

    /** The bytes of a registered artifact, verified against their sha256. */
    public Optional<Artifact> artifact(String kind, String sha256) throws IOException {
        Optional<RegistryReadModel.Entry> entry = readModel.bySha256(kind, sha256);
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        byte[] bytes = blobs.get(sha256).orElseThrow(() -> new UncheckedIOException(new IOException("the " + kind + " " + sha256
                + " is registered but its bytes are missing from the blob store; register the artifact again to restore them")));
        return Optional.of(new Artifact(bytes, entry.get()));
    }

    /**
     * A registered artifact as a consumer in the cloud may run it (ADR-0040): the bytes re-hashed by the
     * blob store, and the release signature of its registration checked again against the keys this
     * cloud trusts now, as a vehicle checks it; a key no longer trusted or a registration changed after
     * signing is refused like a tampered artifact.
     *
     * @param manifestJson the signed manifest of a model; null for a policy
     */
    public record VerifiedArtifact(String kind, String sha256, String version, byte[] bytes, String manifestJson) {
    }

    public Optional<VerifiedArtifact> verified(String kind, String sha256) throws IOException {
        Optional<Artifact> a = artifact(kind, sha256);
        if (a.isEmpty()) {
            return Optional.empty();
        }
        Object payload = registration(a.get().entry()).map(DomainEventMessage::getPayload)
                .orElseThrow(() -> new IllegalStateException("the " + kind + " " + sha256 + " has no registration event"));
        byte[] bytes = a.get().bytes();
        if (payload instanceof ModelVersionRegistered m && ReleaseStatement.MODEL.equals(kind)) {
            byte[] manifest = m.manifestJson().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            verify(statement(ReleaseStatement.MODEL, m.modelName(), m.modelVersion(), sha256, bytes.length, ReleaseStatement.sha256Hex(manifest)),
                    m.keyId(), m.signatureBase64());
            return Optional.of(new VerifiedArtifact(kind, sha256, m.modelVersion(), bytes, m.manifestJson()));
        }
        if (payload instanceof PolicyVersionRegistered p && ReleaseStatement.POLICY.equals(kind)) {
            verify(statement(ReleaseStatement.POLICY, ReleaseStatement.POLICY, p.policyVersion(), sha256, bytes.length,
                    ReleaseStatement.NO_MANIFEST), p.keyId(), p.signatureBase64());
            return Optional.of(new VerifiedArtifact(kind, sha256, p.policyVersion(), bytes, null));
        }
        throw new IllegalStateException("the registration of " + kind + " " + sha256 + " is a " + payload.getClass().getSimpleName());
    }

    private Optional<Registered> existing(String registryId, String sha256, String manifestSha256, String what) {
        Optional<DomainEventMessage<?>> first = eventStore.readEvents(registryId).asStream().findFirst().map(m -> (DomainEventMessage<?>) m);
        if (first.isEmpty()) {
            return Optional.empty();
        }
        Object payload = first.get().getPayload();
        String storedSha;
        String storedManifest;
        if (payload instanceof ModelVersionRegistered m) {
            storedSha = m.modelSha256();
            storedManifest = m.manifestSha256();
            if (storedSha.equals(sha256) && storedManifest.equals(manifestSha256)) {
                return Optional.of(new Registered(ReleaseStatement.MODEL, m.modelName(), m.modelVersion(), sha256, m.sizeBytes(), registryId,
                        first.get().getIdentifier(), true, m.causes()));
            }
        } else if (payload instanceof PolicyVersionRegistered p) {
            storedSha = p.policySha256();
            storedManifest = ReleaseStatement.NO_MANIFEST;
            if (storedSha.equals(sha256)) {
                return Optional.of(new Registered(ReleaseStatement.POLICY, ReleaseStatement.POLICY, p.policyVersion(), sha256, p.sizeBytes(),
                        registryId, first.get().getIdentifier(), true, p.causes()));
            }
        } else {
            throw new IllegalStateException(registryId + " holds a " + payload.getClass().getSimpleName());
        }
        throw new IllegalArgumentException(what + " is already registered with sha256 " + storedSha
                + (ReleaseStatement.NO_MANIFEST.equals(storedManifest) ? "" : " and manifest sha256 " + storedManifest)
                + "; these bytes differ: register them under a new version");
    }

    private void checkSize(byte[] artifact) {
        if (artifact.length > properties.maxArtifactBytes()) {
            throw tooLarge("the artifact is " + artifact.length + " bytes");
        }
        if (artifact.length == 0) {
            throw new IllegalArgumentException("artifactBase64 is empty");
        }
    }

    private static ReleaseStatement statement(String kind, String name, String version, String sha256, long size, String manifestSha256) {
        return new ReleaseStatement(kind, name, version, sha256, size, manifestSha256);
    }

    private void verify(ReleaseStatement statement, String keyId, String signatureBase64) {
        if (signatureBase64 == null || signatureBase64.isBlank() || keyId == null || keyId.isBlank()) {
            throw new IllegalArgumentException("the upload is unsigned: signatureBase64 and keyId are required; sign it with a release key"
                    + " (./sightline registry add-model|add-policy --key FILE)");
        }
        PublicKey key = keys.byId(keyId).orElseThrow(() -> new IllegalArgumentException("key id " + keyId + " is not a trusted release key"
                + (keys.ids().isEmpty() ? " (none is configured)" : " (trusted: " + String.join(", ", keys.ids()) + ")")
                + "; add its public key to sightline.registry.trusted-key-files or sign with a trusted key"));
        if (!statement.verify(key, signatureBase64)) {
            throw new IllegalArgumentException("the signature does not verify with key " + keyId + " over the release statement of "
                    + statement.kind() + " " + statement.name() + " " + statement.version() + " sha256 " + statement.sha256()
                    + " (ADR-0025); the bytes, the manifest or the signature were changed after signing");
        }
    }

    private static byte[] decode(String field, String base64) {
        if (base64 == null || base64.isEmpty()) {
            throw new IllegalArgumentException(field + " is missing");
        }
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " is not base64: " + e.getMessage());
        }
    }

    private static long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
