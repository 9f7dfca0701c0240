package io.sightline.runtime.rollout;

import io.sightline.domain.event.ModelRejected;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.inference.ActivatedModel;
import io.sightline.inference.ModelLoader;
import io.sightline.inference.ModelRejectedException;
import io.sightline.inference.SessionConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What an edge runs when it follows its assignment (issue 17 §2): before a session it asks
 * {@link AssignmentFollower} for the vehicle's assignment and activates the assigned champion through
 * {@link ReleasedModelInstaller} (sha256 and the release signature checked against the vehicle's own
 * keys). A model that fails is a {@link ModelRejected} for the session's journal, and the vehicle runs
 * its last known good: the last assigned model it verified and activated (its sha256 is kept in
 * {@code <models root>/last-known-good}), else the model it was started with. A cloud that cannot be
 * reached, or a vehicle without an assignment, changes nothing.
 *
 * <p>An assignment naming a challenger in {@code shadow} mode has it installed and verified the same
 * way (role {@code shadow}); the edge runs it beside the champion ({@code ShadowStage}). A challenger
 * that fails its checks is a second {@link ModelRejected} and the session runs without a shadow.
 *
 * @param assigned       the model to run instead of the configured one, or empty
 * @param rejected       the refusal to journal, or empty
 * @param note           one line for the operator
 * @param shadow         the verified challenger to run in shadow mode, or empty
 * @param shadowRejected the challenger's refusal to journal, or empty
 */
public record StartupAssignment(Optional<ActivatedModel> assigned, Optional<ModelRejected> rejected, String note,
                                Optional<ActivatedModel> shadow, Optional<ModelRejected> shadowRejected) {

    public StartupAssignment(Optional<ActivatedModel> assigned, Optional<ModelRejected> rejected, String note) {
        this(assigned, rejected, note, Optional.empty(), Optional.empty());
    }

    /** The refusals to journal at the head of the session: the champion's, then the challenger's. */
    public List<ModelRejected> refusals() {
        List<ModelRejected> all = new java.util.ArrayList<>(2);
        rejected.ifPresent(all::add);
        shadowRejected.ifPresent(all::add);
        return all;
    }

    public static final String LAST_KNOWN_GOOD = "last-known-good";

    public static Map<String, PublicKey> trustedKeys(List<Path> files) {
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        for (Path f : files) {
            try {
                PublicKey k = ReleaseStatement.publicKey(Files.readString(f, StandardCharsets.US_ASCII));
                keys.put(ReleaseStatement.keyId(k), k);
            } catch (IOException e) {
                throw new IllegalArgumentException("--trusted-release-key " + f + ": cannot read it (" + e.getMessage() + ")");
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--trusted-release-key " + f + ": " + e.getMessage());
            }
        }
        return keys;
    }

    public static StartupAssignment follow(URI cloud, String fleetId, String vehicleId, Supplier<String> token, Map<String, PublicKey> keys,
                                           Path modelsRoot, SessionConfig config) throws InterruptedException {
        return follow(cloud, fleetId, vehicleId, CloudCredential.bearer(token), keys, modelsRoot, config);
    }

    public static StartupAssignment follow(URI cloud, String fleetId, String vehicleId, CloudCredential token, Map<String, PublicKey> keys,
                                           Path modelsRoot, SessionConfig config) throws InterruptedException {
        ReleasedModelInstaller installer = new ReleasedModelInstaller(cloud, token, keys, modelsRoot);
        AssignmentFollower follower = new AssignmentFollower(cloud, fleetId, vehicleId, token, installer, config, null);
        AssignmentFollower.Poll poll;
        try {
            poll = follower.pollOnce();
        } catch (IOException e) {
            // A refused connection (the vehicle offline) is a ConnectException without a message: name the exception then.
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            return new StartupAssignment(Optional.empty(), Optional.empty(), "assignment not read (" + why
                    + "); running the configured model");
        }
        StartupAssignment champion = champion(poll, follower, modelsRoot, config);
        String challenger = follower.shadowChallengerSha256();
        if (challenger == null || champion.assigned().map(m -> m.event().modelSha256().equals(challenger)).orElse(false)) {
            return champion;
        }
        ReleasedModelInstaller.Outcome shadow = installer.activateOrKeep(null, challenger, "shadow", config);
        return new StartupAssignment(champion.assigned(), champion.rejected(), champion.note() + (shadow.rejected().isPresent()
                ? "; shadow challenger refused: " + shadow.rejected().get().reason() + " (no shadow this session)"
                : "; shadow challenger " + shadow.serving().event().modelName() + " " + shadow.serving().event().modelSha256() + " (verified)"),
                Optional.ofNullable(shadow.serving()), shadow.rejected());
    }

    private static StartupAssignment champion(AssignmentFollower.Poll poll, AssignmentFollower follower, Path modelsRoot,
                                              SessionConfig config) {
        if (poll.rejected().isPresent()) {
            Optional<ActivatedModel> lastKnownGood = lastKnownGood(modelsRoot, config, poll.rejected().get().expectedSha256());
            return new StartupAssignment(lastKnownGood, poll.rejected(), "assigned model refused: " + poll.rejected().get().reason()
                    + "; running " + lastKnownGood.map(m -> "the last known good " + m.event().modelName() + " " + m.event().modelSha256())
                    .orElse("the configured model"));
        }
        ActivatedModel serving = follower.serving();
        if (serving == null) {
            return new StartupAssignment(Optional.empty(), Optional.empty(), "assignment revision " + poll.revision()
                    + " names no model; running the configured model");
        }
        try {
            Files.writeString(modelsRoot.resolve(LAST_KNOWN_GOOD), serving.event().modelSha256() + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the last known good model in " + modelsRoot, e);
        }
        return new StartupAssignment(Optional.of(serving), Optional.empty(), "assignment revision " + poll.revision() + ": model "
                + serving.event().modelName() + " " + serving.event().modelVersion() + " " + serving.event().modelSha256() + " (verified)");
    }

    /** The last assigned model this vehicle verified, activated again (ModelLoader re-checks its sha256); not the one just refused. */
    private static Optional<ActivatedModel> lastKnownGood(Path modelsRoot, SessionConfig config, String refusedSha256) {
        Path marker = modelsRoot.resolve(LAST_KNOWN_GOOD);
        if (!Files.isRegularFile(marker)) {
            return Optional.empty();
        }
        try {
            String sha = Files.readString(marker, StandardCharsets.US_ASCII).strip();
            if (sha.equals(refusedSha256) || !sha.matches("[0-9a-f]{64}")) {
                return Optional.empty();
            }
            return Optional.of(ModelLoader.activate(modelsRoot.resolve(sha), "primary", config));
        } catch (IOException | ModelRejectedException e) {
            return Optional.empty();
        }
    }
}
