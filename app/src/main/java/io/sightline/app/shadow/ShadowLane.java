package io.sightline.app.shadow;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.app.SafetyApplications;
import io.sightline.edge.events.EdgeEventSink;
import io.sightline.edge.pipeline.EdgeProjector;
import io.sightline.edge.pipeline.EstimatorConfig;
import io.sightline.edge.pipeline.FrameInput;
import io.sightline.edge.range.CameraModel;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.shadow.AlertAgreement;
import io.sightline.edge.shadow.DetectionAgreement;
import io.sightline.edge.tracking.TrackerConfig;
import io.sightline.inference.ActivatedModel;
import io.sightline.inference.Detections;
import io.sightline.inference.StageTimes;
import io.sightline.runtime.AssumedDrive;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * One model's side of a shadow comparison: its detector and its own tracker, range/TTC, risk policy
 * and actuation (an {@link EdgeProjector} with the standard safety applications), fed the frames the
 * other side sees. Each side keeps its own state, because a challenger's tracks and alerts must
 * follow from its own boxes alone, as they would on a vehicle where it served.
 */
final class ShadowLane implements EdgeEventSink {

    /** The detectors keep at most 100 boxes after NMS; the same slack as the edge's decide stage. */
    private static final int MAX_BOXES_PER_FRAME = 128;
    private static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final String role;
    private final ActivatedModel model;
    /** Boxes scoring at or below this are hidden, as if the manifest's reportScore were this; NaN for the manifest's own. */
    private final double minScore;
    private final String sessionId;
    private final EdgeProjector projector;
    private final FrameInput input = new FrameInput(MAX_BOXES_PER_FRAME);
    private final double egoSpeedMps;
    private final Histogram inferenceNanos = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
    private final Histogram detectNanos = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
    /** The current frame's assessments: an alert names the one that raised it in the same frame. */
    private final Map<String, RiskAssessed> frameAssessments = new HashMap<>();
    private final List<AlertAgreement.Alert> alerts = new ArrayList<>();
    private final List<DetectionAgreement.Box> frameBoxes = new ArrayList<>();
    private long frameIndex;
    private long boxes;
    private long hiddenBoxes;
    private long rejectedInputs;

    ShadowLane(String role, ActivatedModel model, double minScore, CameraModel camera, double frameRateHz, double egoSpeedMps) {
        this(role, model, minScore, camera, frameRateHz, egoSpeedMps, RiskPolicy.defaults());
    }

    /** @param policy the risk policy this side decides with (a challenger may carry its own) */
    ShadowLane(String role, ActivatedModel model, double minScore, CameraModel camera, double frameRateHz, double egoSpeedMps,
               RiskPolicy policy) {
        this.role = role;
        this.model = model;
        this.minScore = minScore;
        this.sessionId = "shadow-" + role;
        this.egoSpeedMps = egoSpeedMps;
        this.projector = new EdgeProjector(sessionId, camera, frameRateHz, TrackerConfig.defaults(), EstimatorConfig.defaults(),
                policy, SafetyApplications.standard(policy, ActuationConfig.defaults()), this);
    }

    /**
     * Detects on {@code image} (read only: the other lane detects on the same pixels), then decides.
     *
     * @param frameTimeNanos the frame's time in the clip, the clock both lanes decide on
     * @return the boxes kept, valid until the next call
     */
    List<DetectionAgreement.Box> onFrame(Mat image, long index, long frameTimeNanos) {
        return onFrame(image, index, frameTimeNanos, egoSpeedMps);
    }

    /** The same, at the speed the vehicle recorded for this frame (a replayed window). */
    List<DetectionAgreement.Box> onFrame(Mat image, long index, long frameTimeNanos, double frameEgoSpeedMps) {
        frameIndex = index;
        Detections d = model.detector().detect(image);
        StageTimes t = model.detector().lastTimes();
        inferenceNanos.recordValue(Math.min(t.inferenceNanos, HIGHEST_TRACKABLE_NANOS));
        detectNanos.recordValue(Math.min(t.totalNanos(), HIGHEST_TRACKABLE_NANOS));

        frameAssessments.clear();
        String frameId = EventIds.frame(sessionId, index);
        VehicleStateSampled ego = new VehicleStateSampled(frameTimeNanos, frameEgoSpeedMps, null, null, null, null,
                AssumedDrive.EGO_SPEED_SOURCE);
        projector.onVehicleState(EventIds.of(frameId, "VehicleStateSampled", 0), ego);
        input.start(frameId, frameTimeNanos);
        frameBoxes.clear();
        for (int i = 0; i < d.count(); i++) {
            // Strictly above, as the decoder's reportScore compares: a threshold equal to the manifest's hides nothing.
            if (!Double.isNaN(minScore) && !(d.score[i] > minScore)) {
                hiddenBoxes++;
                continue;
            }
            frameBoxes.add(new DetectionAgreement.Box(d.className(i), d.score[i], d.x1[i], d.y1[i], d.x2[i], d.y2[i]));
            input.add(EventIds.detection(frameId, i), d.className(i), d.x1[i], d.y1[i], d.x2[i], d.y2[i], d.score[i]);
        }
        boxes += frameBoxes.size();
        projector.onFrame(input);
        return frameBoxes;
    }

    @Override
    public void emit(String eventId, long occurredAtNanos, SightlineEvent event) {
        if (event instanceof RiskAssessed r) {
            frameAssessments.put(eventId, r);
        } else if (event instanceof AlertRaised a) {
            double ttc = Double.NaN;
            for (String cause : a.causes()) {
                RiskAssessed r = frameAssessments.get(cause);
                if (r != null) {
                    ttc = r.ttcS();
                    break;
                }
            }
            alerts.add(new AlertAgreement.Alert(a.alertId(), a.kind(), a.raisedAtNanos(), ttc, frameIndex));
        }
    }

    @Override
    public void inputRejected(String inputId, long atNanos, String reason) {
        rejectedInputs++;
    }

    String role() {
        return role;
    }

    ActivatedModel model() {
        return model;
    }

    double minScore() {
        return minScore;
    }

    List<AlertAgreement.Alert> alerts() {
        return alerts;
    }

    Histogram inferenceNanos() {
        return inferenceNanos;
    }

    Histogram detectNanos() {
        return detectNanos;
    }

    long boxes() {
        return boxes;
    }

    long hiddenBoxes() {
        return hiddenBoxes;
    }

    long rejectedInputs() {
        return rejectedInputs;
    }
}
