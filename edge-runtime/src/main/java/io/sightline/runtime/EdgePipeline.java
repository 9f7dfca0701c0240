package io.sightline.runtime;

import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.FramesDropped;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.edge.range.CameraModel;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.inference.ActivatedModel;
import io.sightline.inference.Clocks;
import io.sightline.inference.Detector;
import io.sightline.inference.FrameSource;
import io.sightline.inference.ModelLoader;
import io.sightline.inference.ProducedEvent;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.SessionConfig;
import io.sightline.inference.StageStats;
import io.sightline.runtime.Handover.Decided;
import io.sightline.runtime.Handover.Perceived;
import io.sightline.runtime.telemetry.EdgeTelemetry;
import io.sightline.runtime.telemetry.SessionTelemetry;
import io.sightline.uplink.evidence.EvidenceStore;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * The edge runtime on one video: decode → detect ({@link PerceptionLoop}) → decide
 * ({@link DecideStage}: tracker, range/TTC, risk, actuation) → journal ({@link JournalStage}), each
 * stage a class on its own thread, joined by bounded queues ({@link LatestWinsQueue}); evidence
 * pictures ({@link EvidenceStage}) beside them.
 *
 * <p>Only the hand-over into the detector may drop frames (latest-wins, when the source is live
 * or paced in real time): detection is the one stage slower than the camera, and a frame dropped
 * after detection would already have events in the journal. The later queues block instead;
 * they feed stages that take microseconds to milliseconds, so they stay short.
 *
 * <p>Every frame's events (FramesDropped before it, FrameCaptured, misses, detections, the
 * assumed vehicle state, tracks, risk, alerts) go to the journal in one append, so a frame is
 * never half-recorded; the journal's group commit (ADR-0033) shares one fsync among the frames of
 * an interval and syncs a frame with an alert or actuation at once. Envelope times are the edge wall
 * clock when each event was produced, held non-decreasing in the journal stage (the cloud refuses
 * a session whose time goes backwards). Payload times of the decisions are the frame's time:
 * session start + the frame's timestamp in the file, or the capture clock for a live source.
 */
public final class EdgePipeline implements AutoCloseable {

    /** Detect → decide and decide → journal: a little slack for an fsync hiccup without stalling detection. */
    static final int DECIDE_QUEUE_FRAMES = 4;
    static final int JOURNAL_QUEUE_FRAMES = 8;
    /**
     * FFmpeg decoder threads (ADR-0039): 0 lets FFmpeg choose (frame threads, cores + 1). Measured
     * against 1 on the bundled clip (bench-pipeline, CPU per frame by thread): the same CPU per frame
     * (2.5 ms), but one thread serialises decoding with the colour conversion and the copy (one run
     * each, load average 14–16: 34.4 against 62.1 frames/s). Frame threads cost no extra CPU; they
     * only decode ahead.
     */
    static final int DECODER_THREADS = 0;
    /** The journal may hold this much before retention deletes acknowledged events outside alert windows. */
    public static final long JOURNAL_BUDGET_BYTES = 1L << 30;

    /**
     * @param video          file, URL or device
     * @param model          primary model (bundled name or model directory)
     * @param fallbackModel  engaged after repeated detector misses, or null for none
     * @param realtime       pace a file at its frame rate
     * @param latestWins     drop the oldest frame when detection falls behind; null = when live or realtime
     * @param maxFrames      stop after this many frames (0 = all)
     * @param deviceId       the device that signs the session's batches; DriveSessionStarted names it, and the
     *                       cloud refuses a session signed by another device
     */
    public record Options(String video, String model, String fallbackModel, boolean realtime, Boolean latestWins,
                          double egoSpeedMps, int ortThreads, long maxFrames, String fleetId, String vehicleId,
                          String deviceId, String softwareVersion) {
        public Options {
            if (!(egoSpeedMps >= 0) || Double.isInfinite(egoSpeedMps)) {
                throw new IllegalArgumentException("--ego-speed-mps must be a finite speed >= 0, got " + egoSpeedMps);
            }
            if (ortThreads < 1) {
                throw new IllegalArgumentException("--threads must be >= 1, got " + ortThreads);
            }
        }
    }

    /** Called on the journal thread after each frame is journaled. */
    @FunctionalInterface
    public interface ProgressListener {
        ProgressListener NONE = (done, total) -> { };

        /** @param totalFrames declared frames of the source, or -1 when unknown */
        void onFrameJournaled(long framesDone, long totalFrames);
    }

    private final Options options;
    private final FrameSource source;
    private final ActivatedModel primary;
    private final ActivatedModel fallback;
    private volatile boolean stopRequested;
    /** Where evidence frames go (ADR-0008), or null to keep none. */
    private EvidenceStore evidence;
    /** Evidence as the source's own video (ADR-0037) when the source allows it; JPEG frames otherwise. */
    private boolean evidenceClips;
    private ClipStage clipStage;
    /** H.264 encoders the encode path may use, in preference order (ADR-0041). */
    private List<String> clipEncoders = io.sightline.runtime.clip.ClipEncoder.PREFERRED_ENCODERS;
    private long frameRingBudgetBytes = ClipStage.FRAME_RING_BUDGET_BYTES;
    /** Tests: called on the clip stage's thread with a window's frames pinned, before it encodes them. */
    private java.util.function.Consumer<io.sightline.runtime.clip.FrameRing> beforeEncode = r -> { };
    /** How the last run kept its evidence, and why not as asked (null when it was). */
    private String evidenceForm = "none";
    private String evidenceFormReason;
    private String fixedSessionId;
    private long fixedSessionStartNanos;
    private boolean countTraceEdges;
    private long summaryWindowNanos = Math.round(EdgeDefaults.SUMMARY_WINDOW_SECONDS * 1e9);
    private boolean pictureStatistics = true;
    /** Nice value for the detect thread of each session; 0 leaves it at the process's. */
    private int detectorNice;
    /** How the last session's detect thread was scheduled, for the run's summary. */
    private volatile String detectorPriority = "normal";
    private static final java.util.concurrent.atomic.AtomicBoolean PRIORITY_REFUSAL_LOGGED = new java.util.concurrent.atomic.AtomicBoolean();
    /** The safety applications installed at this edge, by name; null for all the shipped ones (ADR-0029). */
    private List<String> applicationNames;
    /** Journaled right after DriveSessionStarted, before the activations (a refused assigned model). */
    private List<SightlineEvent> prelude = List.of();
    /** The challenger model in shadow mode (issue 17 §3, ADR-0032), owned and closed by this pipeline; null for none. */
    private ActivatedModel challenger;
    /**
     * The challenger policy the shadow decides with (ADR-0043): with {@link #challenger}, that model's boxes; without, the
     * champion's (a policy-only challenger). Null: the shadow, if any, decides with the champion's policy.
     */
    private RiskPolicy challengerPolicy;
    private ShadowStage.Options shadowOptions;
    private ShadowStage shadowStage;
    /** Follows the assignment while running (issue 17 §2, ADR-0035), or null; not owned. */
    private io.sightline.runtime.rollout.LiveAssignment live;
    /** The primary's activation causes: the assignment this pipeline was switched to by, or none. */
    private List<String> primaryCauses = List.of();
    /** True once {@link #next} gave the source, fallback and challenger to the next session's pipeline. */
    private boolean handedOver;
    private boolean closed;
    /** The risk policy the sessions decide with (an assigned, verified one, ADR-0035); null: {@link RiskPolicy#defaults()}. */
    private RiskPolicy policy;
    /** The primary is the previous session's, reused after a policy-only switch: the previous pipeline must not close it. */
    private boolean primaryShared;
    /** Frames captured by this pipeline's runs, so that --max-frames bounds the whole run across sessions. */
    private long framesRun;

    private EdgePipeline(Options options, FrameSource source, ActivatedModel primary, ActivatedModel fallback) {
        this.options = options;
        this.source = source;
        this.primary = primary;
        this.fallback = fallback;
    }

    /**
     * Opens the source and activates the models (sha256 and input checks), so a bad path or model
     * fails before anything else starts.
     */
    public static EdgePipeline open(Options options) {
        return open(options, 1.0);
    }

    /**
     * @param playbackSpeed with {@code realtime}, pace the file at this multiple of its frame rate
     *                      (the overload benchmark feeds frames faster than detection can take them)
     */
    public static EdgePipeline open(Options options, double playbackSpeed) {
        return open(options, playbackSpeed, UnaryOperator.identity());
    }

    /**
     * As {@link #open(Options, double)}, with the activated primary detector replaced by
     * {@code primaryDetector} of it (before warm-up): how a test makes the real detector slower
     * (latency-regression monitoring, issue 16 §3) without a second model. The activation event
     * still names the real model, as a slower build of the same weights would.
     */
    static EdgePipeline open(Options options, double playbackSpeed, UnaryOperator<Detector> primaryDetector) {
        return open(options, playbackSpeed, primaryDetector, null);
    }

    /**
     * As {@link #open(Options)}, with {@code assigned} (already activated, e.g. the vehicle's assigned
     * champion from the registry, issue 17 §2) as the primary instead of {@code options.model()}; the
     * pipeline owns it from here and closes it. Null: {@code options.model()}.
     */
    public static EdgePipeline open(Options options, ActivatedModel assigned) {
        return open(options, 1.0, UnaryOperator.identity(), assigned);
    }

    /** The ONNX Runtime settings the pipeline activates its models with; an assigned model should use the same. */
    public static SessionConfig sessionConfig(Options options) {
        return new SessionConfig(options.ortThreads(), 1, "ALL_OPT");
    }

    private static EdgePipeline open(Options options, double playbackSpeed, UnaryOperator<Detector> primaryDetector, ActivatedModel assigned) {
        FrameSource source;
        try {
            source = FrameSource.open(options.video(), new FrameSource.Options(options.realtime(), DECODER_THREADS, 5000, playbackSpeed));
        } catch (RuntimeException e) {
            if (assigned != null) {
                assigned.detector().close();
            }
            throw e;
        }
        ActivatedModel primary = assigned;
        ActivatedModel fb = null;
        try {
            SessionConfig ort = sessionConfig(options);
            if (primary == null) {
                primary = ModelLoader.activate(modelDir(options.model()), "primary", ort);
            }
            Detector wrapped = primaryDetector.apply(primary.detector());
            if (wrapped != primary.detector()) {
                primary = new ActivatedModel(wrapped, primary.event(), primary.directory(), primary.warmUpInferenceNanos());
            }
            if (options.fallbackModel() != null
                    && !modelDir(options.fallbackModel()).toAbsolutePath().normalize().equals(primary.directory().toAbsolutePath().normalize())) {
                fb = ModelLoader.activate(modelDir(options.fallbackModel()), "fallback", ort);
            }
            warmUp(primary, source);
            if (fb != null) {
                warmUp(fb, source);
            }
            return new EdgePipeline(options, source, primary, fb);
        } catch (RuntimeException e) {
            if (primary != null) {
                primary.detector().close();
            }
            if (fb != null) {
                fb.detector().close();
            }
            source.close();
            throw e;
        }
    }

    /** Inference runs before a session starts: ONNX Runtime's first runs allocate and would count as deadline misses. */
    public static final int WARM_UP_RUNS = 3;

    private static void warmUp(ActivatedModel model, FrameSource source) {
        try (Mat black = new Mat(source.height(), source.width(), opencv_core.CV_8UC3, Scalar.all(0))) {
            for (int i = 0; i < WARM_UP_RUNS; i++) {
                model.detector().detect(black);
            }
        }
    }

    private static Path modelDir(String name) {
        Path p = Path.of(name);
        return Files.isRegularFile(p.resolve(ModelLoader.MANIFEST)) ? p : ProjectHome.bundledModel(name);
    }

    public String primaryModelName() {
        return primary.event().modelName();
    }

    public String primarySha256() {
        return primary.event().modelSha256();
    }

    /**
     * Follows the vehicle's assignment while running: when {@code live} holds a verified new champion,
     * the session ends at the next frame boundary (end reason {@link #ASSIGNMENT_CHANGED}) and
     * {@link #next} continues on the same source as a new session; refusals are journaled with the
     * next frame. Set before {@link #run}.
     */
    public EdgePipeline follow(io.sightline.runtime.rollout.LiveAssignment live) {
        this.live = live;
        return this;
    }

    /**
     * Decides with {@code policy} (a verified policy from the vehicle's assignment) instead of
     * {@link RiskPolicy#defaults()}; recorded in {@code DriveSessionStarted} and every decision. Not
     * with {@link #applications}, whose applications carry their own policies. Set before {@link #run}.
     */
    public EdgePipeline policy(RiskPolicy policy) {
        this.policy = policy;
        return this;
    }

    /** The end reason of a session cut short because a verified new assignment waits (ADR-0035). */
    public static final String ASSIGNMENT_CHANGED = "assignment-changed";

    /** Runs a few inferences on {@code model} at this source's frame size (the live follower calls it off the detector's thread). */
    public void warmUp(ActivatedModel model) {
        warmUp(model, source);
    }

    /**
     * The pipeline of the next session, after a session that ended with {@link #ASSIGNMENT_CHANGED}:
     * the same source (it continues at the next frame), fallback, shadow challenger (or {@code to}'s
     * new one, ADR-0043), settings and follower, with {@code to}'s model as the primary, whose {@code ModelActivated} names the
     * assignment. This pipeline keeps only its own primary, closed by {@link #close}. Null when
     * --max-frames is used up.
     */
    public EdgePipeline next(io.sightline.runtime.rollout.LiveAssignment.Switch to) {
        long remaining = options.maxFrames() > 0 ? options.maxFrames() - framesRun : 0;
        if (options.maxFrames() > 0 && remaining <= 0) {
            if (to.model() != null) {
                to.model().detector().close();
            }
            if (to.shadow() != null && to.shadow().model() != null && to.shadow().model() != challenger) {
                to.shadow().model().detector().close();
            }
            return null;
        }
        Options o = new Options(options.video(), options.model(), options.fallbackModel(), options.realtime(), options.latestWins(),
                options.egoSpeedMps(), options.ortThreads(), remaining, options.fleetId(), options.vehicleId(), options.deviceId(),
                options.softwareVersion());
        EdgePipeline n = new EdgePipeline(o, source, to.model() != null ? to.model() : primary, fallback);
        // A policy-only switch keeps the model: the new session activates it again (its ModelActivated names the assignment).
        primaryShared = to.model() == null;
        n.policy = to.policy() != null ? to.policy().policy() : policy;
        n.evidence = evidence;
        n.evidenceClips = evidenceClips;
        n.clipEncoders = clipEncoders;
        n.frameRingBudgetBytes = frameRingBudgetBytes;
        n.beforeEncode = beforeEncode;
        n.countTraceEdges = countTraceEdges;
        n.summaryWindowNanos = summaryWindowNanos;
        n.pictureStatistics = pictureStatistics;
        n.detectorNice = detectorNice;
        n.applicationNames = applicationNames;
        n.challenger = challenger;
        n.challengerPolicy = challengerPolicy;
        n.shadowOptions = shadowOptions;
        if (to.shadow() != null) {
            // The challenger changed alone or with the champion: the new session runs the new one from its first frame (ADR-0043).
            ActivatedModel keep = n.challenger;
            String keepSha = keep == null ? null : keep.event().modelSha256();
            io.sightline.runtime.rollout.LiveAssignment.ShadowSwitch sh = to.shadow();
            if (sh.modelSha256() != null && sh.modelSha256().equals(keepSha)) {
                if (sh.model() != null && sh.model() != keep) {
                    sh.model().detector().close();
                }
            } else {
                if (keep != null) {
                    keep.detector().close();
                }
                // Verified and warmed up on the follower's thread, as a new champion is.
                n.challenger = sh.model();
            }
            n.challengerPolicy = sh.policy() == null ? null : sh.policy().policy();
            if (n.shadowOptions == null) {
                n.shadowOptions = ShadowStage.Options.defaults();
            }
        }
        n.live = live;
        n.primaryCauses = to.causes();
        handedOver = true;
        return n;
    }

    public String fallbackModelName() {
        return fallback == null ? null : fallback.event().modelName();
    }

    public long declaredFrames() {
        return source.declaredFrames();
    }

    /**
     * Keeps an evidence JPEG of every frame (boxes drawn) in {@code store} and names it in the
     * frame's FrameCaptured; null (the default) keeps none. Set before {@link #run}.
     */
    public EdgePipeline evidence(EvidenceStore store) {
        this.evidence = store;
        return this;
    }

    /**
     * With {@link #evidence}: keeps the evidence as clips of the source's own video, cut per alert
     * window (ADR-0037), instead of a JPEG per frame, when the source is a file whose codec MP4
     * carries; otherwise (a device, a stream, another codec) JPEG frames as before. Set before {@link #run}.
     */
    public EdgePipeline evidenceClips(boolean clips) {
        this.evidenceClips = clips;
        return this;
    }

    private Map<String, Long> stageCpuNanos = Map.of();
    private long handoverExtraAllocations;
    /** Pixel buffers the decode → detect hand-over reuses, frame after frame. */
    public static final int HANDOVER_BUFFERS = FrameBuffers.HANDOVER_BUFFERS;

    /** Pixel buffers the decode → detect hand-over allocated beyond its reused ones in the last {@link #run}: 0 expected. */
    public long handoverExtraAllocations() {
        return handoverExtraAllocations;
    }

    /**
     * CPU nanoseconds of each stage's thread (decode, detect, decide, journal, evidence…) in the last
     * {@link #run}, by stage name: where a frame's CPU goes, per stage (issue 19). Native threads
     * (FFmpeg's decoder pool) are not in it; {@link ThreadCpu} sees them.
     */
    public Map<String, Long> stageCpuNanos() {
        return stageCpuNanos;
    }

    private Map<String, long[]> queueWaitNanos = Map.of();

    /**
     * The last run's hand-overs: per queue, {producer's wait for room, consumer's wait for an item} in
     * nanoseconds. A stage that waits for its input while its core is free is a bubble in the pipeline.
     */
    public Map<String, long[]> queueWaitNanos() {
        return queueWaitNanos;
    }

    /** The clips cut in the last {@link #run}: bytes per alert window, for the run's summary; empty without clips. */
    public List<ClipSummary> clipsCut() {
        if (clipStage == null) {
            return List.of();
        }
        List<ClipSummary> out = new ArrayList<>();
        for (ClipStage.Cut c : clipStage.cuts()) {
            out.add(new ClipSummary(c.sha256(), c.bytes(), c.frameCount(), c.alertIds().size(), c.cutNanos(), c.method(), c.clipNanos(),
                    c.stills(), c.stillBytes(), c.stillNanos()));
        }
        return out;
    }

    /**
     * One alert window's clip: its size, frames, the alerts it covers and the time its cut took (off
     * the detector's thread), whether it was remuxed or encoded and what that alone took, and the
     * deciding frames' stills kept with it.
     */
    public record ClipSummary(String sha256, long bytes, int frames, int alerts, long cutNanos, String method, long clipNanos,
                              int stills, long stillBytes, long stillNanos) {
    }

    /**
     * How the last {@link #run} kept its evidence: {@code none}, {@code jpeg}, {@code clip-remux} or
     * {@code clip-encode:<encoder>}.
     */
    public String evidenceForm() {
        return evidenceForm;
    }

    /**
     * {@code --evidence-form}: {@code clip} (true: the source's own video per alert window, remuxed or
     * encoded once, ADR-0037/0041) or {@code jpeg} (false: a JPEG of every frame, ADR-0008).
     *
     * @throws IllegalArgumentException for anything else, saying what is accepted
     */
    public static boolean clipForm(String evidenceForm) {
        return switch (evidenceForm) {
            case "clip" -> true;
            case "jpeg" -> false;
            default -> throw new IllegalArgumentException("--evidence-form must be 'clip' (the source's own video per alert window)"
                    + " or 'jpeg' (a JPEG per frame), got '" + evidenceForm + "'");
        };
    }

    /**
     * The last run's evidence in one line, for a command's report: its form, and for clips the
     * bytes per alert window, the cut or encode time, the deciding frames' stills and the frame
     * ring's memory; null without evidence.
     */
    public String evidenceSummary() {
        if (evidence == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(evidenceForm);
        if (evidenceFormReason != null) {
            b.append(" (clips asked: ").append(evidenceFormReason).append(')');
        }
        List<ClipSummary> clips = clipsCut();
        if (!clips.isEmpty()) {
            long bytes = 0;
            long longest = 0;
            int stills = 0;
            long stillBytes = 0;
            for (ClipSummary c : clips) {
                bytes += c.bytes();
                longest = Math.max(longest, c.clipNanos());
                stills += c.stills();
                stillBytes += c.stillBytes();
            }
            b.append(String.format(java.util.Locale.ROOT, ", %d clip%s, %.2f MB per alert window, longest %s %.0f ms off the detector's"
                            + " thread, %d deciding-frame still%s (%.0f KB)", clips.size(), clips.size() == 1 ? "" : "s",
                    bytes / 1e6 / clips.size(), evidenceForm.startsWith("clip-encode") ? "encode" : "cut", longest / 1e6, stills,
                    stills == 1 ? "" : "s", stillBytes / 1e3));
        }
        long[] ring = frameRingUse();
        if (ring[2] > 0) {
            io.sightline.runtime.clip.FrameRing r = clipStage.frameRing();
            b.append(String.format(java.util.Locale.ROOT, ", frame ring %.0f MB of its %.0f MB (%d frames at %dx%d, %.1f s)", ring[0] / 1e6,
                    ring[2] / 1e6, ring[1], r.width(), r.height(), ring[1] / (source.frameRate() > 0 ? source.frameRate() : 25.0)));
            long notKept = r.framesNotKept();
            if (notKept > 0) {
                b.append(", ").append(notKept).append(" frame").append(notKept == 1 ? "" : "s")
                        .append(" not kept while a window was encoded");
            }
        }
        String priority = clipThreadPriority();
        if (priority != null) {
            b.append(", clip thread ").append(priority);
        }
        return b.toString();
    }

    /** Why the last run's evidence is not in the form asked for (clips asked, JPEG frames kept), or null. */
    public String evidenceFormReason() {
        return evidenceFormReason;
    }

    /** The encode path's frame ring in the last run: native bytes it allocated and frames it could hold; zeros without it. */
    public long[] frameRingUse() {
        io.sightline.runtime.clip.FrameRing r = clipStage == null ? null : clipStage.frameRing();
        return r == null ? new long[] {0, 0, 0} : new long[] {r.bytesAllocated(), r.capacityFrames(), r.budgetBytes()};
    }

    /**
     * The H.264 encoders the encode path tries, in order (default {@link io.sightline.runtime.clip.ClipEncoder#PREFERRED_ENCODERS});
     * when none is in the bundled FFmpeg, the session keeps JPEG frames and {@link #evidenceFormReason} says why. Set before {@link #run}.
     */
    public EdgePipeline clipEncoders(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("name at least one H.264 encoder for evidence clips");
        }
        this.clipEncoders = List.copyOf(names);
        return this;
    }

    /**
     * Tests: {@code hook} runs on the clip stage's thread while a window's frames are pinned, just before they are encoded, so
     * a test can hold the encoder while a live source's frames arrive. Set before {@link #run}.
     */
    EdgePipeline beforeEncode(java.util.function.Consumer<io.sightline.runtime.clip.FrameRing> hook) {
        this.beforeEncode = hook;
        return this;
    }

    /** The evidence clip stage's thread priority in the last run (nice 19, or its nice and why not), or null without clips. */
    public String clipThreadPriority() {
        ThreadNice.Outcome o = clipStage == null ? null : clipStage.priority();
        return o == null ? null : o.describe();
    }

    /** The frames the encode path's ring did not keep in the last run (a live source, while a window was encoded); 0 without it. */
    public long frameRingFramesNotKept() {
        io.sightline.runtime.clip.FrameRing r = clipStage == null ? null : clipStage.frameRing();
        return r == null ? 0 : r.framesNotKept();
    }

    /** The encode path's frame ring budget (default {@link ClipStage#FRAME_RING_BUDGET_BYTES}). Set before {@link #run}. */
    public EdgePipeline frameRingBudget(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("the frame ring budget must be > 0 bytes, got " + bytes);
        }
        this.frameRingBudgetBytes = bytes;
        return this;
    }

    /**
     * Runs the session under this id and start time instead of a new id and the wall clock: every
     * event id is derived from the session id (ADR-0017) and decision times from the start time, so
     * two runs over the same video with the same models make the same ids and decisions. Set before
     * {@link #run}; for tests and reproductions, since session ids must be unique in the store.
     */
    public EdgePipeline session(String sessionId, long startTimeNanos) {
        if (sessionId == null || sessionId.isBlank()) {
            throw new IllegalArgumentException("a session id is required");
        }
        this.fixedSessionId = sessionId;
        this.fixedSessionStartNanos = startTimeNanos;
        return this;
    }

    /** Ends the session at the next frame (Ctrl-C): the frames in flight are still decided and journaled. */
    public void requestStop() {
        stopRequested = true;
    }

    /**
     * The all-in-one run's check that the cloud's trace-edges projection caught up needs every
     * (event, cause) pair journaled ({@link RunReport#expectedTraceEdges()}); a vehicle does not,
     * and keeping the set would cost it memory and hashing per event. Off by default.
     */
    public EdgePipeline countTraceEdges(boolean count) {
        this.countTraceEdges = count;
        return this;
    }

    /**
     * Journals an {@code EdgeWindowSummarized} per window of this many session-clock seconds (and one
     * for the last, partial window); 0 turns them off. Default {@link EdgeDefaults#SUMMARY_WINDOW_SECONDS}.
     * Set before {@link #run}.
     */
    public EdgePipeline summaryWindow(double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) {
            throw new IllegalArgumentException("--summary-window must be a number of seconds >= 0 (0: no summaries), got " + seconds);
        }
        this.summaryWindowNanos = Math.round(seconds * 1e9);
        return this;
    }

    /**
     * Events of the vehicle's start-up to journal at the head of the session, after
     * {@code DriveSessionStarted} and before the activations: a {@code ModelRejected} of an assigned
     * model that failed its checks, so the cloud (and a rollout's gates) learns why the vehicle runs
     * its last known good. Set before {@link #run}.
     */
    public EdgePipeline prelude(List<? extends SightlineEvent> events) {
        this.prelude = List.copyOf(events);
        return this;
    }

    /**
     * Runs {@code model} (a bundled name or model directory, activated with the primary's checks and
     * warmed up) in shadow mode beside the primary: see {@link ShadowStage}. Set before {@link #run}.
     */
    public EdgePipeline shadow(String model, ShadowStage.Options options) {
        return shadow(ModelLoader.activate(modelDir(model), "shadow", sessionConfig(this.options)), options);
    }

    /**
     * As {@link #shadow(String, ShadowStage.Options)} with a model already activated (the assigned
     * challenger from the registry, verified by {@code ReleasedModelInstaller}); the pipeline owns it
     * from here and closes it.
     */
    public EdgePipeline shadow(ActivatedModel model, ShadowStage.Options options) {
        if (challenger != null) {
            challenger.detector().close();
        }
        this.challenger = java.util.Objects.requireNonNull(model, "model");
        this.shadowOptions = java.util.Objects.requireNonNull(options, "options");
        warmUp(model, source);
        return this;
    }

    /** The shadow's options for a challenger that arrives while running (ADR-0043); defaults when never set. Set before {@link #run}. */
    public EdgePipeline shadowOptions(ShadowStage.Options options) {
        this.shadowOptions = java.util.Objects.requireNonNull(options, "options");
        return this;
    }

    /**
     * Decides in shadow mode with {@code policy} (a verified challenger policy, ADR-0043): on the shadow model's boxes when
     * there is one ({@link #shadow(ActivatedModel, ShadowStage.Options)}), else on the champion's (a policy-only challenger,
     * no second inference). Null removes it. Set before {@link #run}.
     */
    public EdgePipeline shadowPolicy(RiskPolicy policy, ShadowStage.Options options) {
        this.challengerPolicy = policy;
        this.shadowOptions = java.util.Objects.requireNonNull(options, "options");
        return this;
    }

    /** Takes the shadow challenger off (a challenger the vehicle refused, ADR-0043). Set before {@link #run}. */
    public EdgePipeline noShadow() {
        if (challenger != null) {
            challenger.detector().close();
        }
        challenger = null;
        challengerPolicy = null;
        return this;
    }

    /** The shadow challenger's name (its model, and the policy it decides with when that is the challenger's), or null without one. */
    public String shadowModelName() {
        if (challenger == null && challengerPolicy == null) {
            return null;
        }
        return (challenger == null ? "policy-only" : challenger.event().modelName())
                + (challengerPolicy == null ? "" : " with policy " + challengerPolicy.version());
    }

    /** The version of the policy the shadow decides with, or null without a shadow. */
    public String shadowPolicyVersion() {
        if (challenger == null && challengerPolicy == null) {
            return null;
        }
        return challengerPolicy != null ? challengerPolicy.version() : (policy != null ? policy : RiskPolicy.defaults()).version();
    }

    /** Frames the shadow ran on in the last {@link #run}; 0 without a shadow. */
    public long shadowFramesShadowed() {
        return shadowStage == null ? 0 : shadowStage.framesShadowed();
    }

    /** Frames the shadow did not run on in the last {@link #run} (busy, yielded to the champion, sampled out). */
    public long shadowFramesDropped() {
        return shadowStage == null ? 0 : shadowStage.framesDropped();
    }

    /**
     * Measures each frame's picture (brightness, contrast, sharpness) on the decode thread, for the
     * window summaries and camera health; on by default. Off only to measure what monitoring costs
     * ({@code bench-pipeline --phases summaries}): without it no camera obstruction is ever seen.
     */
    /**
     * Installs only the named safety applications at this edge (e.g. the forward rules, with
     * rolling stop left to the cloud, ADR-0029); an unknown name is refused here with the list of
     * the available ones. Set before {@link #run}.
     */
    public EdgePipeline applications(List<String> names) {
        io.sightline.edge.app.host.ApplicationProvider.create(names);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("--applications names no safety application; leave it out for all of them");
        }
        this.applicationNames = List.copyOf(names);
        return this;
    }

    /** Fresh instances of this edge's applications for one session. */
    private io.sightline.edge.app.SafetyApplications installedApplications(RiskPolicy policy) {
        return applicationNames == null ? io.sightline.edge.app.SafetyApplications.standard(policy, io.sightline.edge.actuation.ActuationConfig.defaults())
                : new io.sightline.edge.app.SafetyApplications(io.sightline.edge.app.host.ApplicationProvider.create(applicationNames, policy));
    }

    /**
     * Runs each session's detect thread at this nice value ({@link EdgeDefaults#DETECTOR_NICE} for the
     * edge's commands; 0, the default here, leaves it alone). A refusal (no CAP_SYS_NICE) is logged once
     * and the session runs at normal priority.
     */
    public EdgePipeline detectorNice(int nice) {
        if (nice < -20 || nice > 19) {
            throw new IllegalArgumentException("a nice value is -20 to 19, got " + nice);
        }
        this.detectorNice = nice;
        return this;
    }

    /** How the last session's detect thread was scheduled: "nice N", "normal", or why it stayed normal. */
    public String detectorPriority() {
        return detectorPriority;
    }

    public EdgePipeline pictureStatistics(boolean on) {
        this.pictureStatistics = on;
        return this;
    }

    /**
     * Runs one drive session over the whole source and journals it; returns its figures. Once per
     * pipeline: the source is consumed.
     */
    public RunReport run(EdgeJournal journal, ProgressListener progress) throws InterruptedException {
        return run(journal, progress, EdgeTelemetry.process());
    }

    /**
     * As {@link #run(EdgeJournal, ProgressListener)}, with spans and metrics going to
     * {@code telemetry}: a trace per frame, a span per stage, each event carrying the traceparent
     * of the stage span that produced it.
     */
    public RunReport run(EdgeJournal journal, ProgressListener progress, EdgeTelemetry telemetry) throws InterruptedException {
        long wallStartNanos = System.nanoTime();
        long sessionStartNanos = fixedSessionId != null ? fixedSessionStartNanos : Clocks.epochNanos();
        String sessionId = fixedSessionId != null ? fixedSessionId
                : "run-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now())
                + "-" + UUID.randomUUID().toString().substring(0, 8);
        boolean latestWins = options.latestWins() != null ? options.latestWins() : source.isLive() || options.realtime();
        long frameTimeBaseNanos = source.isLive() ? 0 : sessionStartNanos;
        double frameRateHz = source.frameRate() > 0 ? source.frameRate() : 25.0;
        CameraModel camera = AssumedDrive.camera(source.width(), source.height());
        RiskPolicy policy = this.policy != null ? this.policy : RiskPolicy.defaults();
        // every installed application's thresholds, so a what-if on any of them binds to the recorded policy
        java.util.Map<String, Double> thresholds = new java.util.LinkedHashMap<>(policy.thresholds());
        io.sightline.edge.app.SafetyApplications applications = installedApplications(policy);
        applications.thresholds().forEach(thresholds::putIfAbsent);

        JournalWriter writer = new JournalWriter(journal, sessionId, countTraceEdges);
        SessionTelemetry tel = telemetry.session(sessionId).stages(StageBudgets.DECODE, StageStats.PREPROCESS, StageStats.INFERENCE,
                StageStats.POSTPROCESS, StageBudgets.DETECT, StageBudgets.DECIDE, StageBudgets.JOURNAL, StageBudgets.FRAME_TO_DECISION);
        writer.append(List.of(new ProducedEvent(EventIds.of(sessionId, "DriveSessionStarted", 0), sessionStartNanos, new DriveSessionStarted(sessionId,
                options.fleetId(), options.vehicleId(), options.deviceId(), options.softwareVersion(), sessionStartNanos,
                AssumedDrive.calibration(camera), policy.version(), thresholds))));
        List<ProducedEvent> models = new ArrayList<>();
        for (int i = 0; i < prelude.size(); i++) {
            SightlineEvent e = prelude.get(i);
            models.add(new ProducedEvent(EventIds.of(sessionId, e.getClass().getSimpleName(), i), Clocks.epochNanos(), e));
        }
        models.add(new ProducedEvent(EventIds.of(sessionId, "ModelActivated", "primary"), Clocks.epochNanos(),
                primaryCauses.isEmpty() ? primary.event() : primary.event().withCauses(primaryCauses)));
        if (fallback != null) {
            models.add(new ProducedEvent(EventIds.of(sessionId, "ModelActivated", "fallback"), Clocks.epochNanos(), fallback.event()));
        }
        if (challenger != null) {
            models.add(new ProducedEvent(EventIds.of(sessionId, "ModelActivated", "shadow"), Clocks.epochNanos(), challenger.event()));
        }
        writer.append(models);

        StageStats stats = new StageStats(StageBudgets.DECODE, StageStats.PREPROCESS, StageStats.INFERENCE, StageStats.POSTPROCESS,
                StageBudgets.DETECT, StageBudgets.DECIDE, StageBudgets.JOURNAL, StageBudgets.FRAME_TO_DECISION,
                EvidenceStage.COPY_STAGE, EvidenceStage.STAGE, StageBudgets.JOURNAL_EVIDENCE_WAIT, ClipStage.STAGE, ClipStage.RING_STAGE);
        boolean summaries = summaryWindowNanos > 0;
        if (summaries) {
            stats.withIntervals();
        }
        ClipStage clips = null;
        evidenceFormReason = null;
        if (evidence != null && evidenceClips) {
            Path scratch = evidence.directory().resolve("tmp");
            io.sightline.runtime.clip.PacketTap tap = ClipStage.tapOrNull(source.location(), source.isLive());
            if (tap != null) {
                clips = new ClipStage(tap, evidence, sessionId, scratch, stats);
            } else {
                // No packets an MP4 can carry (a camera, raw video, another codec): encode each alert window once (ADR-0041).
                try {
                    io.sightline.runtime.clip.ClipEncoder encoder = io.sightline.runtime.clip.ClipEncoder.open(clipEncoders);
                    // Kept as wide as lets the budget hold a whole window at this source's rate: 640 px at 25 Hz, 576 at 30 Hz.
                    int keptWidth = io.sightline.runtime.clip.FrameRing.maxWidthFor(frameRingBudgetBytes, source.width(), source.height(),
                            frameRateHz, ClipStage.FRAME_RING_SECONDS, io.sightline.runtime.clip.FrameRing.MAX_WIDTH_PX,
                            ClipStage.FRAME_RING_MIN_WIDTH_PX);
                    clips = new ClipStage(new io.sightline.runtime.clip.FrameRing(frameRingBudgetBytes, keptWidth), encoder, frameRateHz,
                            evidence, sessionId, scratch, stats);
                    clips.beforeEncode(beforeEncode);
                } catch (io.sightline.runtime.clip.ClipException e) {
                    evidenceFormReason = e.getMessage();
                    org.slf4j.LoggerFactory.getLogger(EdgePipeline.class).warn("Evidence clips: {}", e.getMessage());
                }
            }
        }
        clipStage = clips;
        evidenceForm = evidence == null ? "none" : clips == null ? "jpeg"
                : clips.encoderName() == null ? "clip-remux" : "clip-encode:" + clips.encoderName();
        // With clips, no frame is copied, drawn or JPEG-encoded: the viewer draws the boxes over the camera's own video.
        EvidenceStage evidenceStage = evidence == null || clips != null ? null : new EvidenceStage(evidence, sessionId, stats, latestWins);
        PerceptionLoop perception = new PerceptionLoop(sessionId, source, primary, fallback, stats, tel, latestWins,
                options.maxFrames(), () -> stopRequested || (live != null && live.switchPending()), frameTimeBaseNanos, evidenceStage,
                pictureStatistics);
        if (live != null) {
            perception.sideEvents(live::drainRefusals);
        }
        if (clips != null && clips.frameRing() != null) {
            // A file read as fast as it decodes waits for a slot the encoder still reads; a source that keeps its own clock (a
            // camera, a stream, a file paced in real time standing for one) cannot, and its frame is not kept instead. Whether
            // detection may drop frames (latestWins) is another choice: a paced file may keep every frame for the detector.
            perception.frameRing(clips.frameRing(), !(source.isLive() || options.realtime()), stats);
        }
        LatestWinsQueue<Perceived> perceived = new LatestWinsQueue<>(DECIDE_QUEUE_FRAMES, LatestWinsQueue.Overflow.BLOCK, p -> { });
        LatestWinsQueue<Decided> decided = new LatestWinsQueue<>(JOURNAL_QUEUE_FRAMES, LatestWinsQueue.Overflow.BLOCK, d -> { });
        tel.observeQueues(List.of("decode_to_detect", "detect_to_decide", "decide_to_journal"),
                List.of(perception.ingestQueue()::size, perceived::size, decided::size));
        DecideStage decide = new DecideStage(sessionId, camera, frameRateHz, policy, applications, options.egoSpeedMps(), stats, tel,
                latestWins);
        RiskPolicy shadowPolicy = challengerPolicy != null ? challengerPolicy : policy;
        ShadowStage shadow = challenger != null
                ? new ShadowStage(sessionId, challenger, shadowOptions, camera, frameRateHz, shadowPolicy, options.egoSpeedMps())
                : challengerPolicy != null ? ShadowStage.policyOnly(sessionId, primary.event().modelSha256(),
                        shadowOptions != null ? shadowOptions : ShadowStage.Options.defaults(), camera, frameRateHz, shadowPolicy,
                        options.egoSpeedMps())
                : null;
        shadowStage = shadow;
        if (shadow != null) {
            perception.shadow(shadow, latestWins);
            decide.shadow(shadow);
        }
        long declared = source.declaredFrames();
        long total = options.maxFrames() > 0 && (declared < 0 || options.maxFrames() < declared) ? options.maxFrames() : declared;
        WindowSummarizer summarizer = summaries ? new WindowSummarizer(sessionId, primary.event().modelSha256(),
                EventIds.of(sessionId, "ModelActivated", "primary"), stats, summaryWindowNanos) : null;
        JournalStage journalStage = new JournalStage(writer, evidenceStage, stats, tel, progress, total, summarizer).clips(clips);

        StageThreads threads = new StageThreads();
        threads.onFailure(() -> perceived.cancel(p -> p.trace().abandoned()));
        threads.onFailure(() -> decided.cancel(d -> d.trace().abandoned()));
        if (evidenceStage != null) {
            threads.start("evidence", evidenceStage::run);
        }
        if (clips != null) {
            threads.onFailure(clips::abort);
            threads.start("evidence-clip", clips::run);
        }
        if (shadow != null) {
            threads.onFailure(shadow::cancel);
            threads.start("shadow", shadow::run);
        }
        perception.start(threads, queue(perceived));
        prioritiseDetector(perception);
        threads.start("decide", () -> decide.run(perceived, decided));
        threads.start("journal", () -> journalStage.run(decided));
        threads.joinAll();
        stageCpuNanos = threads.cpuNanos();
        Map<String, long[]> waits = new LinkedHashMap<>();
        waits.put("decode→detect", new long[] {perception.ingestQueue().putWaitNanos(), perception.ingestQueue().takeWaitNanos()});
        waits.put("detect→decide", new long[] {perceived.putWaitNanos(), perceived.takeWaitNanos()});
        waits.put("decide→journal", new long[] {decided.putWaitNanos(), decided.takeWaitNanos()});
        queueWaitNanos = waits;
        handoverExtraAllocations = perception.extraBufferAllocations();
        perception.release();
        if (evidenceStage != null) {
            evidenceStage.release();
        }
        if (clips != null && clips.frameRing() != null) {
            clips.frameRing().free();
        }
        tel.close();
        Throwable failed = threads.failure();
        String endReason = failed != null ? "edge-pipeline-error: " + failed.getClass().getSimpleName()
                : !stopRequested && live != null && live.switchPending() && "stopped".equals(perception.endReason()) ? ASSIGNMENT_CHANGED
                : perception.endReason();
        // Drops after the last frame that went through still count: record them before the end.
        DropLedger drops = perception.drops();
        // Decoded frames, dropped ones included: what --max-frames counts.
        framesRun += perception.framesCaptured() + drops.total();
        if (shadow != null) {
            // The shadow's last frames finished after the last champion frame's append.
            List<ProducedEvent> shadowTail = new ArrayList<>();
            shadow.drainTo(shadowTail, true);
            if (!shadowTail.isEmpty()) {
                writer.append(shadowTail);
            }
        }
        if (live != null) {
            // Refusals after the last frame still belong to this session.
            List<ProducedEvent> late = new ArrayList<>();
            for (SightlineEvent e : live.drainRefusals()) {
                late.add(new ProducedEvent(EventIds.of(sessionId, e.getClass().getSimpleName(), "end-" + late.size()), Clocks.epochNanos(), e));
            }
            if (!late.isEmpty()) {
                writer.append(late);
            }
        }
        if (clips != null) {
            // The last window closed with the session: its clip was cut after the last frame's append.
            List<ProducedEvent> clipTail = new ArrayList<>();
            clips.drainTo(clipTail);
            if (!clipTail.isEmpty()) {
                writer.append(clipTail);
            }
        }
        FramesDropped tail = drops.drain(Clocks.epochNanos());
        if (tail != null) {
            writer.append(List.of(new ProducedEvent(EventIds.of(sessionId, "FramesDropped", tail.firstFrameIndex()), tail.droppedAtNanos(),
                    tail)));
        }
        writer.append(List.of(new ProducedEvent(EventIds.of(sessionId, "DriveSessionEnded", 0), Clocks.epochNanos(), new DriveSessionEnded(sessionId,
                Clocks.epochNanos(), endReason, perception.framesCaptured(), drops.total()))));
        // With group commit (ADR-0033) the session's tail may still wait for its timer: a returned run is durable whole.
        journal.sync();
        threads.rethrow();
        Map<String, Integer> maxDepths = new LinkedHashMap<>();
        maxDepths.put("decode→detect", perception.ingestQueue().maxDepth());
        maxDepths.put("detect→decide", perceived.maxDepth());
        maxDepths.put("decide→journal", decided.maxDepth());
        if (evidenceStage != null) {
            maxDepths.put("detect→evidence", evidenceStage.maxDepth());
        }
        if (shadow != null) {
            maxDepths.put("detect→shadow", shadow.maxDepth());
        }
        Map<String, Integer> capacities = new LinkedHashMap<>();
        capacities.put("decode→detect", perception.ingestQueue().capacity());
        capacities.put("detect→decide", perceived.capacity());
        capacities.put("decide→journal", decided.capacity());
        if (evidenceStage != null) {
            capacities.put("detect→evidence", evidenceStage.capacity());
        }
        if (shadow != null) {
            capacities.put("detect→shadow", shadow.capacity());
        }
        return new RunReport(sessionId, source.location(), primary.event().modelName(), fallbackModelName(), latestWins,
                options.realtime(), endReason, perception.framesCaptured(), drops.total(), writer.countsByType(), writer.eventCount(),
                writer.expectedTraceEdges(), stats, maxDepths, capacities, System.nanoTime() - wallStartNanos);
    }

    private void prioritiseDetector(PerceptionLoop perception) throws InterruptedException {
        if (detectorNice == 0) {
            detectorPriority = "normal";
            return;
        }
        String tid;
        try {
            tid = perception.detectThreadId().get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            tid = null;
        }
        String failure = ThreadPriority.renice(tid, detectorNice);
        detectorPriority = failure == null ? "nice " + detectorNice : "normal (" + failure + ")";
        if (failure != null && PRIORITY_REFUSAL_LOGGED.compareAndSet(false, true)) {
            org.slf4j.LoggerFactory.getLogger(EdgePipeline.class).warn(
                    "The detector's thread runs at normal priority and shares its core with decoding and journalling: {}", failure);
        }
    }

    /** A blocking queue as the detect stage's downstream. */
    static <T> Handover.Downstream<T> queue(LatestWinsQueue<T> q) {
        return new Handover.Downstream<>() {
            @Override
            public boolean accept(T item) throws InterruptedException {
                return q.put(item);
            }

            @Override
            public void close() {
                q.close();
            }
        };
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (handedOver) {
            // The next session's pipeline owns the source, the fallback, the challenger and, after a policy-only switch, the primary.
            if (!primaryShared) {
                primary.detector().close();
            }
            return;
        }
        try {
            primary.detector().close();
            if (fallback != null) {
                fallback.detector().close();
            }
            if (challenger != null) {
                challenger.detector().close();
            }
        } finally {
            source.close();
        }
    }
}
