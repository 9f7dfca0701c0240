package io.sightline.edge.pipeline;

import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.InputRejected;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.TrackLost;
import io.sightline.domain.event.TrackStarted;
import io.sightline.domain.event.TrackState;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.actuation.Actuator;
import io.sightline.edge.events.EdgeEventSink;
import io.sightline.edge.range.CameraModel;
import io.sightline.edge.range.LateralKalman;
import io.sightline.edge.range.MonocularRange;
import io.sightline.edge.range.ObjectClass;
import io.sightline.edge.range.RangeKalman;
import io.sightline.edge.range.RangeMeasurement;
import io.sightline.edge.risk.ObjectKinematics;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.risk.RuleEvaluation;
import io.sightline.edge.app.Perception;
import io.sightline.edge.app.SafetyApplication;
import io.sightline.edge.app.SafetyApplications;
import io.sightline.edge.app.VerdictSink;
import io.sightline.edge.tracking.ByteTracker;
import io.sightline.edge.tracking.TrackerConfig;
import io.sightline.edge.tracking.TrackerOutput;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The edge safety core, per input: tracker → range/TTC estimation → risk policy → actuation, emitting
 * every domain event with its lineage. The scenario runner and the live pipeline both drive this
 * class; only the source of detections and vehicle state differs.
 *
 * <p>Inputs, in time order:
 * <ul>
 *   <li>{@link #onVehicleState}: ego speed (the latest fresh sample is used by every decision);</li>
 *   <li>{@link #onFrame}: one camera frame's detections; per track: TrackStarted, TrackUpdated
 *       (causes: the DetectionObserved taken in and the previous TrackUpdated), TrackLost (causes:
 *       the last TrackUpdated), and per rule a RiskAssessed (causes: the TrackUpdated and the
 *       VehicleStateSampled), then actuation events;</li>
 *   <li>{@link #onMeasuredObject}: an object measured by a ranging sensor (radar), which skips the
 *       camera tracker and range geometry and shares the filter, policy and actuation.</li>
 * </ul>
 *
 * <p><b>Ids are deterministic</b> (ADR-0017): every id is a function of the prefix (the session
 * id), the ids of the inputs, and state that only the order of the inputs decides, never a random
 * number, a clock or a thread: TrackStarted {@code prefix/frameId/trk-N/start}, TrackUpdated
 * {@code prefix/frameId/trk-N}, TrackLost {@code prefix/frameId/trk-N/lost}, RiskAssessed
 * {@code prefix/frameId/trk-N/RULE} (for a measured object, the measurement's id stands for the
 * frame's), and the {@link Actuator}'s ids (AlertRaised {@code prefix/alert/K}, K counting the
 * session's alerts in input order; AlertCleared {@code …/clr}; ActuationCommanded
 * {@code …/act/ACTUATOR}; AlertSuppressed {@code prefix/sup/RULE/trk-N/timeNanos}). The tracker's
 * N and the actuator's K are counters driven by the inputs alone. Fed the same inputs in the same
 * order with the same configuration, the projector emits the same events with the same ids, byte
 * for byte, which is what {@code sightline replay --diff} relies on; the input ids themselves
 * (frames, detections, vehicle state) are derived from the session by their producers
 * ({@code io.sightline.domain.event.EventIds}). A refused input becomes an
 * {@link InputRejected} event, id {@code prefix/inputId/rejected}, and is also handed to
 * {@link EdgeEventSink#inputRejected}.
 *
 * <p>The math (tracking, range, filters, policy) allocates nothing per frame in steady state;
 * building the event records and their ids does, by nature. Not thread-safe: one instance per
 * camera stream, fed from one thread in input order.
 */
public final class EdgeProjector {

    private static final ObjectClass[] CLASSES = ObjectClass.values();

    private final String idPrefix;
    /** Where decision ids (RiskAssessed, the actuator's) start; the edge's is {@link #idPrefix}. */
    private final String decisionIdPrefix;
    private final CameraModel camera;
    private final double frameRateHz;
    private final EstimatorConfig estimator;
    private final ByteTracker tracker;
    private final TrackerOutput trackerOut = new TrackerOutput();
    private final MonocularRange monocular;
    private final RangeMeasurement measurement = new RangeMeasurement();
    private final RiskPolicy policy;
    private final SafetyApplications applications;
    /** The installed applications as an array, so the per-object loop allocates no iterator. */
    private final SafetyApplication[] apps;
    private final PerceptionView perception = new PerceptionView();
    private final VerdictSink verdicts = this::emitVerdict;
    private final Actuator actuator;
    private final EdgeEventSink sink;
    private final RuleEvaluation evaluation = new RuleEvaluation();
    /** Live camera tracks; searched linearly (a scene has tens of tracks) so lookups box nothing. */
    private final ArrayList<TrackContext> cameraTracks = new ArrayList<>();
    /** Contexts of removed tracks, reused for new ones. */
    private final ArrayDeque<TrackContext> freeContexts = new ArrayDeque<>();
    private final Map<String, TrackContext> measuredObjects = new HashMap<>();

    private String vehicleStateId;
    /** The CameraObstructed in force, or null. */
    private String cameraConditionId;
    private double egoSpeedMps = Double.NaN;
    private long vehicleStateTimeNanos;
    private long frames;
    private long lastFrameTimeNanos;

    /** What the applications see of the shared perception at the current input; updated in place. */
    private final class PerceptionView implements Perception {
        long timeNanos;
        String frameId;

        @Override
        public long timeNanos() {
            return timeNanos;
        }

        @Override
        public String frameId() {
            return frameId;
        }

        @Override
        public double egoSpeedMps() {
            return egoSpeedMps;
        }

        @Override
        public String vehicleStateId() {
            return vehicleStateId;
        }

        @Override
        public boolean egoStateFresh() {
            return EdgeProjector.this.egoStateFresh(timeNanos);
        }

        @Override
        public double cameraPitchRad() {
            return camera.pitchRad();
        }
    }

    /** Per-object estimator state; pooled by the maps above for the object's lifetime. */
    private static final class TrackContext {
        final ObjectKinematics kinematics = new ObjectKinematics();
        final RangeKalman range;
        final LateralKalman lateral;
        final int[] classVotes = new int[CLASSES.length];
        long trackerId;
        long bornFrame;
        String lastUpdateId;

        TrackContext(EstimatorConfig c) {
            range = new RangeKalman(c.rangeJerkPsd(), c.initialRangeRateSigmaMps(), c.initialRangeAccelSigmaMps2(),
                    c.rangeGateSigma());
            lateral = new LateralKalman(c.lateralAccelPsd(), c.initialLateralSpeedSigmaMps());
        }

        void reset() {
            range.reset();
            lateral.reset();
            kinematics.resetTimers();
            java.util.Arrays.fill(classVotes, 0);
        }

        /** Majority vote over the classes of the detections taken in: one clutter box cannot flip it. */
        void vote(ObjectClass c) {
            classVotes[c.ordinal()]++;
        }
    }

    public EdgeProjector(String idPrefix, CameraModel camera, double frameRateHz, TrackerConfig trackerConfig,
                         EstimatorConfig estimator, RiskPolicy policy, ActuationConfig actuation, EdgeEventSink sink) {
        this(idPrefix, camera, frameRateHz, trackerConfig, estimator, policy, SafetyApplications.standard(policy, actuation), sink);
    }

    /**
     * @param policy the risk policy the session records ({@code DriveSessionStarted}); the
     *     applications judge with their own policies
     * @param applications the safety applications, run in their order
     */
    public EdgeProjector(String idPrefix, CameraModel camera, double frameRateHz, TrackerConfig trackerConfig,
                         EstimatorConfig estimator, RiskPolicy policy, SafetyApplications applications, EdgeEventSink sink) {
        this(idPrefix, idPrefix, camera, frameRateHz, trackerConfig, estimator, policy, applications, sink);
    }

    /**
     * A projector whose decisions are named apart from its perception: a cloud-side application
     * (ADR-0029) re-derives the edge's tracks under the edge's own ids, so its verdicts can name
     * them, while its own RiskAssessed and alerts must not take ids the edge already used.
     *
     * @param decisionIdPrefix prefix of RiskAssessed, AlertRaised, AlertCleared, AlertSuppressed
     *     and ActuationCommanded ids
     */
    public EdgeProjector(String idPrefix, String decisionIdPrefix, CameraModel camera, double frameRateHz,
                         TrackerConfig trackerConfig, EstimatorConfig estimator, RiskPolicy policy,
                         SafetyApplications applications, EdgeEventSink sink) {
        this.idPrefix = idPrefix;
        this.decisionIdPrefix = decisionIdPrefix;
        this.camera = camera;
        this.frameRateHz = frameRateHz;
        this.estimator = estimator;
        this.tracker = new ByteTracker(trackerConfig, frameRateHz);
        this.monocular = new MonocularRange(camera, estimator.boxEdgeSigmaPx(), estimator.pitchSigmaRad(),
                estimator.minRowsBelowHorizonPx());
        this.policy = policy;
        this.applications = applications;
        this.apps = applications.applications().toArray(new SafetyApplication[0]);
        this.actuator = new Actuator(applications, decisionIdPrefix, sink);
        this.sink = sink;
    }

    public RiskPolicy policy() {
        return policy;
    }

    public SafetyApplications applications() {
        return applications;
    }

    public Actuator actuator() {
        return actuator;
    }

    /**
     * Takes an ego-state sample. A sample with a NaN, infinite or negative speed is refused with
     * the reason and never used.
     *
     * @return null when taken, else the reason it was refused
     */
    public String onVehicleState(String eventId, VehicleStateSampled sample) {
        double v = sample.egoSpeedMps();
        String reason = null;
        if (!Double.isFinite(v)) {
            reason = "egoSpeedMps is not finite: " + v;
        } else if (v < 0) {
            reason = "egoSpeedMps is negative: " + v + " (reverse driving is outside the forward safety rules)";
        }
        if (reason != null) {
            reject(eventId, sample.sampleTimeNanos(), reason);
            return reason;
        }
        vehicleStateId = eventId;
        egoSpeedMps = v;
        vehicleStateTimeNanos = sample.sampleTimeNanos();
        return null;
    }

    /**
     * The camera-health episode in force ({@code CameraObstructed}'s event id), or null when the
     * camera sees the road. Every risk decision while it is set names it among its causes, so the
     * trace of a warning made, or of its absence, shows what the camera could see.
     */
    public void onCameraCondition(String obstructionEventId) {
        this.cameraConditionId = obstructionEventId;
    }

    private boolean egoStateFresh(long nowNanos) {
        return vehicleStateId != null
                && Math.abs(nowNanos - vehicleStateTimeNanos) <= Math.round(estimator.maxVehicleStateAgeS() * 1e9);
    }

    /**
     * Records a refused input as an {@link InputRejected} event (id {@code prefix/inputId/rejected})
     * and tells the sink's {@link EdgeEventSink#inputRejected} hook.
     */
    private void reject(String inputId, long atNanos, String reason) {
        sink.emit(idPrefix + "/" + inputId + "/rejected", atNanos, new InputRejected(inputId, reason, atNanos, List.of(inputId)));
        sink.inputRejected(inputId, atNanos, reason);
    }

    /**
     * Processes one camera frame. Detections {@link FrameInput#add} refused are recorded as
     * {@link InputRejected}; a frame whose time is before the previous frame's is refused whole
     * (the filters cannot run backwards) and changes no state.
     */
    public void onFrame(FrameInput frame) {
        long t = frame.captureTimeNanos();
        for (int i = 0; i < frame.rejectedCount(); i++) {
            reject(frame.rejectedId(i), t, frame.rejectedReason(i));
        }
        if (frames > 0 && t < lastFrameTimeNanos) {
            reject(frame.frameId(), t, "frame time goes backwards: " + t + " ns after a frame at " + lastFrameTimeNanos + " ns");
            return;
        }
        lastFrameTimeNanos = t;
        frames++;
        tracker.update(frame.detections, trackerOut);
        String frameId = frame.frameId();
        for (int row = 0; row < trackerOut.size(); row++) {
            long id = trackerOut.trackId(row);
            switch (trackerOut.event(row)) {
                case STARTED -> {
                    TrackContext c = freeContexts.isEmpty() ? new TrackContext(estimator) : freeContexts.pop();
                    c.reset();
                    c.trackerId = id;
                    c.bornFrame = frames;
                    c.kinematics.trackKey = "trk-" + id;
                    cameraTracks.add(c);
                    int det = trackerOut.detectionIndex(row);
                    String startedId = idPrefix + "/" + frameId + "/" + c.kinematics.trackKey + "/start";
                    c.vote(frame.objectClass(det));
                    ObjectClass cls = winner(c);
                    sink.emit(startedId, t, new TrackStarted(c.kinematics.trackKey, frameId, cls.cocoName(),
                            box(row), trackerOut.score(row), List.of(frame.detectionId(det))));
                    c.lastUpdateId = startedId;
                    updated(c, row, frame, det, t);
                }
                case UPDATED -> {
                    TrackContext c = cameraTrack(id);
                    int det = trackerOut.detectionIndex(row);
                    c.vote(frame.objectClass(det));
                    updated(c, row, frame, det, t);
                }
                case LOST -> {
                    TrackContext c = cameraTrack(id);
                    String updId = idPrefix + "/" + frameId + "/" + c.kinematics.trackKey;
                    sink.emit(updId, t, trackUpdated(c, row, frameId, TrackState.LOST, List.of(c.lastUpdateId)));
                    c.lastUpdateId = updId;
                    predict(c, t);
                }
                case NONE -> predict(cameraTrack(id), t);
                case REMOVED -> {
                    TrackContext c = cameraTrack(id);
                    if (c != null) {
                        cameraTracks.remove(c);
                        freeContexts.push(c);
                        sink.emit(idPrefix + "/" + frameId + "/" + c.kinematics.trackKey + "/lost", t,
                                new TrackLost(c.kinematics.trackKey, frameId, trackerOut.framesSinceUpdate(row),
                                        "unmatched for " + trackerOut.framesSinceUpdate(row) + " frames",
                                        List.of(c.lastUpdateId)));
                        actuator.forget(c.kinematics.trackKey);
                    }
                }
            }
        }
        afterFrame(frameId, t);
        actuator.tick(t);
    }

    /** Lets each application reach the verdicts that no single object update decides. */
    private void afterFrame(String frameId, long t) {
        perception.timeNanos = t;
        perception.frameId = frameId;
        for (SafetyApplication app : apps) {
            app.afterFrame(perception, evaluation, verdicts);
        }
    }

    private void emitVerdict(String objectKey, double rangeM, double closingSpeedMps, RuleEvaluation ev, List<String> causes) {
        SafetyApplication app = applications.owner(ev.kind());
        String id = decisionIdPrefix + "/" + perception.frameId + "/" + objectKey + "/" + ev.kind();
        sink.emit(id, perception.timeNanos, new RiskAssessed(id, perception.frameId, objectKey, ev.kind().name(),
                app.policyVersion(), ev.level(), rangeM, closingSpeedMps, 0, ev.ttcS(), egoSpeedMps, ev.factors(), causes));
        actuator.offer(objectKey, ev, id, perception.timeNanos);
    }

    private TrackContext cameraTrack(long trackerId) {
        for (int i = 0; i < cameraTracks.size(); i++) {
            TrackContext c = cameraTracks.get(i);
            if (c.trackerId == trackerId) {
                return c;
            }
        }
        return null;
    }

    private void updated(TrackContext c, int row, FrameInput frame, int det, long t) {
        String frameId = frame.frameId();
        String updId = idPrefix + "/" + frameId + "/" + c.kinematics.trackKey;
        ObjectClass cls = winner(c);
        sink.emit(updId, t, trackUpdated(c, row, frameId, TrackState.CONFIRMED,
                List.of(frame.detectionId(det), c.lastUpdateId)));
        c.lastUpdateId = updId;

        ObjectKinematics k = c.kinematics;
        k.objectClass = cls;
        monocular.measure(frame.x1(det), frame.y1(det), frame.x2(det), frame.y2(det), cls, measurement);
        if (!measurement.isValid()) {
            predict(c, t);
            return;
        }
        c.range.updateRange(t, measurement.rangeM(), measurement.sigmaM());
        double rangeM = c.range.rangeM();
        double depthM = rangeM * Math.cos(camera.pitchRad());
        double lateralSigmaM = Math.hypot(depthM * estimator.boxEdgeSigmaPx() / camera.fxPx(),
                Math.abs(measurement.bearingTan()) * c.range.rangeSigmaM());
        c.lateral.update(t, measurement.bearingTan() * depthM, lateralSigmaM);
        double widthM = cls.hasWidthPrior() ? cls.widthM() : (frame.x2(det) - frame.x1(det)) * depthM / camera.fxPx();
        fill(c, 0.5 * widthM);
        assess(c, frameId, List.of(updId), t);
    }

    private static ObjectClass winner(TrackContext c) {
        int best = 0;
        for (int i = 1; i < c.classVotes.length; i++) {
            if (c.classVotes[i] > c.classVotes[best]) {
                best = i;
            }
        }
        return CLASSES[best];
    }

    private static void predict(TrackContext c, long t) {
        if (c != null) {
            c.range.predictTo(t);
            c.lateral.predictTo(t);
        }
    }

    private void fill(TrackContext c, double halfWidthM) {
        ObjectKinematics k = c.kinematics;
        k.rangeM = c.range.rangeM();
        k.rangeSigmaM = c.range.rangeSigmaM();
        k.rangeRateMps = c.range.rangeRateMps();
        k.rangeRateSigmaMps = c.range.rangeRateSigmaMps();
        k.rangeAccelMps2 = c.range.rangeAccelMps2();
        k.rangeAccelSigmaMps2 = c.range.rangeAccelSigmaMps2();
        k.covRangeRate = c.range.covRangeRate();
        k.covRangeAccel = c.range.covRangeAccel();
        k.covRateAccel = c.range.covRateAccel();
        k.lateralM = c.lateral.lateralM();
        k.lateralSpeedMps = c.lateral.lateralSpeedMps();
        k.halfWidthM = halfWidthM;
        k.trackAgeS = c.range.ageS();
    }

    /** Runs the rules that apply to the object's class and hands each verdict to actuation. */
    private void assess(TrackContext c, String frameId, List<String> trackCauses, long t) {
        if (!egoStateFresh(t)) {
            // no decision without a current ego speed: a stale speed could open the speed gate wrongly
            return;
        }
        ObjectKinematics k = c.kinematics;
        List<String> causes = cameraConditionId == null ? concat(trackCauses, vehicleStateId)
                : concat(concat(trackCauses, vehicleStateId), cameraConditionId);
        perception.timeNanos = t;
        perception.frameId = frameId;
        for (SafetyApplication app : apps) {
            if (app.judges(k.objectClass) && app.assess(perception, k, causes, evaluation)) {
                emitAssessment(c, frameId, causes, t, app);
            }
        }
    }

    private void emitAssessment(TrackContext c, String frameId, List<String> causes, long t, SafetyApplication app) {
        ObjectKinematics k = c.kinematics;
        RuleEvaluation ev = evaluation;
        String id = decisionIdPrefix + "/" + frameId + "/" + k.trackKey + "/" + ev.kind();
        sink.emit(id, t, new RiskAssessed(id, frameId, k.trackKey, ev.kind().name(), app.policyVersion(),
                ev.level(), k.rangeM, k.closingSpeedMps(), k.rangeAccelMps2, ev.ttcS(), egoSpeedMps, ev.factors(),
                causes));
        actuator.offer(k.trackKey, ev, id, t);
    }

    /**
     * An object measured directly by a ranging sensor (radar: range, range rate, lateral position).
     * It takes the same filter, rules and actuation as a camera track; a radar reports no class, so
     * the caller says which (a vehicle, for an automotive radar's tracked targets).
     *
     * @param objectKey the sensor's stable id of the object (e.g. radar slot)
     * @param measurementId id of the event carrying the measurement (a cause of the assessment)
     * @param newObject the sensor says this is a new object in the slot: restart its filters
     * @return null when taken, else why the measurement was refused
     */
    public String onMeasuredObject(String objectKey, String measurementId, long timeNanos, ObjectClass cls,
                                   double rangeM, double rangeRateMps, double lateralM, boolean newObject) {
        String reason = null;
        if (!Double.isFinite(rangeM) || !Double.isFinite(rangeRateMps) || !Double.isFinite(lateralM)) {
            reason = "measurement not finite: range " + rangeM + " m, rate " + rangeRateMps + " m/s, lateral "
                    + lateralM + " m";
        } else if (!(rangeM > 0)) {
            reason = "range must be positive, got " + rangeM + " m";
        }
        if (reason != null) {
            reject(measurementId, timeNanos, reason);
            return reason;
        }
        TrackContext c = measuredObjects.get(objectKey);
        if (c == null) {
            c = new TrackContext(estimator);
            c.kinematics.trackKey = objectKey;
            measuredObjects.put(objectKey, c);
        } else if (newObject || c.range.isInitialised() && timeNanos - c.range.timeNanos()
                > Math.round(estimator.measuredObjectMaxGapS() * 1e9)) {
            c.range.reset();
            c.lateral.reset();
            c.kinematics.resetTimers();
            actuator.forget(objectKey);
        }
        c.kinematics.objectClass = cls;
        c.range.updateRangeAndRate(timeNanos, rangeM, estimator.radarRangeSigmaM(), rangeRateMps,
                estimator.radarRangeRateSigmaMps());
        c.lateral.update(timeNanos, lateralM, estimator.radarLateralSigmaM());
        fill(c, cls.hasWidthPrior() ? 0.5 * cls.widthM() : 0);
        assess(c, measurementId, List.of(measurementId), timeNanos);
        actuator.tick(timeNanos);
        return null;
    }

    /** Lets alerts time out when no input arrives (call at the input's time step). */
    public void tick(long timeNanos) {
        actuator.tick(timeNanos);
    }

    private BoxPx box(int row) {
        double x1 = trackerOut.leftPx(row);
        double y1 = trackerOut.topPx(row);
        return new BoxPx(x1, y1, x1 + Math.max(0, trackerOut.widthPx(row)), y1 + Math.max(0, trackerOut.heightPx(row)));
    }

    private TrackUpdated trackUpdated(TrackContext c, int row, String frameId, TrackState state, List<String> causes) {
        return new TrackUpdated(c.kinematics.trackKey, frameId, winner(c).cocoName(), box(row),
                trackerOut.vxPxPerFrame(row) * frameRateHz, trackerOut.vyPxPerFrame(row) * frameRateHz, state,
                trackerOut.hitCount(row), (int) (frames - c.bornFrame + 1), trackerOut.score(row), causes);
    }

    private static List<String> concat(List<String> a, String b) {
        if (a.size() == 1) {
            return List.of(a.get(0), b);
        }
        String[] all = a.toArray(new String[a.size() + 1]);
        all[a.size()] = b;
        return List.of(all);
    }
}
