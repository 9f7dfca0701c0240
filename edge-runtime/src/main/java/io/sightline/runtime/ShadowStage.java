package io.sightline.runtime;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.ShadowAlertRaised;
import io.sightline.domain.event.ShadowDetectionsObserved;
import io.sightline.domain.event.ShadowFramesDropped;
import io.sightline.domain.event.ShadowRiskAssessed;
import io.sightline.domain.event.ShadowSamplingChanged;
import io.sightline.domain.event.ShadowTracksUpdated;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.TrackUpdated;
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
import io.sightline.inference.ModelManifest;
import io.sightline.inference.ProducedEvent;
import io.sightline.inference.StageTimes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shadow mode (issue 17 §3, ADR-0032): a challenger model runs on the champion's frames, on its own
 * thread, with its own tracker, range/TTC, risk policy and actuation logic fed only its own boxes.
 * Its detections, tracks and decisions become {@code Shadow…} events caused by the champion's
 * {@code FrameCaptured}. It decides with the assignment's challenger policy when there is one (else the
 * champion's), and every {@code ShadowRiskAssessed} and {@code ShadowAlertRaised} records that policy's
 * version. A <em>policy-only</em> challenger (ADR-0043) has no model: no second inference runs, the
 * champion's own boxes of each frame go through the shadow's tracker and the challenger policy, and its
 * {@code ShadowDetectionsObserved} carry those boxes with the model that produced them. Its actuation logic runs (so its alerts have cooldowns and hysteresis like the
 * champion's) but what it would command is thrown away: nothing it computes reaches the champion's
 * projector, the journal's {@code AlertRaised} or an actuator.
 *
 * <p>The champion comes first, in three ways, and every frame the shadow does not run on is counted
 * ({@link ShadowFramesDropped}):
 * <ul>
 *   <li>the detect stage hands the shadow a copy of the frame only after the champion's frame went on
 *       to its decision, and only when no frame is waiting for the champion's detector (with
 *       latest-wins; a file read as fast as possible always has one waiting, by design);</li>
 *   <li>the hand-over holds one frame and a newer one displaces it (never blocks the champion);</li>
 *   <li>the thread asks the OS for the lowest CPU priority (nice 19; Java thread priorities are ignored
 *       on Linux), and it runs on one frame in {@code sampleEvery}, chosen so its median detect CPU time
 *       stays within {@code maxCpuShare} of the interval between frames ({@link ShadowSamplingChanged}).</li>
 * </ul>
 * Its events reach the journal with a later frame's append (the decide stage drains them), or at the
 * end of the session.
 */
public final class ShadowStage implements EdgeEventSink {

    private static final Logger LOG = LoggerFactory.getLogger(ShadowStage.class);
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    /** The shadow still sees a frame a second at 25–30 Hz when the CPU is shortest. */
    public static final int MAX_SAMPLE_EVERY = 30;
    /** Shadowed frames (and champion frame intervals) a sampling decision takes the median of. */
    static final int SAMPLING_WINDOW = 8;
    /** Drops are reported at most this often: sampling skips frames all the time, an event per skip would double the journal. */
    static final long DROP_REPORT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final int MAX_BOXES_PER_FRAME = DecideStage.MAX_BOXES_PER_FRAME;
    /**
     * After this many shadow runs in a row were stopped for the champion, the next one runs to its end even if a champion
     * frame comes: a challenger slower than the gap between champion frames would otherwise never finish one. It then
     * overlaps the champion on one frame in {@value} + 1 at most, and the sampling (which sees its time) spaces it out.
     */
    static final int MAX_CONSECUTIVE_PREEMPTIONS = 3;

    /**
     * @param maxCpuShare      the shadow's median detect time may take this share of the interval between champion frames
     *                         (of one core); it runs on fewer frames when it would take more
     * @param fixedSampleEvery run on one frame in this many whatever the CPU (0: choose from {@code maxCpuShare})
     * @param lossless         wait for the shadow instead of dropping (offline comparisons and tests: the champion slows down)
     */
    public record Options(double maxCpuShare, int fixedSampleEvery, boolean lossless) {
        public Options {
            if (!(maxCpuShare > 0 && maxCpuShare <= 1)) {
                throw new IllegalArgumentException("--shadow-cpu-share must be in (0, 1], got " + maxCpuShare);
            }
            if (fixedSampleEvery < 0 || fixedSampleEvery > MAX_SAMPLE_EVERY) {
                throw new IllegalArgumentException("--shadow-sample-every must be 0 (adaptive) to " + MAX_SAMPLE_EVERY + ", got "
                        + fixedSampleEvery);
            }
        }

        /** A quarter of a core: FastestDet (≈ 9 ms) on every frame at 25 Hz, YOLOX-nano (≈ 40 ms) on about one in four. */
        public static Options defaults() {
            return new Options(0.25, 0, false);
        }
    }

    /** One frame for the shadow: its picture for a model challenger, or the champion's boxes and their model for a policy-only one. */
    private record Job(String frameId, long frameIndex, long frameTimeNanos, Mat image, List<DetectionObserved> championBoxes,
                       ModelManifest boxesModel) {

        void release() {
            if (image != null) {
                image.close();
            }
        }
    }

    /**
     * A policy-only challenger's hand-over holds this many frames: a job is a few boxes (no picture), and every frame the
     * shadow's tracker misses would make its tracks, and so its decisions, differ from the champion's for a reason that is
     * not the policy.
     */
    static final int POLICY_ONLY_CAPACITY = 64;

    private final String sessionId;
    /** The challenger model, or null for a policy-only challenger (ADR-0043). */
    private final ActivatedModel challenger;
    private final String modelSha256;
    private final String policyVersion;
    private final Options options;
    private final EdgeProjector projector;
    private final FrameInput input = new FrameInput(MAX_BOXES_PER_FRAME);
    private final double egoSpeedMps;
    private final LatestWinsQueue<Job> handover;

    // detect thread
    private int dueIn;
    private long lastOfferNanos = -1;
    private final long[] intervals = new long[SAMPLING_WINDOW];
    private int intervalCount;
    private volatile long medianIntervalNanos;
    private volatile int sampleEvery;

    // shadow thread
    private long failures;
    private int consecutivePreemptions;
    /** The challenger is inside {@code detect} and may be stopped for the champion (ADR-0032). */
    private volatile boolean preemptible;
    private final boolean preempts;
    private final long[] detectTimes = new long[SAMPLING_WINDOW];
    private int detectCount;
    private boolean samplingRecorded;
    private String frameId;
    private String tracksEventId;
    private final List<ShadowTracksUpdated.Track> frameTracks = new ArrayList<>();
    private final List<ProducedEvent> frameDecisions = new ArrayList<>();
    private final Map<String, Double> frameTtcs = new HashMap<>();

    // shared, under this
    private final List<ProducedEvent> pending = new ArrayList<>();
    private long busy;
    private long backlog;
    private long sampledOut;
    private long failed;
    private long preempted;
    private long firstDropIndex = -1;
    private long lastDropIndex = -1;
    private long lastDropReportNanos = System.nanoTime();
    private long framesShadowed;
    private long droppedTotal;

    /**
     * A model challenger, deciding with {@code policy} (the challenger policy when the assignment names one, else the
     * champion's).
     */
    ShadowStage(String sessionId, ActivatedModel challenger, Options options, CameraModel camera, double frameRateHz, RiskPolicy policy,
                double egoSpeedMps) {
        this(sessionId, java.util.Objects.requireNonNull(challenger, "challenger"), challenger.event().modelSha256(), options, camera,
                frameRateHz, policy, egoSpeedMps);
    }

    /**
     * A policy-only challenger (ADR-0043): {@code policy} decides on the champion's boxes, which the detect stage hands over
     * ({@link #offerBoxes}); {@code championSha256} (the primary model) keys its events as the challenger model's sha256
     * keys a model challenger's.
     */
    static ShadowStage policyOnly(String sessionId, String championSha256, Options options, CameraModel camera, double frameRateHz,
                                  RiskPolicy policy, double egoSpeedMps) {
        return new ShadowStage(sessionId, null, championSha256, options, camera, frameRateHz, policy, egoSpeedMps);
    }

    private ShadowStage(String sessionId, ActivatedModel challenger, String modelSha256, Options options, CameraModel camera,
                        double frameRateHz, RiskPolicy policy, double egoSpeedMps) {
        this.sessionId = sessionId;
        this.challenger = challenger;
        this.modelSha256 = modelSha256;
        this.policyVersion = policy.version();
        this.options = options;
        this.egoSpeedMps = egoSpeedMps;
        // A policy-only shadow costs a tracker and a policy per frame: it runs on every frame, unless fixed otherwise.
        this.sampleEvery = options.fixedSampleEvery() > 0 ? options.fixedSampleEvery() : 1;
        // Lossless comparisons wait for every shadow frame by design; otherwise the shadow gives way mid-run.
        this.preempts = challenger != null && !options.lossless() && challenger.detector().enableInterrupt();
        // Its own id prefix: the projector derives track, assessment and alert ids from it, so none can equal a champion id.
        this.projector = new EdgeProjector(sessionId + "/shadow", camera, frameRateHz, TrackerConfig.defaults(), EstimatorConfig.defaults(),
                policy, ActuationConfig.defaults(), this);
        this.handover = new LatestWinsQueue<>(challenger == null ? POLICY_ONLY_CAPACITY : 1,
                options.lossless() ? LatestWinsQueue.Overflow.BLOCK : LatestWinsQueue.Overflow.DROP_OLDEST,
                j -> {
                    j.release();
                    dropped(j.frameIndex(), 1, 0, 0, 0, 0);
                });
    }

    /** True when this shadow has no model of its own and decides on the champion's boxes ({@link #offerBoxes}). */
    boolean policyOnly() {
        return challenger == null;
    }

    /** The version of the policy the shadow decides with. */
    String policyVersion() {
        return policyVersion;
    }

    /**
     * On the detect thread, after the champion's frame went on to its decision.
     *
     * @param championBacklog a frame is waiting for the champion's detector
     */
    void offer(String frameId, long frameIndex, long frameTimeNanos, Mat image, boolean championBacklog) throws InterruptedException {
        long now = System.nanoTime();
        if (lastOfferNanos >= 0) {
            intervals[intervalCount++ % SAMPLING_WINDOW] = now - lastOfferNanos;
            medianIntervalNanos = median(intervals, Math.min(intervalCount, SAMPLING_WINDOW));
        }
        lastOfferNanos = now;
        if (dueIn > 0) {
            dueIn--;
            dropped(frameIndex, 0, 0, 1, 0, 0);
            return;
        }
        if (championBacklog && !options.lossless()) {
            // Still due: the next frame is offered in this one's place.
            dropped(frameIndex, 0, 1, 0, 0, 0);
            return;
        }
        dueIn = sampleEvery - 1;
        Mat copy = image.clone();
        if (!handover.put(new Job(frameId, frameIndex, frameTimeNanos, copy, null, null))) {
            copy.close();
        }
    }

    /**
     * On the detect thread, after the champion's frame went on to its decision: a policy-only challenger's frame is the
     * champion's boxes (no copy of the picture, no second inference). A champion backlog does not make it yield: it costs
     * the champion nothing it could use, and a skipped frame would change the shadow's tracks.
     *
     * @param boxesModel the model whose boxes these are (the primary, or the fallback on a frame it served)
     */
    void offerBoxes(String frameId, long frameIndex, long frameTimeNanos, List<DetectionObserved> boxes, ModelManifest boxesModel)
            throws InterruptedException {
        if (dueIn > 0) {
            dueIn--;
            dropped(frameIndex, 0, 0, 1, 0, 0);
            return;
        }
        dueIn = sampleEvery - 1;
        handover.put(new Job(frameId, frameIndex, frameTimeNanos, null, List.copyOf(boxes), boxesModel));
    }

    /**
     * On the detect thread, as a champion frame arrives, before the champion's detector runs: a shadow inference still
     * running is stopped between two operators, so the champion never shares the CPU with it (its frame is counted as
     * {@code shadowPreemptedCount}).
     */
    void championFrameArrived() {
        if (preemptible && challenger != null) {
            challenger.detector().interrupt();
        }
    }

    /** On the detect thread: no more frames. */
    void close() {
        handover.close();
    }

    /** When any stage failed: release the waiting copy. */
    void cancel() {
        handover.cancel(Job::release);
    }

    void run() throws InterruptedException {
        lowerPriority();
        for (Job j; (j = handover.take()) != null; ) {
            try {
                process(j);
            } catch (RuntimeException e) {
                // The challenger is on trial: its failure is counted and logged, and never ends the champion's session.
                if (failures++ == 0) {
                    LOG.warn("shadow challenger {} (policy {}) failed on frame {} ({}); such frames are counted in ShadowFramesDropped",
                            challenger == null ? "none" : challenger.event().modelName(), policyVersion, j.frameIndex(), e.toString());
                }
                dropped(j.frameIndex(), 0, 0, 0, 1, 0);
            } finally {
                j.release();
            }
        }
    }

    private void process(Job j) {
        if (j.image() == null) {
            processBoxes(j);
            return;
        }
        long cpu0 = CPU.getCurrentThreadCpuTime();
        Detections d;
        // Before the detection: a stopped run's sampling event is keyed by its own frame too.
        frameId = j.frameId();
        preemptible = preempts && consecutivePreemptions < MAX_CONSECUTIVE_PREEMPTIONS;
        try {
            d = challenger.detector().detect(j.image());
        } catch (io.sightline.inference.DetectionInterrupted e) {
            consecutivePreemptions++;
            // The CPU a stopped run took is a lower bound of what a whole run takes: the sampling must see it, or a
            // challenger that never fits between champion frames would never be spaced out.
            ProducedEvent sampling = resample(CPU.getCurrentThreadCpuTime() - cpu0);
            if (sampling != null) {
                synchronized (this) {
                    pending.add(sampling);
                }
            }
            dropped(j.frameIndex(), 0, 0, 0, 0, 1);
            return;
        } finally {
            preemptible = false;
        }
        consecutivePreemptions = 0;
        long detectCpuNanos = CPU.getCurrentThreadCpuTime() - cpu0;
        StageTimes t = challenger.detector().lastTimes();
        List<ShadowDetectionsObserved.Box> boxes = new ArrayList<>(d.count());
        for (int i = 0; i < d.count(); i++) {
            boxes.add(new ShadowDetectionsObserved.Box(d.classId[i], d.className(i), d.score[i],
                    new BoxPx(d.x1[i], d.y1[i], d.x2[i], d.y2[i])));
        }
        decide(j, boxes, challenger.event().modelName(), challenger.event().modelVersion(), modelSha256, t.inferenceNanos, t.totalNanos(),
                detectCpuNanos);
    }

    /** A policy-only challenger's frame: the champion's boxes, decided by the challenger policy; no inference to time. */
    private void processBoxes(Job j) {
        frameId = j.frameId();
        List<ShadowDetectionsObserved.Box> boxes = new ArrayList<>(j.championBoxes().size());
        for (DetectionObserved o : j.championBoxes()) {
            boxes.add(new ShadowDetectionsObserved.Box(o.classId(), o.className(), o.score(), o.boxPx()));
        }
        ModelManifest m = j.boxesModel();
        decide(j, boxes, m.name(), m.version(), m.sha256(), 0, 0, 0);
    }

    /** The shadow's tracker, range/TTC and policy on one frame's boxes, and the frame's {@code Shadow…} events. */
    private void decide(Job j, List<ShadowDetectionsObserved.Box> boxes, String boxesModelName, String boxesModelVersion,
                        String boxesModelSha256, long inferenceNanos, long detectNanos, long detectCpuNanos) {
        String detectionsId = EventIds.of(frameId, "ShadowDetectionsObserved", 0);
        tracksEventId = EventIds.of(frameId, "ShadowTracksUpdated", 0);
        frameTracks.clear();
        frameDecisions.clear();
        frameTtcs.clear();
        VehicleStateSampled ego = new VehicleStateSampled(j.frameTimeNanos(), egoSpeedMps, null, null, null, null,
                AssumedDrive.EGO_SPEED_SOURCE);
        projector.onVehicleState(EventIds.of(frameId, "ShadowVehicleState", 0), ego);
        input.start(frameId, j.frameTimeNanos());
        for (int i = 0; i < boxes.size(); i++) {
            ShadowDetectionsObserved.Box b = boxes.get(i);
            input.add(EventIds.of(detectionsId, "box", i), b.className(), b.boxPx().x1(), b.boxPx().y1(), b.boxPx().x2(), b.boxPx().y2(),
                    b.score());
        }
        projector.onFrame(input);
        List<ProducedEvent> events = new ArrayList<>(3 + frameDecisions.size());
        events.add(new ProducedEvent(detectionsId, Clocks.epochNanos(), new ShadowDetectionsObserved(frameId, boxesModelName,
                boxesModelVersion, boxesModelSha256, boxes, inferenceNanos, detectNanos, detectCpuNanos, sampleEvery, List.of(frameId))));
        events.add(new ProducedEvent(tracksEventId, Clocks.epochNanos(), new ShadowTracksUpdated(frameId, modelSha256, frameTracks,
                List.of(frameId, detectionsId))));
        events.addAll(frameDecisions);
        // CPU time, not wall time: at nice 19 on a busy machine the wall time is mostly waiting, which is not what the shadow costs.
        ProducedEvent sampling = resample(detectCpuNanos);
        synchronized (this) {
            if (sampling != null) {
                pending.add(sampling);
            }
            pending.addAll(events);
            framesShadowed++;
        }
    }

    /**
     * The sampling decision after each shadowed or stopped frame: the median detect time against the median frame
     * interval.
     */
    private ProducedEvent resample(long detectNanos) {
        detectTimes[detectCount++ % SAMPLING_WINDOW] = detectNanos;
        int previous = sampleEvery;
        if (!samplingRecorded) {
            samplingRecorded = true;
            return samplingEvent(previous, previous, options.fixedSampleEvery() > 0 ? "fixed" : "initial", detectNanos);
        }
        if (options.fixedSampleEvery() > 0 || detectCount % SAMPLING_WINDOW != 0) {
            return null;
        }
        long interval = medianIntervalNanos;
        if (interval <= 0) {
            return null;
        }
        long detect = median(detectTimes, SAMPLING_WINDOW);
        int next = (int) Math.min(MAX_SAMPLE_EVERY, Math.max(1, (long) Math.ceil(detect / (options.maxCpuShare() * interval))));
        if (next == previous) {
            return null;
        }
        sampleEvery = next;
        return samplingEvent(next, previous, next > previous ? "cpu-short" : "cpu-available", detect);
    }

    private ProducedEvent samplingEvent(int next, int previous, String reason, long detectNanos) {
        long now = Clocks.epochNanos();
        return new ProducedEvent(EventIds.of(sessionId, "ShadowSamplingChanged", frameId), now, new ShadowSamplingChanged(modelSha256, next,
                previous, reason, detectNanos, medianIntervalNanos, options.maxCpuShare(), now));
    }

    @Override
    public void emit(String eventId, long occurredAtNanos, SightlineEvent event) {
        // Only tracks and decisions become Shadow… events; what the shadow's actuation would command
        // (ActuationCommanded), its clears and suppressions are dropped here and go nowhere.
        if (event instanceof TrackUpdated u) {
            frameTracks.add(new ShadowTracksUpdated.Track(u.trackId(), u.className(), u.boxPx(), u.state(), u.hits(), u.ageFrames(), u.score()));
        } else if (event instanceof RiskAssessed r) {
            frameTtcs.put(eventId, r.ttcS());
            frameDecisions.add(new ProducedEvent(eventId, Clocks.epochNanos(), new ShadowRiskAssessed(eventId, frameId, r.trackId(),
                    r.ruleName(), r.policyVersion(), r.level(), r.rangeM(), r.closingSpeedMps(), r.relativeAccelMps2(), r.ttcS(),
                    r.egoSpeedMps(), modelSha256, r.factors(), List.of(frameId, tracksEventId))));
        } else if (event instanceof AlertRaised a) {
            double ttc = Double.NaN;
            for (String cause : a.causes()) {
                Double t = frameTtcs.get(cause);
                if (t != null) {
                    ttc = t;
                    break;
                }
            }
            List<String> causes = new ArrayList<>(1 + a.causes().size());
            causes.add(frameId);
            causes.addAll(a.causes());
            frameDecisions.add(new ProducedEvent(eventId, Clocks.epochNanos(), new ShadowAlertRaised(a.alertId(), frameId, a.kind(), a.level(),
                    a.trackId(), a.policyVersion(), a.raisedAtNanos(), ttc, modelSha256, causes)));
        }
    }

    @Override
    public void inputRejected(String inputId, long atNanos, String reason) {
        // A box the shadow's projector refuses stays in its ShadowDetectionsObserved; the champion's rejections are the ones journaled.
    }

    private synchronized void dropped(long frameIndex, long byBusy, long byBacklog, long bySampling, long byFailure, long byPreemption) {
        busy += byBusy;
        preempted += byPreemption;
        backlog += byBacklog;
        sampledOut += bySampling;
        failed += byFailure;
        droppedTotal++;
        if (firstDropIndex < 0) {
            firstDropIndex = frameIndex;
        }
        // A displaced frame is older than the frames skipped since: the range covers both.
        firstDropIndex = Math.min(firstDropIndex, frameIndex);
        lastDropIndex = Math.max(lastDropIndex, frameIndex);
    }

    /**
     * Moves the shadow's finished events into {@code out} (on the decide thread, into a champion frame's
     * append), with a {@link ShadowFramesDropped} when a second has passed since the last one or
     * {@code force} (the session's end).
     */
    synchronized void drainTo(List<ProducedEvent> out, boolean force) {
        out.addAll(pending);
        pending.clear();
        long now = System.nanoTime();
        if (firstDropIndex >= 0 && (force || now - lastDropReportNanos >= DROP_REPORT_INTERVAL_NANOS)) {
            long at = Clocks.epochNanos();
            out.add(new ProducedEvent(EventIds.of(sessionId, "ShadowFramesDropped", firstDropIndex), at, new ShadowFramesDropped(modelSha256,
                    busy, backlog, sampledOut, failed, preempted, firstDropIndex, lastDropIndex, sampleEvery, at)));
            failed = 0;
            preempted = 0;
            busy = 0;
            backlog = 0;
            sampledOut = 0;
            firstDropIndex = -1;
            lastDropIndex = -1;
            lastDropReportNanos = now;
        }
    }

    synchronized long framesShadowed() {
        return framesShadowed;
    }

    synchronized long framesDropped() {
        return droppedTotal;
    }

    int capacity() {
        return handover.capacity();
    }

    int maxDepth() {
        return handover.maxDepth();
    }

    private static long median(long[] values, int n) {
        long[] copy = Arrays.copyOf(values, n);
        Arrays.sort(copy);
        return copy[n / 2];
    }

    /**
     * Nice 19 for this thread alone (Linux schedules threads as tasks, and {@code renice -p} takes a
     * thread id). ONNX Runtime with one intra-op thread runs on the calling thread, so this covers the
     * shadow's inference. A process may always lower its own priority; where it cannot, the shadow runs
     * at normal priority and the drops and sampling still hold it back.
     */
    private static void lowerPriority() {
        lowerThreadPriority("shadow thread");
    }

    /** {@link #lowerPriority} for any background thread of the edge ({@code who} names it in the log), e.g. the assignment follower. */
    public static void lowerThreadPriority(String who) {
        ThreadNice.lower(who);
    }
}
