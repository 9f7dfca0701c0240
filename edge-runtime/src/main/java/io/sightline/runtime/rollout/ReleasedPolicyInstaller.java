package io.sightline.runtime.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.domain.event.PolicyRejected;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.edge.risk.RiskPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The edge's side of a policy release (issue 17 §2, ADR-0035), as {@link ReleasedModelInstaller} is
 * for models: downloads a registered risk policy by sha256, checks the bytes' sha256 against the
 * assignment, verifies the Ed25519 release statement ({@code kind=policy}, the signed version, size
 * and sha256) with the vehicle's own keys, parses it as a {@link RiskPolicy} whose version must be the
 * signed one, and keeps it as {@code <policies root>/<sha256>.json}. Any failure is a
 * {@link PolicyRejected}; the caller keeps its last known good policy.
 */
public final class ReleasedPolicyInstaller {

    /** The last policy this vehicle verified, by sha256, beside the installed policies. */
    public static final String LAST_KNOWN_GOOD = "last-known-good";
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A verified policy and the sha256 of its bytes. */
    public record Verified(RiskPolicy policy, String sha256) {
    }

    /** What {@link #activateOrKeep} settled on: the policy now deciding (null: the caller's), and the rejection when the new one was refused. */
    public record Outcome(Verified serving, Optional<PolicyRejected> rejected) {
    }

    private final ReleasedModelInstaller registry;
    private final Map<String, PublicKey> trustedKeys;
    private final Path policiesRoot;

    /** @param registry reads the cloud's registry with the vehicle's token */
    public ReleasedPolicyInstaller(ReleasedModelInstaller registry, Map<String, PublicKey> trustedKeys, Path policiesRoot) {
        this.registry = registry;
        this.trustedKeys = Map.copyOf(trustedKeys);
        this.policiesRoot = policiesRoot;
    }

    public Outcome activateOrKeep(Verified current, String policySha256) {
        try {
            return new Outcome(install(policySha256), Optional.empty());
        } catch (Rejected e) {
            return new Outcome(current, Optional.of(e.event));
        }
    }

    /** The last policy this vehicle verified, read again and re-hashed, unless it is {@code refusedSha256}; empty when none is kept. */
    public Optional<Verified> lastKnownGood(String refusedSha256) {
        try {
            Path marker = policiesRoot.resolve(LAST_KNOWN_GOOD);
            if (!Files.isRegularFile(marker)) {
                return Optional.empty();
            }
            String sha = Files.readString(marker, StandardCharsets.US_ASCII).strip();
            if (sha.equals(refusedSha256) || !SHA256.matcher(sha).matches()) {
                return Optional.empty();
            }
            byte[] bytes = Files.readAllBytes(policiesRoot.resolve(sha + ".json"));
            if (!ReleaseStatement.sha256Hex(bytes).equals(sha)) {
                return Optional.empty();
            }
            return Optional.of(new Verified(RiskPolicy.fromJson(new String(bytes, StandardCharsets.UTF_8)), sha));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Records {@code v} as the last known good policy. */
    public void keep(Verified v) throws IOException {
        Files.createDirectories(policiesRoot);
        Files.writeString(policiesRoot.resolve(LAST_KNOWN_GOOD), v.sha256() + "\n", StandardCharsets.US_ASCII);
    }

    private Verified install(String sha256) {
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new Rejected(null, sha256, null, "the assigned policy is not a sha256: " + sha256);
        }
        JsonNode r;
        try {
            r = JSON.readTree(registry.get("api/v1/registry/policies/" + sha256)).get("registration");
        } catch (IOException e) {
            throw new Rejected(null, sha256, null, "cannot read the registration of policy " + sha256 + ": " + e.getMessage());
        }
        if (r == null || r.isNull()) {
            throw new Rejected(null, sha256, null, "the registry returned no registration event for policy " + sha256);
        }
        String version = r.path("policyVersion").asText(null);
        byte[] bytes;
        try {
            bytes = registry.get("api/v1/registry/policies/" + sha256 + "/artifact");
        } catch (IOException e) {
            throw new Rejected(version, sha256, null, "cannot download policy " + sha256 + ": " + e.getMessage());
        }
        String actual = ReleaseStatement.sha256Hex(bytes);
        if (!actual.equals(sha256)) {
            throw new Rejected(version, sha256, actual, "the downloaded policy hashes to " + actual + ", not the assigned " + sha256);
        }
        String keyId = r.path("keyId").asText(null);
        PublicKey key = keyId == null ? null : trustedKeys.get(keyId);
        if (key == null) {
            throw new Rejected(version, sha256, actual, "policy " + sha256 + " is signed by key " + keyId + ", which this vehicle does not trust");
        }
        ReleaseStatement statement;
        try {
            statement = new ReleaseStatement(ReleaseStatement.POLICY, "policy", version, sha256, bytes.length, ReleaseStatement.NO_MANIFEST);
        } catch (IllegalArgumentException e) {
            throw new Rejected(version, sha256, actual, "the registration cannot form a release statement: " + e.getMessage());
        }
        if (!statement.verify(key, r.path("signatureBase64").asText(null))) {
            throw new Rejected(version, sha256, actual, "the release signature of policy " + sha256 + " does not verify with key " + keyId
                    + ": the bytes or the version are not what was signed");
        }
        RiskPolicy policy;
        try {
            policy = RiskPolicy.fromJson(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            throw new Rejected(version, sha256, actual, "policy " + sha256 + " is not a risk policy: " + e.getMessage());
        }
        if (!policy.version().equals(version)) {
            throw new Rejected(version, sha256, actual, "policy " + sha256 + " says version " + policy.version() + ", signed as " + version);
        }
        try {
            Files.createDirectories(policiesRoot);
            Path temp = Files.createTempFile(policiesRoot, "." + sha256.substring(0, 8) + "-", ".json");
            try {
                Files.write(temp, bytes);
                Files.move(temp, policiesRoot.resolve(sha256 + ".json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (AtomicMoveNotSupportedException e) {
            throw new Rejected(version, sha256, actual, policiesRoot + " does not support atomic renames; put it on a local filesystem");
        } catch (IOException e) {
            throw new Rejected(version, sha256, actual, "cannot write the policy under " + policiesRoot + ": " + e.getMessage());
        }
        return new Verified(policy, sha256);
    }

    private static final class Rejected extends RuntimeException {
        private final PolicyRejected event;

        Rejected(String version, String expected, String actual, String reason) {
            super(reason, null, false, false);
            Instant now = Instant.now();
            this.event = new PolicyRejected(version, expected, actual, reason, now.getEpochSecond() * 1_000_000_000L + now.getNano());
        }
    }
}
