package io.sightline.runtime;

import io.opentelemetry.api.common.Attributes;
import io.sightline.runtime.telemetry.EdgeTelemetry;
import io.sightline.runtime.telemetry.FrameTrace;
import io.sightline.runtime.telemetry.SessionTelemetry;
import io.sightline.domain.event.DerivedEvent;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.FramesDropped;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.StageDeadlineMissed;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.events.EdgeEventSink;
import io.sightline.edge.pipeline.EdgeProjector;
import io.sightline.edge.pipeline.EstimatorConfig;
import io.sightline.edge.pipeline.FrameInput;
import io.sightline.edge.range.CameraModel;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.tracking.TrackerConfig;
import io.sightline.inference.ActivatedModel;
import io.sightline.inference.Clocks;
import io.sightline.inference.Detections;
import io.sightline.inference.Detector;
import io.sightline.inference.FallbackDetector;
import io.sightline.inference.FrameSource;
import io.sightline.inference.ModelLoader;
import io.sightline.inference.PerceptionEvents;
import io.sightline.inference.ProducedEvent;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.SessionConfig;
import io.sightline.inference.StageStats;
import io.sightline.inference.StageTimes;
import io.sightline.inference.StreamEndedEarlyException;
import io.sightline.inference.VideoFrame;
import io.sightline.uplink.evidence.EvidenceStore;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Files;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The edge runtime on one video: decode → detect → decide (tracker, range/TTC, risk, actuation)
 * → journal, each stage on its own thread, joined by bounded queues ({@link LatestWinsQueue}).
 *
 * <p>Only the hand-over into the detector may drop frames (latest-wins, when the source is live
 * or paced in real time): detection is the one stage slower than the camera, and a frame dropped
 * after detection would already have events in the journal. The later queues block instead;
 * they feed stages that take microseconds to milliseconds, so they stay short.
 *
 * <p>Every frame's events (FramesDropped before it, FrameCaptured, misses, detections, the
 * assumed vehicle state, tracks, risk, alerts) go to the journal in one append, so the journal
 * pays one fsync per frame and a frame is never half-recorded. Envelope times are the edge wall
 * clock when each event was produced, held non-decreasing in the journal stage (the cloud refuses
 * a session whose time goes backwards). Payload times of the decisions are the frame's time:
 * session start + the frame's timestamp in the file, or the capture clock for a live source.
 */
public final class EdgePipeline implements AutoCloseable {

    /** Capacity of the decode → detect hand-over: the frame in detection plus one waiting is all the latency we accept. */
    static final int INGEST_QUEUE_FRAMES = 1;
    /** Detect → decide and decide → journal: a little slack for an fsync hiccup without stalling detection. */
    static final int DECIDE_QUEUE_FRAMES = 4;
    static final int JOURNAL_QUEUE_FRAMES = 8;
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
    private String fixedSessionId;
    private long fixedSessionStartNanos;

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
        FrameSource source = FrameSource.open(options.video(), new FrameSource.Options(options.realtime(), 0, 5000, playbackSpeed));
        ActivatedModel primary = null;
        ActivatedModel fb = null;
        try {
            SessionConfig ort = new SessionConfig(options.ortThreads(), 1, "ALL_OPT");
            primary = ModelLoader.activate(modelDir(options.model()), "primary", ort);
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
     * Items handed between the stages. A frame copy owns native pixels until the detect stage
     * closes it; the frame's trace (its span Context) travels with it (ADR-0007).
     */
    private record Captured(VideoFrame frame, long enteredNanos, FrameTrace trace) {
    }

    private record Perceived(String frameId, long frameTimeNanos, long enteredNanos, List<ProducedEvent> events,
                             List<DetectionObserved> detections, FrameTrace trace) {
    }

    private record Decided(String frameId, List<ProducedEvent> events, FrameTrace trace) {
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
        RiskPolicy policy = RiskPolicy.defaults();

        JournalWriter writer = new JournalWriter(journal, sessionId);
        SessionTelemetry tel = telemetry.session(sessionId).stages(StageBudgets.DECODE, StageStats.PREPROCESS, StageStats.INFERENCE,
                StageStats.POSTPROCESS, StageBudgets.DETECT, StageBudgets.DECIDE, StageBudgets.JOURNAL, StageBudgets.FRAME_TO_DECISION);
        Attributes primaryModel = SessionTelemetry.model(primary.detector().manifest());
        Attributes fallbackModel = fallback == null ? primaryModel : SessionTelemetry.model(fallback.detector().manifest());
        writer.append(List.of(new ProducedEvent(EventIds.of(sessionId, "DriveSessionStarted", 0), sessionStartNanos, new DriveSessionStarted(sessionId,
                options.fleetId(), options.vehicleId(), options.deviceId(), options.softwareVersion(), sessionStartNanos,
                AssumedDrive.calibration(camera), policy.version(), policy.thresholds()))));
        List<ProducedEvent> models = new ArrayList<>();
        models.add(new ProducedEvent(EventIds.of(sessionId, "ModelActivated", "primary"), Clocks.epochNanos(), primary.event()));
        if (fallback != null) {
            models.add(new ProducedEvent(EventIds.of(sessionId, "ModelActivated", "fallback"), Clocks.epochNanos(), fallback.event()));
        }
        writer.append(models);

        StageStats stats = new StageStats(StageBudgets.DECODE, StageStats.PREPROCESS, StageStats.INFERENCE, StageStats.POSTPROCESS,
                StageBudgets.DETECT, StageBudgets.DECIDE, StageBudgets.JOURNAL, StageBudgets.FRAME_TO_DECISION,
                EvidenceStage.COPY_STAGE, EvidenceStage.STAGE);
        EvidenceStage evidenceStage = evidence == null ? null : new EvidenceStage(evidence, sessionId, stats, latestWins);
        DropLedger drops = new DropLedger(StageBudgets.DETECT, "latest-frame-wins: detector busy, oldest frame dropped");
        LatestWinsQueue<Captured> ingest = new LatestWinsQueue<>(INGEST_QUEUE_FRAMES,
                latestWins ? LatestWinsQueue.Overflow.DROP_OLDEST : LatestWinsQueue.Overflow.BLOCK,
                c -> {
                    drops.record(c.frame().index());
                    tel.frameDropped();
                    c.trace().dropped();
                    c.frame().close();
                });
        LatestWinsQueue<Perceived> perceived = new LatestWinsQueue<>(DECIDE_QUEUE_FRAMES, LatestWinsQueue.Overflow.BLOCK, p -> { });
        LatestWinsQueue<Decided> decided = new LatestWinsQueue<>(JOURNAL_QUEUE_FRAMES, LatestWinsQueue.Overflow.BLOCK, d -> { });
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<String> endReason = new AtomicReference<>("end-of-video");
        long[] framesCaptured = {0};
        long[] framesJournaled = {0};
        tel.observeQueues(List.of("decode_to_detect", "detect_to_decide", "decide_to_journal"),
                List.of(ingest::size, perceived::size, decided::size));
        Runnable cancelAll = () -> {
            ingest.cancel(c -> {
                c.trace().abandoned();
                c.frame().close();
            });
            perceived.cancel(p -> p.trace().abandoned());
            decided.cancel(d -> d.trace().abandoned());
        };

        Thread decode = stage("decode", failure, cancelAll, () -> {
            try {
                long n = 0;
                while (!stopRequested && (options.maxFrames() <= 0 || n < options.maxFrames())) {
                    VideoFrame borrowed = source.next();
                    if (borrowed == null) {
                        return;
                    }
                    // Entered when its pixels existed; pacing sleeps after decoding are not latency.
                    long entered = System.nanoTime() - borrowed.decodeNanos();
                    FrameTrace trace = tel.frameDecoded(borrowed.index(), borrowed.decodeNanos());
                    VideoFrame copy = borrowed.copy();
                    if (!ingest.put(new Captured(copy, entered, trace))) {
                        trace.abandoned();
                        copy.close();
                        return;
                    }
                    n++;
                }
                endReason.set(stopRequested ? "stopped" : "max-frames");
            } catch (StreamEndedEarlyException e) {
                endReason.set("stream-ended-early: " + e.getMessage());
            } finally {
                ingest.close();
            }
        });

        List<ProducedEvent>[] current = newListHolder();
        FallbackDetector chain = fallback == null ? null : new FallbackDetector(primary.detector(), fallback.detector(),
                new FallbackDetector.Policy(StageBudgets.DETECT_BUDGET_NANOS, FALLBACK_MAX_MISSES, FALLBACK_WINDOW_FRAMES,
                        TimeUnit.SECONDS.toNanos(FALLBACK_RESTORE_AFTER_S), FALLBACK_PROBE_EVERY_FRAMES),
                e -> current[0].add(e));
        Thread detect = stage("detect", failure, cancelAll, () -> {
            try {
                for (Captured c; (c = ingest.take()) != null; ) {
                    try (VideoFrame f = c.frame()) {
                        FrameTrace trace = c.trace();
                        trace.beginStage(StageBudgets.DETECT);
                        List<ProducedEvent> events = new ArrayList<>();
                        current[0] = events;
                        FramesDropped dropped = drops.drain(Clocks.epochNanos());
                        if (dropped != null) {
                            events.add(new ProducedEvent(EventIds.of(sessionId, "FramesDropped", dropped.firstFrameIndex()), dropped.droppedAtNanos(),
                                    dropped));
                        }
                        ProducedEvent captured = PerceptionEvents.frameCaptured(sessionId, f, source.sourceId());
                        String frameId = captured.eventId();
                        trace.identify(frameId);
                        events.add(captured);
                        framesCaptured[0]++;
                        stats.record(StageBudgets.DECODE, f.decodeNanos());
                        tel.stageDuration(StageBudgets.DECODE, f.decodeNanos());
                        missed(events, StageBudgets.DECODE, frameId, StageBudgets.DECODE_BUDGET_NANOS, f.decodeNanos());

                        Detections d = chain != null ? chain.detect(f.image(), frameId) : primary.detector().detect(f.image());
                        Detector used = chain != null ? chain.lastUsed() : primary.detector();
                        StageTimes t = used.lastTimes();
                        stats.recordDetector(t);
                        stats.record(StageBudgets.DETECT, t.totalNanos());
                        tel.detector(t, used == primary.detector() ? primaryModel : fallbackModel);
                        tel.stageDuration(StageBudgets.DETECT, t.totalNanos());
                        // The chain already reports its primary's misses (and counts them towards the fallback).
                        if (chain == null || used != chain.primary()) {
                            missed(events, StageBudgets.DETECT + ":" + used.manifest().name(), frameId,
                                    StageBudgets.DETECT_BUDGET_NANOS, t.totalNanos());
                        }
                        List<DetectionObserved> dets = new ArrayList<>(d.count());
                        PerceptionEvents.detectionsObserved(frameId, d, used.manifest(), e -> {
                            events.add(e);
                            dets.add((DetectionObserved) e.payload());
                        });
                        long frameTime = frameTimeBaseNanos + f.captureTimeNanos();
                        trace.endStage(events.size());
                        EvidenceStage.Pending evidencePending = evidenceStage == null ? null : evidenceStage.expect(frameId);
                        if (!perceived.put(new Perceived(frameId, frameTime, c.enteredNanos(), events, dets, trace))) {
                            trace.abandoned();
                            return;
                        }
                        if (evidencePending != null) {
                            // After the hand-over: the decision never waits for the picture.
                            evidenceStage.submit(evidencePending, f, frameId, captured.occurredAtNanos(), dets);
                        }
                    }
                }
            } finally {
                perceived.close();
                if (evidenceStage != null) {
                    evidenceStage.close();
                }
            }
        });

        EdgeProjector[] projector = new EdgeProjector[1];
        List<ProducedEvent>[] decisions = newListHolder();
        projector[0] = new EdgeProjector(sessionId, camera, frameRateHz, TrackerConfig.defaults(), EstimatorConfig.defaults(),
                policy, ActuationConfig.defaults(), new EdgeEventSink() {
                    @Override
                    public void emit(String eventId, long occurredAtNanos, SightlineEvent event) {
                        decisions[0].add(new ProducedEvent(eventId, Clocks.epochNanos(), event));
                    }
                });
        FrameInput input = new FrameInput(128);
        Thread decide = stage("decide", failure, cancelAll, () -> {
            try {
                for (Perceived p; (p = perceived.take()) != null; ) {
                    long t0 = System.nanoTime();
                    p.trace().beginStage(StageBudgets.DECIDE);
                    List<ProducedEvent> events = p.events();
                    decisions[0] = events;
                    VehicleStateSampled ego = new VehicleStateSampled(p.frameTimeNanos(), options.egoSpeedMps(), null, null, null,
                            null, AssumedDrive.EGO_SPEED_SOURCE);
                    String egoId = EventIds.of(p.frameId(), "VehicleStateSampled", 0);
                    events.add(new ProducedEvent(egoId, Clocks.epochNanos(), ego));
                    projector[0].onVehicleState(egoId, ego);
                    input.start(p.frameId(), p.frameTimeNanos());
                    for (DetectionObserved d : p.detections()) {
                        // A refused box (NaN, empty) never reaches a decision; its DetectionObserved stays on record.
                        input.add(d.detectionId(), d.className(), d.boxPx().x1(), d.boxPx().y1(), d.boxPx().x2(), d.boxPx().y2(),
                                d.score());
                    }
                    projector[0].onFrame(input);
                    long now = System.nanoTime();
                    long decideNanos = now - t0;
                    long frameToDecisionNanos = now - p.enteredNanos();
                    stats.record(StageBudgets.DECIDE, decideNanos);
                    stats.record(StageBudgets.FRAME_TO_DECISION, frameToDecisionNanos);
                    tel.stageDuration(StageBudgets.DECIDE, decideNanos);
                    tel.stageDuration(StageBudgets.FRAME_TO_DECISION, frameToDecisionNanos);
                    missed(events, StageBudgets.DECIDE, p.frameId(), StageBudgets.DECIDE_BUDGET_NANOS, decideNanos);
                    if (latestWins) {
                        // With back-pressure a file is decoded ahead and its frames wait by design: no deadline to miss.
                        missed(events, StageBudgets.FRAME_TO_DECISION, p.frameId(), StageBudgets.FRAME_TO_DECISION_BUDGET_NANOS,
                                frameToDecisionNanos);
                    }
                    p.trace().endStage(events.size());
                    if (!decided.put(new Decided(p.frameId(), events, p.trace()))) {
                        p.trace().abandoned();
                        return;
                    }
                }
            } finally {
                decided.close();
            }
        });

        long declared = source.declaredFrames();
        long total = options.maxFrames() > 0 && (declared < 0 || options.maxFrames() < declared) ? options.maxFrames() : declared;
        Thread journalStage = stage("journal", failure, cancelAll, () -> {
            for (Decided d; (d = decided.take()) != null; ) {
                if (evidenceStage != null) {
                    // Before the journal timing starts: waiting for a picture is not journal latency.
                    evidenceStage.attach(d.frameId(), d.events());
                }
                long t0 = System.nanoTime();
                FrameTrace trace = d.trace();
                trace.beginStage(StageBudgets.JOURNAL);
                writer.append(d.events(), trace);
                long took = System.nanoTime() - t0;
                stats.record(StageBudgets.JOURNAL, took);
                tel.stageDuration(StageBudgets.JOURNAL, took);
                if (took > StageBudgets.JOURNAL_BUDGET_NANOS) {
                    List<ProducedEvent> late = new ArrayList<>(1);
                    missed(late, StageBudgets.JOURNAL, d.frameId(), StageBudgets.JOURNAL_BUDGET_NANOS, took);
                    writer.append(late, trace.stageTraceparent());
                }
                trace.endStage(d.events().size());
                trace.journaled();
                tel.frameJournaled();
                framesJournaled[0]++;
                progress.onFrameJournaled(framesJournaled[0], total);
            }
        });

        Thread evidenceThread = evidenceStage == null ? null : stage("evidence", failure, cancelAll, evidenceStage::run);
        if (evidenceThread != null) {
            evidenceThread.start();
        }
        for (Thread t : List.of(decode, detect, decide, journalStage)) {
            t.start();
        }
        for (Thread t : List.of(decode, detect, decide, journalStage)) {
            t.join();
        }
        if (evidenceThread != null) {
            evidenceThread.join();
            evidenceStage.release();
        }
        tel.close();
        Throwable failed = failure.get();
        if (failed != null) {
            endReason.set("edge-pipeline-error: " + failed.getClass().getSimpleName());
        }
        // Drops after the last frame that went through still count: record them before the end.
        FramesDropped tail = drops.drain(Clocks.epochNanos());
        if (tail != null) {
            writer.append(List.of(new ProducedEvent(EventIds.of(sessionId, "FramesDropped", tail.firstFrameIndex()), tail.droppedAtNanos(),
                    tail)));
        }
        writer.append(List.of(new ProducedEvent(EventIds.of(sessionId, "DriveSessionEnded", 0), Clocks.epochNanos(), new DriveSessionEnded(sessionId,
                Clocks.epochNanos(), endReason.get(), framesCaptured[0], drops.total()))));
        if (failed instanceof RuntimeException re) {
            throw re;
        }
        if (failed instanceof Error er) {
            throw er;
        }
        if (failed != null) {
            throw new IllegalStateException(failed.getMessage(), failed);
        }
        Map<String, Integer> maxDepths = new LinkedHashMap<>();
        maxDepths.put("decode→detect", ingest.maxDepth());
        maxDepths.put("detect→decide", perceived.maxDepth());
        maxDepths.put("decide→journal", decided.maxDepth());
        if (evidenceStage != null) {
            maxDepths.put("detect→evidence", evidenceStage.maxDepth());
        }
        Map<String, Integer> capacities = new LinkedHashMap<>();
        capacities.put("decode→detect", ingest.capacity());
        capacities.put("detect→decide", perceived.capacity());
        capacities.put("decide→journal", decided.capacity());
        if (evidenceStage != null) {
            capacities.put("detect→evidence", evidenceStage.capacity());
        }
        return new RunReport(sessionId, source.location(), primary.event().modelName(), fallbackModelName(), latestWins,
                options.realtime(), endReason.get(), framesCaptured[0], drops.total(), writer.countsByType(), writer.eventCount(),
                writer.expectedTraceEdges(), stats, maxDepths, capacities, System.nanoTime() - wallStartNanos);
    }

    /** FallbackDetector: 3 misses or failures among the last 10 primary frames engage the fallback. */
    static final int FALLBACK_MAX_MISSES = 3;
    static final int FALLBACK_WINDOW_FRAMES = 10;
    /** The primary must meet its budget for this long (probed every few frames) before it serves again. */
    static final long FALLBACK_RESTORE_AFTER_S = 5;
    static final int FALLBACK_PROBE_EVERY_FRAMES = 10;

    private static void missed(List<ProducedEvent> events, String stage, String frameId, long budgetNanos, long actualNanos) {
        if (actualNanos > budgetNanos) {
            events.add(new ProducedEvent(EventIds.of(frameId, "StageDeadlineMissed", stage), Clocks.epochNanos(),
                    new StageDeadlineMissed(stage, frameId, budgetNanos, actualNanos, List.of(frameId))));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<ProducedEvent>[] newListHolder() {
        return (List<ProducedEvent>[]) new List<?>[1];
    }

    @FunctionalInterface
    private interface StageBody {
        void run() throws InterruptedException;
    }

    /** A stage thread: the first failure is kept and every queue is cancelled, so the other stages end too. */
    private static Thread stage(String name, AtomicReference<Throwable> failure, Runnable cancelAll, StageBody body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure.compareAndSet(null, e);
                cancelAll.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
                cancelAll.run();
            }
        }, "sightline-" + name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Appends to the journal with non-decreasing envelope times and counts what it wrote. Used by
     * one thread at a time (the main thread before and after the stages, the journal stage between).
     */
    private static final class JournalWriter {
        private final EdgeJournal journal;
        private final String sessionId;
        private final Map<String, Long> counts = new LinkedHashMap<>();
        private final Set<String> edges = new HashSet<>();
        private long lastOccurredAtNanos = Long.MIN_VALUE;
        private long events;

        JournalWriter(EdgeJournal journal, String sessionId) {
            this.journal = journal;
            this.sessionId = sessionId;
        }

        /** Session-level events: no frame, no traceparent. */
        void append(List<ProducedEvent> produced) {
            append(produced, null, null);
        }

        /** A frame's events, each with the traceparent of the stage span that produced it. */
        void append(List<ProducedEvent> produced, FrameTrace trace) {
            append(produced, trace, null);
        }

        /** Events of one span. */
        void append(List<ProducedEvent> produced, String traceparent) {
            append(produced, null, traceparent);
        }

        private void append(List<ProducedEvent> produced, FrameTrace trace, String traceparent) {
            if (produced.isEmpty()) {
                return;
            }
            List<EdgeJournal.NewEvent> batch = new ArrayList<>(produced.size());
            for (int i = 0; i < produced.size(); i++) {
                ProducedEvent e = produced.get(i);
                // A wall clock step back (NTP) must not make the cloud refuse the session.
                lastOccurredAtNanos = Math.max(lastOccurredAtNanos, e.occurredAtNanos());
                batch.add(new EdgeJournal.NewEvent(e.eventId(), lastOccurredAtNanos, e.payload(),
                        trace != null ? trace.traceparentOfEvent(i) : traceparent));
                counts.merge(e.payload().getClass().getSimpleName(), 1L, Long::sum);
                if (e.payload() instanceof DerivedEvent d) {
                    for (String cause : d.causes()) {
                        edges.add(e.eventId() + "\n" + cause);
                    }
                }
            }
            journal.append(sessionId, batch);
            events += batch.size();
        }

        Map<String, Long> countsByType() {
            return Map.copyOf(counts);
        }

        long eventCount() {
            return events;
        }

        long expectedTraceEdges() {
            return edges.size();
        }
    }

    @Override
    public void close() {
        try {
            primary.detector().close();
            if (fallback != null) {
                fallback.detector().close();
            }
        } finally {
            source.close();
        }
    }
}
