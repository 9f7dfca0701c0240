package io.sightline.runtime;

import io.opentelemetry.api.common.Attributes;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.FramesDropped;
import io.sightline.inference.ActivatedModel;
import io.sightline.inference.Clocks;
import io.sightline.inference.Detections;
import io.sightline.inference.Detector;
import io.sightline.inference.FallbackDetector;
import io.sightline.inference.PerceptionEvents;
import io.sightline.inference.ProducedEvent;
import io.sightline.inference.StageStats;
import io.sightline.inference.StageTimes;
import io.sightline.inference.VideoFrame;
import io.sightline.runtime.Handover.Captured;
import io.sightline.runtime.Handover.Downstream;
import io.sightline.runtime.Handover.Perceived;
import io.sightline.runtime.telemetry.FrameTrace;
import io.sightline.runtime.telemetry.SessionTelemetry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Detect: runs the primary model (or the fallback chain) on each frame and turns the result into
 * the frame's perception events: the drops reported before it, FrameCaptured, deadline misses and
 * one DetectionObserved per box. The frame's pixels are released here; an evidence copy, when
 * kept, is taken after the hand-over so that the decision never waits for the picture.
 */
final class DetectStage {

    /** FallbackDetector: 3 misses or failures among the last 10 primary frames engage the fallback. */
    static final int FALLBACK_MAX_MISSES = 3;
    static final int FALLBACK_WINDOW_FRAMES = 10;
    /** The primary must meet its budget for this long (probed every few frames) before it serves again. */
    static final long FALLBACK_RESTORE_AFTER_S = 5;
    static final int FALLBACK_PROBE_EVERY_FRAMES = 10;

    private final String sessionId;
    private final String sourceId;
    private final ActivatedModel primary;
    private java.util.function.Supplier<List<? extends io.sightline.domain.event.SightlineEvent>> sideEvents = List::of;
    private long sideEventCount;
    private final FallbackDetector chain;
    private final StageStats stats;
    private final SessionTelemetry tel;
    private final DropLedger drops;
    private final long frameTimeBaseNanos;
    private final Attributes primaryModel;
    private final Attributes fallbackModel;
    private final EvidenceStage evidence;
    /** The events of the frame being detected: the fallback chain reports its switches into them. */
    private List<ProducedEvent> frameEvents;
    private volatile long framesCaptured;
    /** The challenger in shadow mode, or null; {@code shadowYields}: it skips a frame while another waits for the champion. */
    private ShadowStage shadow;
    private String lastFrameId;
    private boolean shadowYields;
    /** The last frame's champion boxes and the model that produced them, for a policy-only shadow. */
    private List<DetectionObserved> lastBoxes = List.of();
    private io.sightline.inference.ModelManifest lastBoxesModel;

    /**
     * @param fallback           null for none
     * @param frameTimeBaseNanos added to a frame's source time to put it on the session clock
     * @param evidence           where evidence pictures go, or null to keep none
     */
    DetectStage(String sessionId, String sourceId, ActivatedModel primary, ActivatedModel fallback, StageStats stats,
                SessionTelemetry tel, DropLedger drops, long frameTimeBaseNanos, EvidenceStage evidence) {
        this.sessionId = sessionId;
        this.sourceId = sourceId;
        this.primary = primary;
        this.stats = stats;
        this.tel = tel;
        this.drops = drops;
        this.frameTimeBaseNanos = frameTimeBaseNanos;
        this.evidence = evidence;
        this.primaryModel = SessionTelemetry.model(primary.detector().manifest());
        this.fallbackModel = fallback == null ? primaryModel : SessionTelemetry.model(fallback.detector().manifest());
        this.chain = fallback == null ? null : new FallbackDetector(primary.detector(), fallback.detector(),
                new FallbackDetector.Policy(StageBudgets.DETECT_BUDGET_NANOS, FALLBACK_MAX_MISSES, FALLBACK_WINDOW_FRAMES,
                        TimeUnit.SECONDS.toNanos(FALLBACK_RESTORE_AFTER_S), FALLBACK_PROBE_EVERY_FRAMES),
                e -> frameEvents.add(e));
    }

    /**
     * Events that happened beside the pipeline (a model refused by the live assignment follower, ADR-0035),
     * journaled with the next frame's events. Set before {@link #run}.
     */
    void sideEvents(java.util.function.Supplier<List<? extends io.sightline.domain.event.SightlineEvent>> source) {
        this.sideEvents = source;
    }

    /** Hands each frame to {@code stage} after the champion's; {@code yieldToBacklog} with latest-wins. Set before {@link #run}. */
    void shadow(ShadowStage stage, boolean yieldToBacklog) {
        this.shadow = stage;
        this.shadowYields = yieldToBacklog;
    }

    /** This stage's Linux thread id, once its thread runs: the edge gives that one thread a core's priority. */
    final java.util.concurrent.CompletableFuture<String> threadId = new java.util.concurrent.CompletableFuture<>();

    void run(LatestWinsQueue<Captured> in, Downstream<Perceived> out) throws InterruptedException {
        threadId.complete(ThreadPriority.currentThreadId());
        try {
            for (Captured c; (c = in.take()) != null; ) {
                VideoFrame f = c.frame();
                try {
                    if (shadow != null) {
                        shadow.championFrameArrived();
                    }
                    if (!detect(c, f, out)) {
                        return;
                    }
                    if (shadow != null && shadow.policyOnly()) {
                        // A policy-only challenger decides on the champion's boxes (ADR-0043): no picture, no second inference.
                        shadow.offerBoxes(lastFrameId, f.index(), frameTimeBaseNanos + f.captureTimeNanos(), lastBoxes, lastBoxesModel);
                    } else if (shadow != null) {
                        // After the champion's hand-over and evidence copy: the champion's decision never waits for the shadow.
                        shadow.offer(lastFrameId, f.index(), frameTimeBaseNanos + f.captureTimeNanos(), f.image(),
                                shadowYields && in.size() > 0);
                    }
                } finally {
                    // The evidence and the shadow took their own copies: the buffer serves a later frame.
                    c.release();
                }
            }
        } finally {
            if (shadow != null) {
                shadow.close();
            }
            out.close();
            if (evidence != null) {
                evidence.close();
            }
        }
    }

    private boolean detect(Captured c, VideoFrame f, Downstream<Perceived> out) throws InterruptedException {
        FrameTrace trace = c.trace();
        trace.beginStage(StageBudgets.DETECT);
        List<ProducedEvent> events = new ArrayList<>();
        frameEvents = events;
        FramesDropped dropped = drops.drain(Clocks.epochNanos());
        if (dropped != null) {
            events.add(new ProducedEvent(EventIds.of(sessionId, "FramesDropped", dropped.firstFrameIndex()), dropped.droppedAtNanos(),
                    dropped));
        }
        for (io.sightline.domain.event.SightlineEvent e : sideEvents.get()) {
            events.add(new ProducedEvent(EventIds.of(sessionId, e.getClass().getSimpleName(), "run-" + sideEventCount++), Clocks.epochNanos(), e));
        }
        ProducedEvent captured = PerceptionEvents.frameCaptured(sessionId, f, sourceId);
        String frameId = captured.eventId();
        lastFrameId = frameId;
        trace.identify(frameId);
        events.add(captured);
        framesCaptured++;
        stats.record(StageBudgets.DECODE, f.decodeNanos());
        tel.stageDuration(StageBudgets.DECODE, f.decodeNanos());
        StageBudgets.recordMiss(events, StageBudgets.DECODE, frameId, StageBudgets.DECODE_BUDGET_NANOS, f.decodeNanos());

        Detections d = chain != null ? chain.detect(f.image(), frameId) : primary.detector().detect(f.image());
        Detector used = chain != null ? chain.lastUsed() : primary.detector();
        StageTimes t = used.lastTimes();
        stats.recordDetector(t);
        stats.record(StageBudgets.DETECT, t.totalNanos());
        tel.detector(t, used == primary.detector() ? primaryModel : fallbackModel);
        tel.stageDuration(StageBudgets.DETECT, t.totalNanos());
        // The chain already reports its primary's misses (and counts them towards the fallback).
        if (chain == null || used != chain.primary()) {
            StageBudgets.recordMiss(events, StageBudgets.DETECT + ":" + used.manifest().name(), frameId,
                    StageBudgets.DETECT_BUDGET_NANOS, t.totalNanos());
        }
        List<DetectionObserved> dets = new ArrayList<>(d.count());
        lastBoxes = dets;
        lastBoxesModel = used.manifest();
        PerceptionEvents.detectionsObserved(frameId, d, used.manifest(), e -> {
            events.add(e);
            dets.add((DetectionObserved) e.payload());
        });
        trace.endStage(events.size());
        EvidenceStage.Pending evidencePending = evidence == null ? null : evidence.expect(frameId);
        if (!out.accept(new Perceived(frameId, f.index(), f.captureTimeNanos(), frameTimeBaseNanos + f.captureTimeNanos(),
                c.enteredNanos(), used.manifest().name(), events, dets, trace, c.meanLuma(), c.lumaStdDev(), c.laplacianVariance()))) {
            trace.abandoned();
            return false;
        }
        if (evidencePending != null) {
            // After the hand-over: the decision never waits for the picture.
            evidence.submit(evidencePending, f, frameId, captured.occurredAtNanos(), dets);
        }
        return true;
    }

    /** Frames detected (each has its FrameCaptured). */
    long framesCaptured() {
        return framesCaptured;
    }
}
