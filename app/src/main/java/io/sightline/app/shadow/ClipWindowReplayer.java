package io.sightline.app.shadow;

import io.sightline.cloud.rollout.WindowReplayer;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.inference.ActivatedModel;
import io.sightline.inference.FrameSource;
import io.sightline.inference.FrameSourceException;
import io.sightline.inference.ModelLoader;
import io.sightline.inference.ModelRejectedException;
import io.sightline.inference.SessionConfig;
import io.sightline.inference.VideoFrame;
import io.sightline.runtime.AssumedDrive;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The cloud's replay of an alert window (ADR-0040): the clip decoded by the edge's decoder, each
 * frame through the model's detector and a {@link ShadowLane} (the edge's tracker, range/TTC, risk
 * policy and actuation, as the offline {@code shadow} command runs them), at the frame times and
 * speeds the session recorded. One replay at a time: the rollout check is one thread, and two ONNX
 * sessions at once would only slow each other on a small cloud node.
 *
 * <p>Models are written under a private temporary directory by sha256 and activated by
 * {@link ModelLoader} (its own sha256, input and output checks); the two most recently used stay
 * activated, the champion's and the challenger's of the rollout being checked.
 */
public final class ClipWindowReplayer implements WindowReplayer, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEPT_MODELS = 2;

    private final Path work;
    private final Map<String, ActivatedModel> models = new LinkedHashMap<>(4, 0.75f, true);

    public ClipWindowReplayer() {
        try {
            this.work = Files.createTempDirectory("sightline-replay-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the replay's working directory: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized Replay replay(Window window, Model model, String policyJson) {
        RiskPolicy policy;
        try {
            policy = RiskPolicy.fromJson(policyJson);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("the policy is not a risk policy: " + e.getMessage(), e);
        }
        ActivatedModel m = activated(model);
        Path clip = null;
        try {
            clip = Files.createTempFile(work, "clip-", ".mp4");
            Files.write(clip, window.clip());
            try (FrameSource source = FrameSource.open(clip.toString(), new FrameSource.Options(false, 1, 5000))) {
                double fps = source.frameRate() > 0 ? source.frameRate() : 25.0;
                ShadowLane lane = new ShadowLane("replay", m, Double.NaN, AssumedDrive.camera(source.width(), source.height()), fps,
                        AssumedDrive.EGO_SPEED_MPS, policy);
                long[] times = window.frameTimeNanos();
                int k = 0;
                for (VideoFrame f; k < times.length && (f = source.next()) != null; k++) {
                    double speed = Double.isNaN(window.egoSpeedMps()[k]) ? AssumedDrive.EGO_SPEED_MPS : window.egoSpeedMps()[k];
                    lane.onFrame(f.image(), k, times[k], speed);
                }
                List<Alert> alerts = new ArrayList<>();
                lane.alerts().forEach(a -> alerts.add(new Alert(a.kind(), a.raisedAtNanos(), a.ttcS())));
                return new Replay(k, alerts);
            }
        } catch (FrameSourceException e) {
            throw new IllegalArgumentException("the clip cannot be decoded: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the clip under " + work + ": " + e.getMessage(), e);
        } finally {
            if (clip != null) {
                try {
                    Files.deleteIfExists(clip);
                } catch (IOException ignored) {
                    // a temporary file left behind in our own directory
                }
            }
        }
    }

    private ActivatedModel activated(Model model) {
        ActivatedModel m = models.get(model.sha256());
        if (m != null) {
            return m;
        }
        Path dir = work.resolve(model.sha256());
        try {
            String file = JSON.readTree(model.manifestJson()).path("file").asText("");
            if (file.isBlank() || file.contains("/") || file.contains("\\") || file.startsWith(".")) {
                throw new IllegalArgumentException("the signed manifest's file '" + file + "' is not a plain file name");
            }
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(ModelLoader.MANIFEST), model.manifestJson());
            Files.write(dir.resolve(file), model.weights());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model " + model.sha256() + " under " + work + ": " + e.getMessage(), e);
        }
        try {
            // One intra-op thread, as on the edge: the boxes are then the ones a vehicle computes.
            m = ModelLoader.activate(dir, "replay", new SessionConfig(1, 1, "ALL_OPT"));
        } catch (ModelRejectedException e) {
            throw new IllegalArgumentException("model " + model.sha256() + " does not activate: " + e.getMessage(), e);
        }
        models.put(model.sha256(), m);
        while (models.size() > KEPT_MODELS) {
            String eldest = models.keySet().iterator().next();
            models.remove(eldest).detector().close();
        }
        return m;
    }

    @Override
    public synchronized void close() {
        models.values().forEach(m -> m.detector().close());
        models.clear();
        try (var files = Files.walk(work)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // the temporary directory is the OS's to clean then
        }
    }
}
