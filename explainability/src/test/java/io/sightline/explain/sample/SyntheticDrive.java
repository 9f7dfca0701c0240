package io.sightline.explain.sample;

import io.sightline.domain.event.ActuationCommanded;
import io.sightline.domain.event.AlertCleared;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.AlertReviewed;
import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.CameraCalibration;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EdgeWindowSummarized;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.TrackStarted;
import io.sightline.domain.event.TrackState;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.domain.risk.Factor;
import io.sightline.domain.risk.ThresholdKey;
import io.sightline.explain.Fmt;
import io.sightline.explain.margins.FactorNames;
import io.sightline.explain.margins.TtcKinematics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a drive session with the full lineage the edge produces (frames, detections, a track
 * chain, vehicle state, FCW assessments with every factor, alerts, actuation, clearing and a
 * review), for tests and the trace benchmark. Kinematics are exact: a lead vehicle at range
 * d(t) = d0 − v·t + ½·a·t², so expected TTCs and margins can be computed by hand.
 *
 * <p>Test sources: query-api's tests take it from explainability's test-jar, so that no shipped
 * jar carries synthetic data (issue 14).
 *
 * <p>Ids follow the edge's scheme ({@code <session>/<frame>/<track>/<RULE>}, alert ids equal the
 * AlertRaised event id). Not thread-safe.
 */
public final class SyntheticDrive {

    public static final String YOLOX_SHA256 = "695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14";
    public static final CameraCalibration CALIBRATION =
            new CameraCalibration("udacity-960x540-assumed-v1", 700, 700, 480, 270, 960, 540, 1.3, 0, true);
    /** An FCW policy with the edge's threshold keys: TTC 2.1 s, 8 m/s speed gate, 0.3 s track age. */
    public static final Map<String, Double> POLICY_V1 = Map.of(
            ThresholdKey.EGO_HALF_WIDTH_M.key(), 0.9,
            ThresholdKey.FCW_TTC_RAISE_S.key(), 2.1,
            ThresholdKey.FCW_CORRIDOR_MARGIN_M.key(), 0.3,
            ThresholdKey.FCW_MIN_EGO_SPEED_MPS.key(), 8.0,
            ThresholdKey.FCW_MIN_TRACK_AGE_S.key(), 0.3,
            ThresholdKey.FCW_HARD_BRAKING_DECEL_MPS2.key(), 2.94);

    private static final double CAR_WIDTH_M = 1.8;

    private final String sessionId;
    private final long startNanos;
    private final List<EventEnvelope> events = new ArrayList<>();
    private Map<String, Double> thresholds = POLICY_V1;
    private String policyVersion = "policy-v1";
    private String reviewer = "reviewer@fleet";
    private int alertCounter;
    private int trackCounter;
    private long frameIndex;
    private long lastTimeNanos;

    public SyntheticDrive(String sessionId, long startNanos) {
        this.sessionId = sessionId;
        this.startNanos = startNanos;
        this.lastTimeNanos = startNanos;
    }

    private boolean bystanders;
    /** The CameraObstructed in force, which every assessment then names, as the edge's projector does. */
    private String cameraCondition;

    /**
     * A camera-health episode from now on (DARK at the given mean luma, policy camera-health-1),
     * caused by the last frame; every later assessment names it until {@link #cameraRestored()}.
     */
    public SyntheticDrive cameraObstructed(double meanLuma) {
        String frameEvent = sessionId + "/f" + (frameIndex - 1);
        String id = sessionId + "/camera-obstructed/" + frameIndex;
        long at = lastTimeNanos;
        add(id, at, new io.sightline.domain.event.CameraObstructed(sessionId + "/camera/1", "DARK", frameEvent, frameIndex - 1, frameIndex - 1,
                meanLuma, 4.0, 30.0, "meanLuma", 20.0, 20.0 - meanLuma, 1.0, "camera-health-1",
                Map.of("darkMeanLumaBelow", 20.0, "coveredLumaStdDevBelow", 10.0, "blurredLaplacianVarianceBelow", 60.0,
                        "confirmAfterS", 1.0, "restoreAfterS", 2.0), at, List.of(frameEvent)));
        cameraCondition = id;
        return this;
    }

    public SyntheticDrive cameraRestored() {
        cameraCondition = null;
        return this;
    }

    /** From now on, each frame also holds a detection that no track takes in (a pedestrian on the sidewalk). */
    public SyntheticDrive bystanders(boolean on) {
        this.bystanders = on;
        return this;
    }

    public String sessionId() {
        return sessionId;
    }

    public List<EventEnvelope> events() {
        return events;
    }

    /**
     * The events as the edge would send them: without the reviews (those come from investigators,
     * through the API), renumbered so the sequence stays gap-free.
     */
    public List<EventEnvelope> edgeEvents() {
        List<EventEnvelope> out = new ArrayList<>();
        for (EventEnvelope e : events) {
            if (!(e.payload() instanceof AlertReviewed)) {
                out.add(new EventEnvelope(e.eventId(), out.size(), e.occurredAtNanos(), e.payload()));
            }
        }
        return out;
    }

    /** Starts the session (sequence 0) with the given policy, and activates YOLOX-nano. */
    public SyntheticDrive start(String fleetId, String vehicleId, String version, Map<String, Double> policyThresholds) {
        this.policyVersion = version;
        this.thresholds = policyThresholds;
        add(sessionId + "/start", startNanos, new DriveSessionStarted(sessionId, fleetId, vehicleId, "dev-" + vehicleId, "0.1.0",
                startNanos, CALIBRATION, version, policyThresholds));
        add(sessionId + "/model/yolox", startNanos, new ModelActivated("yolox-nano", "0.1.1rc0", YOLOX_SHA256, "primary", "images",
                List.of(1, 3, 416, 416), "NCHW", "BGR 0..255", "yolox-anchor-free", List.of("person", "bicycle", "car"), "Apache-2.0",
                "models/yolox_nano.onnx", startNanos));
        return this;
    }

    /** Event ids of one approach, for tests. */
    public record Approach(String trackId, List<String> frameIds, List<String> assessmentIds, List<String> alertIds,
                           Map<String, String> alertEventByAlertId) {
    }

    /**
     * A lead car approaching: one frame per {@code 1/fps} s, range d0 − v·t + ½·a·t² (a is the
     * range acceleration, negative = closing faster). An alert is raised at the first WARNING when
     * none is on, actuated on the buzzer, and cleared after {@code clearAfterNoneFrames} assessments
     * without WARNING; every raised alert gets a review at the end.
     *
     * @param timeOffsetS start of the approach, seconds after the session start
     */
    public Approach approach(double timeOffsetS, int frames, double fps, double rangeM0, double closingSpeedMps0,
                             double relativeAccelMps2, double egoSpeedMps, int clearAfterNoneFrames, String verdict) {
        return approach(timeOffsetS, frames, fps, rangeM0, closingSpeedMps0, relativeAccelMps2, egoSpeedMps, Double.NaN,
                clearAfterNoneFrames, verdict);
    }

    /**
     * As above; from {@code cutOutAtS} (seconds into the approach) the lead leaves the ego path
     * (near-edge lateral offset 2.0 m, outside the corridor), so the rule stops requesting and
     * the alert clears.
     */
    public Approach approach(double timeOffsetS, int frames, double fps, double rangeM0, double closingSpeedMps0,
                             double relativeAccelMps2, double egoSpeedMps, double cutOutAtS, int clearAfterNoneFrames,
                             String verdict) {
        String trackId = "trk-" + (++trackCounter);
        List<String> frameIds = new ArrayList<>();
        List<String> assessments = new ArrayList<>();
        List<String> alerts = new ArrayList<>();
        Map<String, String> alertEvents = new LinkedHashMap<>();
        String previousTrackEvent = null;
        String activeAlert = null;
        String lastWarning = null;
        int noneRun = 0;
        long raisedAt = 0;
        for (int k = 0; k < frames; k++) {
            double t = k / fps;
            long captureNanos = Math.round((timeOffsetS + t) * 1e9);
            long now = startNanos + captureNanos;
            String frameId = "f" + (frameIndex++);
            String frameEvent = sessionId + "/" + frameId;
            frameIds.add(frameEvent);
            add(frameEvent, now, new FrameCaptured(frameId, frameIndex - 1, captureNanos, 960, 540, "synthetic.mp4"));
            String vss = frameEvent + "/ego";
            add(vss, now, new VehicleStateSampled(now, egoSpeedMps, 0.0, 0.0, null, null, "simulation"));

            double range = rangeM0 - closingSpeedMps0 * t + 0.5 * relativeAccelMps2 * t * t;
            double closing = closingSpeedMps0 - relativeAccelMps2 * t;
            BoxPx box = boxAt(range);
            String det = frameEvent + "/det-0";
            add(det, now, new DetectionObserved(frameId + "/det-0", frameId, 2, "car", 0.91, box, "yolox-nano", "0.1.1rc0", YOLOX_SHA256,
                    List.of(frameEvent)));
            if (bystanders) {
                // A pedestrian on the sidewalk, seen on every frame and tracked by nobody: not in any alert's trace.
                String other = frameEvent + "/det-1";
                add(other, now, new DetectionObserved(frameId + "/det-1", frameId, 0, "person", 0.55, new BoxPx(40, 300, 70, 380),
                        "yolox-nano", "0.1.1rc0", YOLOX_SHA256, List.of(frameEvent)));
            }
            List<String> trackCauses;
            if (previousTrackEvent == null) {
                String started = frameEvent + "/" + trackId + "/start";
                add(started, now, new TrackStarted(trackId, frameId, "car", box, 0.91, List.of(det)));
                trackCauses = List.of(det, started);
            } else {
                trackCauses = List.of(det, previousTrackEvent);
            }
            String update = frameEvent + "/" + trackId;
            add(update, now, new TrackUpdated(trackId, frameId, "car", box, 0, 0, TrackState.CONFIRMED, k + 1, k + 1, 0.91, trackCauses));
            previousTrackEvent = update;

            double lateralOffsetM = t >= cutOutAtS ? 2.0 : -0.9;
            RiskAssessed ra = fcw(frameEvent + "/" + trackId + "/FORWARD_COLLISION", frameId, trackId, range, closing,
                    relativeAccelMps2, egoSpeedMps, t, lateralOffsetM,
                    cameraCondition == null ? List.of(update, vss) : List.of(update, vss, cameraCondition));
            add(ra.assessmentId(), now, ra);
            assessments.add(ra.assessmentId());
            boolean warning = "WARNING".equals(ra.level());
            noneRun = warning ? 0 : noneRun + 1;
            if (warning) {
                lastWarning = ra.assessmentId();
            }
            if (warning && activeAlert == null) {
                activeAlert = sessionId + "/alert/" + (++alertCounter);
                raisedAt = now;
                add(activeAlert, now, new AlertRaised(activeAlert, "FORWARD_COLLISION", "WARNING", trackId, policyVersion, now,
                        List.of(ra.assessmentId())));
                add(activeAlert + "/act/buzzer", now, new ActuationCommanded(activeAlert, "buzzer", "triple-beep", 1_000_000_000L, now,
                        List.of(activeAlert)));
                alerts.add(activeAlert);
                alertEvents.put(activeAlert, activeAlert);
            } else if (activeAlert != null && noneRun >= clearAfterNoneFrames) {
                add(activeAlert + "/clr", now, new AlertCleared(activeAlert, "CONDITION_ENDED", now, now - raisedAt,
                        List.of(activeAlert, lastWarning)));
                activeAlert = null;
            }
        }
        for (String alert : alerts) {
            add(alert + "/review", lastTimeNanos, new AlertReviewed(alert, verdict, reviewer, "checked on video", lastTimeNanos,
                    List.of(alert)));
        }
        return new Approach(trackId, frameIds, assessments, alerts, alertEvents);
    }

    /** The edge FCW rule over exact kinematics, factors in the edge's order and names. */
    public RiskAssessed fcw(String id, String frameId, String trackId, double rangeM, double closingSpeedMps, double relativeAccelMps2,
                            double egoSpeedMps, double trackAgeS, double lateralOffsetM, List<String> causes) {
        double ttc = TtcKinematics.ttcS(rangeM, closingSpeedMps, relativeAccelMps2);
        double requiredDecel = closingSpeedMps > 0 ? closingSpeedMps * closingSpeedMps / (2 * rangeM) : 0;
        List<RiskFactor> factors = List.of(
                factor(Factor.FCW_TTC, ttc),
                factor(Factor.FCW_LATERAL_OFFSET, lateralOffsetM),
                factor(Factor.FCW_EGO_SPEED, egoSpeedMps),
                factor(Factor.FCW_TRACK_AGE, trackAgeS),
                factor(Factor.FCW_REQUIRED_DECEL, requiredDecel));
        boolean requested = factors.stream().filter(f -> !FactorNames.informational(f.name())).allMatch(RiskFactor::triggered);
        return new RiskAssessed(id, frameId, trackId, "FORWARD_COLLISION", policyVersion, requested ? "WARNING" : "NONE", rangeM,
                closingSpeedMps, relativeAccelMps2, ttc, egoSpeedMps, factors, causes);
    }

    private RiskFactor factor(Factor factor, double value) {
        double threshold = factor.threshold(thresholds).orElseThrow(
                () -> new IllegalStateException("the session's policy has no threshold for " + factor.key()));
        String comparison = factor.comparison().symbol();
        return new RiskFactor(factor.key(), value, factor.unit().symbol(), comparison, threshold,
                Fmt.margin(value, comparison, threshold), Fmt.holds(value, comparison, threshold));
    }

    /** A 1.8 m wide car centred ahead, bottom edge on the ground plane for a 1.3 m camera. */
    static BoxPx boxAt(double rangeM) {
        double d = Math.max(rangeM, 1.0);
        double w = CALIBRATION.fxPx() * CAR_WIDTH_M / d;
        double bottom = Math.min(CALIBRATION.cyPx() + CALIBRATION.fyPx() * CALIBRATION.mountingHeightM() / d, 539);
        double top = Math.max(bottom - w * 0.8, 0);
        return new BoxPx(CALIBRATION.cxPx() - w / 2, top, CALIBRATION.cxPx() + w / 2, bottom);
    }

    private void add(String eventId, long occurredAtNanos, SightlineEvent payload) {
        if (occurredAtNanos < lastTimeNanos) {
            throw new IllegalStateException("time would go backwards: " + occurredAtNanos + " < " + lastTimeNanos);
        }
        lastTimeNanos = occurredAtNanos;
        events.add(new EventEnvelope(eventId, events.size(), occurredAtNanos, payload));
    }

    /**
     * A window summary as the edge's journal stage emits it, over the frames since the last one:
     * the pictures at {@code meanLuma} (contrast and sharpness scale with it, as they do when a
     * picture darkens), {@code detectionsPerFrame} cars with scores around {@code meanScore}.
     */
    public SyntheticDrive summary(double meanLuma, double detectionsPerFrame, double meanScore) {
        long at = lastTimeNanos;
        long frames = 25;
        long detections = Math.round(detectionsPerFrame * frames);
        List<Long> scoreBins = new ArrayList<>(java.util.Collections.nCopies(EdgeWindowSummarized.SCORE_BINS, 0L));
        scoreBins.set(Math.min(9, (int) (meanScore * 10)), detections);
        List<Long> areaBins = new ArrayList<>(java.util.Collections.nCopies(EdgeWindowSummarized.BOX_AREA_FRACTION_EDGES.size() + 1, 0L));
        areaBins.set(3, detections);
        double scale = meanLuma / 110.0;
        add(sessionId + "/summary/" + summaries, at, new EdgeWindowSummarized(sessionId, summaries, frameIndex, frameIndex + frames - 1,
                at - startNanos, at - startNanos + 1_000_000_000L, frames, detections == 0 ? frames : 0, 0, YOLOX_SHA256,
                List.of(new EdgeWindowSummarized.StageLatency("detect", frames, 40_000, 52_000, 60_000, 70_000)),
                new EdgeWindowSummarized.ImageStatistics(frames / 3, meanLuma, 50 * scale, 50 * scale / 255, 400 * scale * scale),
                detectionsPerFrame, List.of(new EdgeWindowSummarized.ClassScores("car", detections, scoreBins)), areaBins,
                List.of(sessionId + "/model/yolox")));
        summaries++;
        return this;
    }

    private int summaries;

    /** Ends the session (DriveSessionEnded) a second after its last event. */
    public SyntheticDrive end() {
        long at = lastTimeNanos + 1_000_000_000L;
        add(sessionId + "/end", at, new io.sightline.domain.event.DriveSessionEnded(sessionId, at, "END_OF_STREAM", frameIndex, 0));
        return this;
    }

    /** Drops the envelopes already handed out, keeping sequence numbering; for generating long sessions in chunks. */
    public List<EventEnvelope> drain() {
        List<EventEnvelope> out = List.copyOf(events.subList(drained, events.size()));
        drained = events.size();
        return out;
    }

    private int drained;
}
