package io.sightline.runtime.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.domain.event.ModelRejected;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.inference.ActivatedModel;
import io.sightline.inference.ModelLoader;
import io.sightline.inference.ModelRejectedException;
import io.sightline.inference.SessionConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The edge's side of a model release (issue 17 §2, first part): downloads a registered model from
 * the cloud's registry by sha256, verifies it as the registry did (sha256 and size of the bytes,
 * sha256 of the manifest, the Ed25519 release signature by a key this vehicle trusts, ADR-0025),
 * writes the model directory and activates it through {@link ModelLoader}. It trusts neither the
 * cloud's database nor the transport: every check is repeated here with the vehicle's own keys.
 *
 * <p>Any failure is a {@link ModelRejected} and the caller keeps its last known good model
 * ({@link #activateOrKeep}); nothing unverified is ever written where {@code ModelLoader} reads.
 */
public final class ReleasedModelInstaller {

    /** Installed model directories are named by sha256 under the models root. */
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What {@link #activateOrKeep} settled on: the model now serving, and the rejection when the new one was refused. */
    public record Outcome(ActivatedModel serving, Optional<ModelRejected> rejected) {
    }

    private final URI cloud;
    private final CloudCredential credential;
    private final Map<String, PublicKey> trustedKeys;
    private final Path modelsRoot;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public ReleasedModelInstaller(URI cloud, Supplier<String> bearerToken, Map<String, PublicKey> trustedKeys, Path modelsRoot) {
        this(cloud, CloudCredential.bearer(bearerToken), trustedKeys, modelsRoot);
    }

    public ReleasedModelInstaller(URI cloud, CloudCredential credential, Map<String, PublicKey> trustedKeys, Path modelsRoot) {
        this.cloud = URI.create(cloud.toString().endsWith("/") ? cloud.toString() : cloud + "/");
        this.credential = credential;
        this.trustedKeys = Map.copyOf(trustedKeys);
        this.modelsRoot = modelsRoot;
    }

    /**
     * Activates the model, or keeps {@code current} (which may be null before any model) and
     * reports why the new one was refused.
     */
    public Outcome activateOrKeep(ActivatedModel current, String modelSha256, String role, SessionConfig config) {
        try {
            return new Outcome(activate(modelSha256, role, config), Optional.empty());
        } catch (ModelRejectedException e) {
            return new Outcome(current, Optional.of(e.event() != null ? e.event() : rejected(null, null, modelSha256, null, e.getMessage())));
        }
    }

    /** Downloads, verifies, installs and activates; a {@link ModelRejectedException} carrying the reason otherwise. */
    public ActivatedModel activate(String modelSha256, String role, SessionConfig config) {
        Path dir = install(modelSha256);
        return ModelLoader.activate(dir, role, config);
    }

    /** Downloads and verifies the model and writes its directory (manifest.json + weights); returns it. */
    public Path install(String modelSha256) {
        if (modelSha256 == null || !SHA256.matcher(modelSha256).matches()) {
            throw reject(null, null, modelSha256, null, "the assigned model is not a sha256: " + modelSha256);
        }
        JsonNode registration;
        try {
            registration = JSON.readTree(get("api/v1/registry/models/" + modelSha256)).get("registration");
        } catch (IOException e) {
            throw reject(null, null, modelSha256, null, "cannot read the registration of model " + modelSha256 + ": " + e.getMessage());
        }
        if (registration == null || registration.isNull()) {
            throw reject(null, null, modelSha256, null, "the registry returned no registration event for model " + modelSha256);
        }
        String name = registration.path("modelName").asText(null);
        String version = registration.path("modelVersion").asText(null);
        byte[] manifest = registration.path("manifestJson").asText("").getBytes(StandardCharsets.UTF_8);
        byte[] bytes;
        try {
            bytes = get("api/v1/registry/models/" + modelSha256 + "/artifact");
        } catch (IOException e) {
            throw reject(name, version, modelSha256, null, "cannot download model " + modelSha256 + ": " + e.getMessage());
        }
        String actual = ReleaseStatement.sha256Hex(bytes);
        if (!actual.equals(modelSha256)) {
            throw reject(name, version, modelSha256, actual, "the downloaded model hashes to " + actual + ", not the assigned " + modelSha256);
        }
        verifySignature(registration, name, version, modelSha256, bytes, manifest);
        String file;
        try {
            file = JSON.readTree(manifest).path("file").asText(null);
        } catch (IOException e) {
            throw reject(name, version, modelSha256, actual, "the signed manifest is not JSON: " + e.getMessage());
        }
        if (file == null || file.isBlank() || file.contains("/") || file.contains("\\") || file.startsWith(".")) {
            throw reject(name, version, modelSha256, actual, "the signed manifest's file '" + file + "' is not a plain file name");
        }
        try {
            return write(modelSha256, manifest, file, bytes);
        } catch (IOException e) {
            throw reject(name, version, modelSha256, actual, "cannot write the model directory under " + modelsRoot + ": " + e.getMessage());
        }
    }

    private void verifySignature(JsonNode r, String name, String version, String sha256, byte[] bytes, byte[] manifest) {
        String keyId = r.path("keyId").asText(null);
        PublicKey key = keyId == null ? null : trustedKeys.get(keyId);
        if (key == null) {
            throw reject(name, version, sha256, sha256, "model " + sha256 + " is signed by key " + keyId + ", which this vehicle does not trust");
        }
        ReleaseStatement statement;
        try {
            statement = new ReleaseStatement(ReleaseStatement.MODEL, name, version, sha256, bytes.length, ReleaseStatement.sha256Hex(manifest));
        } catch (IllegalArgumentException e) {
            throw reject(name, version, sha256, sha256, "the registration cannot form a release statement: " + e.getMessage());
        }
        if (!statement.verify(key, r.path("signatureBase64").asText(null))) {
            throw reject(name, version, sha256, sha256, "the release signature of model " + sha256 + " does not verify with key " + keyId
                    + ": the bytes, the manifest, the name or the version are not what was signed");
        }
    }

    /** Writes into a temporary directory beside the target and renames it: ModelLoader never sees a half-written model. */
    private Path write(String sha256, byte[] manifest, String file, byte[] bytes) throws IOException {
        Path target = modelsRoot.resolve(sha256);
        Files.createDirectories(modelsRoot);
        Path temp = Files.createTempDirectory(modelsRoot, "." + sha256.substring(0, 8) + "-");
        try {
            Files.write(temp.resolve(ModelLoader.MANIFEST), manifest);
            Files.write(temp.resolve(file), bytes);
            deleteTree(target);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(modelsRoot + " does not support atomic renames; put it on a local filesystem", e);
            }
            return target;
        } finally {
            deleteTree(temp);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A GET of the cloud with the vehicle's credential; the policy installer reads the registry through it too. */
    byte[] get(String path) throws IOException {
        URI uri = cloud.resolve(path);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(2))
                .header("Authorization", credential.authorization("GET", uri)).GET().build();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (response.statusCode() != 200) {
            String detail = new String(response.body(), StandardCharsets.UTF_8);
            try {
                JsonNode p = JSON.readTree(detail);
                if (p.hasNonNull("detail")) {
                    detail = p.get("detail").asText();
                }
            } catch (IOException notJson) {
                // the body as it came
            }
            throw new IOException(cloud.resolve(path) + " answered HTTP " + response.statusCode() + (detail.isBlank() ? "" : ": " + detail));
        }
        return response.body();
    }

    private ModelRejectedException reject(String name, String version, String expected, String actual, String reason) {
        return new ModelRejectedException(reason, rejected(name, version, expected, actual, reason));
    }

    private ModelRejected rejected(String name, String version, String expected, String actual, String reason) {
        Instant now = Instant.now();
        return new ModelRejected(name, version, expected == null ? null : modelsRoot.resolve(expected).toString(), expected, actual, reason,
                now.getEpochSecond() * 1_000_000_000L + now.getNano());
    }
}
