package io.sightline.runtime;

import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.edge.camera.CameraHealthMonitor;
import io.sightline.edge.camera.CameraHealthPolicy;
import io.sightline.edge.events.EdgeEventSink;
import io.sightline.edge.pipeline.EdgeProjector;
import io.sightline.edge.pipeline.EstimatorConfig;
import io.sightline.edge.pipeline.FrameInput;
import io.sightline.edge.range.CameraModel;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.tracking.TrackerConfig;
import io.sightline.inference.Clocks;
import io.sightline.inference.ProducedEvent;
import io.sightline.inference.StageStats;
import io.sightline.runtime.Handover.Decided;
import io.sightline.runtime.Handover.Perceived;
import io.sightline.runtime.telemetry.SessionTelemetry;
import java.util.List;

/**
 * Decide: the vehicle state of the frame (the assumed constant speed here), then the tracker,
 * range/TTC, risk policy and actuation of {@link EdgeProjector}. Their events join the frame's
 * perception events, so that the journal writes the frame in one append.
 */
final class DecideStage implements EdgeEventSink {

    /** Boxes one frame may carry into the projector; the detectors keep at most 100 after NMS. */
    static final int MAX_BOXES_PER_FRAME = 128;

    private final EdgeProjector projector;
    private final FrameInput input = new FrameInput(MAX_BOXES_PER_FRAME);
    private final double egoSpeedMps;
    private final StageStats stats;
    private final SessionTelemetry tel;
    private final boolean latestWins;
    /** The frame being decided: the projector's events go into its list. */
    private List<ProducedEvent> frameEvents;
    /** Camera-health episodes from the frames' picture statistics (none when they are not measured). */
    private final CameraHealthMonitor camera;
    /** The shadow challenger whose finished events join the next frame's append, or null. */
    private ShadowStage shadow;

    /** @param latestWins frames are dropped rather than queued, so frame→decision has a deadline */
    DecideStage(String sessionId, CameraModel camera, double frameRateHz, RiskPolicy policy,
                io.sightline.edge.app.SafetyApplications applications, double egoSpeedMps, StageStats stats, SessionTelemetry tel,
                boolean latestWins) {
        this.projector = new EdgeProjector(sessionId, camera, frameRateHz, TrackerConfig.defaults(), EstimatorConfig.defaults(),
                policy, applications, this);
        this.camera = new CameraHealthMonitor(sessionId, CameraHealthPolicy.defaults());
        this.egoSpeedMps = egoSpeedMps;
        this.stats = stats;
        this.tel = tel;
        this.latestWins = latestWins;
    }

    /** Set before {@link #run}. */
    void shadow(ShadowStage stage) {
        this.shadow = stage;
    }

    @Override
    public void emit(String eventId, long occurredAtNanos, SightlineEvent event) {
        frameEvents.add(new ProducedEvent(eventId, Clocks.epochNanos(), event));
    }

    void run(LatestWinsQueue<Perceived> in, LatestWinsQueue<Decided> out) throws InterruptedException {
        try {
            for (Perceived p; (p = in.take()) != null; ) {
                if (!out.put(decide(p))) {
                    p.trace().abandoned();
                    return;
                }
            }
        } finally {
            out.close();
        }
    }

    private Decided decide(Perceived p) {
        long t0 = System.nanoTime();
        p.trace().beginStage(StageBudgets.DECIDE);
        List<ProducedEvent> events = p.events();
        frameEvents = events;
        // Before the decisions: a frame that confirms an obstruction is decided knowing it.
        camera.onFrame(p.frameId(), p.frameIndex(), p.frameTimeNanos(), p.meanLuma(), p.lumaStdDev(), p.laplacianVariance(), this::emit);
        projector.onCameraCondition(camera.activeObstructionEventId());
        VehicleStateSampled ego = new VehicleStateSampled(p.frameTimeNanos(), egoSpeedMps, null, null, null,
                null, AssumedDrive.EGO_SPEED_SOURCE);
        String egoId = EventIds.of(p.frameId(), "VehicleStateSampled", 0);
        events.add(new ProducedEvent(egoId, Clocks.epochNanos(), ego));
        projector.onVehicleState(egoId, ego);
        input.start(p.frameId(), p.frameTimeNanos());
        for (DetectionObserved d : p.detections()) {
            // A refused box (NaN, empty) never reaches a decision; its DetectionObserved stays on record.
            input.add(d.detectionId(), d.className(), d.boxPx().x1(), d.boxPx().y1(), d.boxPx().x2(), d.boxPx().y2(),
                    d.score());
        }
        projector.onFrame(input);
        long now = System.nanoTime();
        long decideNanos = now - t0;
        long frameToDecisionNanos = now - p.enteredNanos();
        stats.record(StageBudgets.DECIDE, decideNanos);
        stats.record(StageBudgets.FRAME_TO_DECISION, frameToDecisionNanos);
        tel.stageDuration(StageBudgets.DECIDE, decideNanos);
        tel.stageDuration(StageBudgets.FRAME_TO_DECISION, frameToDecisionNanos);
        StageBudgets.recordMiss(events, StageBudgets.DECIDE, p.frameId(), StageBudgets.DECIDE_BUDGET_NANOS, decideNanos);
        if (latestWins) {
            // With back-pressure a file is decoded ahead and its frames wait by design: no deadline to miss.
            StageBudgets.recordMiss(events, StageBudgets.FRAME_TO_DECISION, p.frameId(), StageBudgets.FRAME_TO_DECISION_BUDGET_NANOS,
                    frameToDecisionNanos);
        }
        if (shadow != null) {
            // After the frame's decision is timed: the shadow's earlier frames ride in this frame's append.
            shadow.drainTo(events, false);
        }
        p.trace().endStage(events.size());
        return new Decided(p.frameId(), events, p.trace(), p.frameTimeNanos(), p.meanLuma(), p.lumaStdDev(), p.laplacianVariance());
    }
}
