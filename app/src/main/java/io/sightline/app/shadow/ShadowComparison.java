package io.sightline.app.shadow;

import io.sightline.edge.shadow.AlertAgreement;
import io.sightline.edge.shadow.DetectionAgreement;
import io.sightline.edge.range.CameraModel;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.inference.ActivatedModel;
import io.sightline.inference.FrameSource;
import io.sightline.inference.ModelLoader;
import io.sightline.inference.ModelRejectedException;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.SessionConfig;
import io.sightline.inference.VideoFrame;
import io.sightline.runtime.AssumedDrive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The offline shadow comparison (issue 17 §3): a champion and a challenger model on the same
 * decoded frames of one clip, each through its own tracker, range/TTC, risk policy and actuation,
 * and how far the challenger's detections and alerts depart from the champion's.
 *
 * <p>Each frame is decoded once and both detectors read the same pixels, one after the other on
 * one thread: running them side by side on two cores would make each model's latency depend on
 * the other's, and latency is one of the measures.
 */
public final class ShadowComparison {

    /** Names the launcher resolves to a bundled model directory. */
    public static final List<String> BUNDLED = List.of("yolox-nano", "fastestdet");

    /**
     * @param championMinScore   hide the champion's boxes scoring at or below this (NaN: the manifest's reportScore)
     * @param challengerMinScore the same for the challenger: how an honestly worse challenger is made
     * @param maxFrames          stop after this many frames (0 = all)
     */
    public record Options(String champion, String challenger, String video, double championMinScore, double challengerMinScore,
                          long maxFrames, double egoSpeedMps, RiskPolicy challengerPolicy, List<ReviewedAlert> reviewedAlerts) {

        /** Both sides on the default policy, no reviewed alerts. */
        public Options(String champion, String challenger, String video, double championMinScore, double challengerMinScore,
                       long maxFrames, double egoSpeedMps) {
            this(champion, challenger, video, championMinScore, challengerMinScore, maxFrames, egoSpeedMps, null, null);
        }

        public Options {
            checkScore("--champion-min-score", championMinScore);
            checkScore("--challenger-min-score", challengerMinScore);
            if (maxFrames < 0) {
                throw new IllegalArgumentException("--max-frames must be >= 0 (0 = all), got " + maxFrames);
            }
        }

        private static void checkScore(String option, double s) {
            if (!Double.isNaN(s) && !(s >= 0 && s < 1)) {
                throw new IllegalArgumentException(option + " must be a score in [0, 1), got " + s);
            }
        }
    }

    /**
     * An alert a reviewer confirmed on this clip (the {@code --reviewed-alerts} file): its kind and its
     * time in the clip's own seconds (the frames' timestamps, as the report prints alert times).
     */
    public record ReviewedAlert(String kind, double atS) {
        public ReviewedAlert {
            if (kind == null || kind.isBlank()) {
                throw new IllegalArgumentException("a reviewed alert needs its kind (e.g. FORWARD_COLLISION)");
            }
            if (!Double.isFinite(atS) || atS < 0) {
                throw new IllegalArgumentException("a reviewed alert's atS must be a time in the clip in seconds >= 0, got " + atS);
            }
        }
    }

    /**
     * What each side raised for one reviewed alert: the nearest alert of its kind within ±0.5 s
     * ({@link AlertAgreement#WINDOW_S}), as the cloud's replay judges it (ADR-0040).
     *
     * @param champion   the champion's matching alert, or null: the champion itself did not raise it on this clip
     * @param challenger the challenger's matching alert, or null: missed (when the champion raised it)
     */
    public record ReviewedOutcome(ReviewedAlert reviewed, AlertAgreement.Alert champion, AlertAgreement.Alert challenger) {
        public boolean missed() {
            return champion != null && challenger == null;
        }

        public double ttcDifferenceS() {
            return champion == null || challenger == null ? Double.NaN : challenger.ttcS() - champion.ttcS();
        }
    }

    /** Frames done so far, and the clip's declared total (-1 when unknown). */
    @FunctionalInterface
    public interface ProgressListener {
        ProgressListener NONE = (done, total) -> { };

        void onFrame(long done, long total);
    }

    /** One model's figures. */
    public record Side(String role, String model, String version, String sha256, double minScore, long boxes, long hiddenBoxes,
                       long rejectedInputs, List<AlertAgreement.Alert> alerts, Latency inference, Latency detect) {
    }

    /** Milliseconds over the frames of the run. */
    public record Latency(double p50Ms, double p99Ms, double maxMs, double meanMs, long count) {
        static Latency of(Histogram h) {
            return new Latency(h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6,
                    h.getMean() / 1e6, h.getTotalCount());
        }

        /** The side's time over the run: what it costs the CPU that runs it. */
        double totalSeconds() {
            return meanMs * count / 1e3;
        }
    }

    /**
     * @param reviewed null when no reviewed alerts were given (the measure is not taken), else one outcome per reviewed alert
     * @param challengerPolicyVersion the policy the challenger decided with
     */
    public record Result(String video, long frames, double frameRateHz, Side champion, Side challenger,
                         Map<String, DetectionAgreement.Counts> perClass, DetectionAgreement.Counts overall,
                         AlertAgreement.Result alerts, double wallSeconds, String championPolicyVersion, String challengerPolicyVersion,
                         List<ReviewedOutcome> reviewed) {
        /** Agreed forward-collision alerts: the TTC each side acted on at its first warning. */
        public List<AlertAgreement.Pair> forwardCollisionPairs() {
            return alerts.agreed().stream().filter(p -> p.champion().kind().equals("FORWARD_COLLISION")).toList();
        }
    }

    private ShadowComparison() {
    }

    /**
     * Resolves a bundled model name or a model directory; a name that is neither is refused here,
     * before any model or video is opened, with what would have worked.
     */
    static Path modelDir(String name, String option) {
        Path p = Path.of(name);
        if (Files.isDirectory(p)) {
            if (!Files.isRegularFile(p.resolve(ModelLoader.MANIFEST))) {
                throw new ModelRejectedException(option + ": model directory " + p.toAbsolutePath() + " has no " + ModelLoader.MANIFEST, null);
            }
            return p;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        boolean bundled = switch (lower) {
            case "yolox-nano", "yolox_nano", "yolox", "fastestdet", "fastest-det" -> true;
            default -> false;
        };
        if (!bundled) {
            throw new ModelRejectedException(option + ": unknown model '" + name + "': use " + String.join(" or ", BUNDLED)
                    + ", or a model directory with a " + ModelLoader.MANIFEST, null);
        }
        return ProjectHome.bundledModel(lower);
    }

    /**
     * Runs the comparison over the clip. Errors come as the inference module's exceptions, each with
     * a one-line message: {@link ModelRejectedException} for a model, {@code FrameSourceException}
     * for the video, {@code StreamEndedEarlyException} for a file cut short.
     */
    public static Result run(Options options, ProgressListener progress) {
        long wallStart = System.nanoTime();
        Path championDir = modelDir(options.champion(), "--champion");
        Path challengerDir = modelDir(options.challenger(), "--challenger");
        // One intra-op thread, as the edge runs: the latencies are a vehicle's, and two sessions of the
        // same weights then give bit-identical boxes.
        SessionConfig ort = new SessionConfig(1, 1, "ALL_OPT");
        ActivatedModel champion = null;
        ActivatedModel challenger = null;
        try (FrameSource source = FrameSource.open(options.video(), new FrameSource.Options(false, 1, 5000))) {
            champion = activate(championDir, "champion", ort, "--champion");
            challenger = activate(challengerDir, "challenger", ort, "--challenger");
            double frameRateHz = source.frameRate() > 0 ? source.frameRate() : 25.0;
            CameraModel camera = AssumedDrive.camera(source.width(), source.height());
            ShadowLane a = new ShadowLane("champion", champion, options.championMinScore(), camera, frameRateHz, options.egoSpeedMps());
            RiskPolicy championPolicy = RiskPolicy.defaults();
            RiskPolicy challengerPolicy = options.challengerPolicy() != null ? options.challengerPolicy() : championPolicy;
            ShadowLane b = new ShadowLane("challenger", challenger, options.challengerMinScore(), camera, frameRateHz,
                    options.egoSpeedMps(), challengerPolicy);
            DetectionAgreement detections = new DetectionAgreement();
            long declared = source.declaredFrames();
            long total = options.maxFrames() > 0 && (declared < 0 || options.maxFrames() < declared) ? options.maxFrames() : declared;
            long frames = 0;
            progress.onFrame(0, total);
            for (VideoFrame f; (options.maxFrames() == 0 || frames < options.maxFrames()) && (f = source.next()) != null; ) {
                // The frame is borrowed from the decoder and read by both detectors before the next grab.
                List<DetectionAgreement.Box> ca = a.onFrame(f.image(), f.index(), f.captureTimeNanos());
                List<DetectionAgreement.Box> cb = b.onFrame(f.image(), f.index(), f.captureTimeNanos());
                detections.onFrame(ca, cb);
                frames++;
                progress.onFrame(frames, total);
            }
            return new Result(source.location(), frames, frameRateHz, side(a), side(b), detections.perClass(), detections.overall(),
                    AlertAgreement.of(a.alerts(), b.alerts()), (System.nanoTime() - wallStart) / 1e9, championPolicy.version(),
                    challengerPolicy.version(), options.reviewedAlerts() == null ? null : reviewed(options.reviewedAlerts(), a.alerts(),
                            b.alerts()));
        } finally {
            if (champion != null) {
                champion.detector().close();
            }
            if (challenger != null) {
                challenger.detector().close();
            }
        }
    }

    static List<ReviewedOutcome> reviewed(List<ReviewedAlert> reviewed, List<AlertAgreement.Alert> champion,
                                          List<AlertAgreement.Alert> challenger) {
        List<ReviewedOutcome> out = new java.util.ArrayList<>();
        for (ReviewedAlert r : reviewed) {
            out.add(new ReviewedOutcome(r, nearest(champion, r), nearest(challenger, r)));
        }
        return out;
    }

    private static AlertAgreement.Alert nearest(List<AlertAgreement.Alert> alerts, ReviewedAlert r) {
        AlertAgreement.Alert best = null;
        for (AlertAgreement.Alert a : alerts) {
            double dt = Math.abs(a.raisedAtNanos() / 1e9 - r.atS());
            if (a.kind().equals(r.kind()) && dt <= AlertAgreement.WINDOW_S
                    && (best == null || dt < Math.abs(best.raisedAtNanos() / 1e9 - r.atS()))) {
                best = a;
            }
        }
        return best;
    }

    private static ActivatedModel activate(Path dir, String role, SessionConfig ort, String option) {
        try {
            return ModelLoader.activate(dir, role, ort);
        } catch (ModelRejectedException e) {
            throw new ModelRejectedException(option + ": " + e.getMessage(), e.event());
        }
    }

    private static Side side(ShadowLane lane) {
        ActivatedModel m = lane.model();
        return new Side(lane.role(), m.event().modelName(), m.event().modelVersion(), m.event().modelSha256(), lane.minScore(),
                lane.boxes(), lane.hiddenBoxes(), lane.rejectedInputs(), List.copyOf(lane.alerts()),
                Latency.of(lane.inferenceNanos()), Latency.of(lane.detectNanos()));
    }
}
