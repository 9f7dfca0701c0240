package io.sightline.uplink;

import io.sightline.domain.event.ActuationCommanded;
import io.sightline.domain.event.AlertCleared;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.CameraCalibration;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.domain.event.TrackState;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.uplink.journal.EdgeJournal.NewEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A deterministic drive at 25 fps with the edge pipeline's event mix per frame (frame, vehicle
 * state, detections, track updates, risk assessment, each naming its causes) and a forward
 * collision alert episode (raised, actuated, cleared) every {@code alertEveryFrames} frames.
 * Ideas from app's SyntheticSession; this module may not depend on app.
 */
public final class VehicleSimulator {

    public static final String YOLOX_SHA256 = "695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14";
    public static final long FRAME_PERIOD_NANOS = 40_000_000L;

    private final String sessionId;
    private final String fleetId;
    private final String vehicleId;
    private final String deviceId;
    private final long t0Nanos;
    private final int alertEveryFrames;
    private final long framePeriodNanos;
    private long frame;
    private long ids;
    private String lastTrack1;
    private String activeAlert;
    private String activeAlertId;
    private long alertRaisedAt;

    public VehicleSimulator(String sessionId, String fleetId, String vehicleId, String deviceId, long t0Nanos, int alertEveryFrames) {
        this(sessionId, fleetId, vehicleId, deviceId, t0Nanos, alertEveryFrames, FRAME_PERIOD_NANOS);
    }

    /** @param framePeriodNanos a longer period lets retention tests span alert windows with few events */
    public VehicleSimulator(String sessionId, String fleetId, String vehicleId, String deviceId, long t0Nanos, int alertEveryFrames,
                            long framePeriodNanos) {
        this.framePeriodNanos = framePeriodNanos;
        this.sessionId = sessionId;
        this.fleetId = fleetId;
        this.vehicleId = vehicleId;
        this.deviceId = deviceId;
        this.t0Nanos = t0Nanos;
        this.alertEveryFrames = alertEveryFrames;
    }

    private String id() {
        return sessionId + "/e" + (ids++);
    }

    /** The first two events of the session: start and model activation. */
    public List<NewEvent> start() {
        List<NewEvent> out = new ArrayList<>();
        out.add(new NewEvent(id(), t0Nanos, new DriveSessionStarted(sessionId, fleetId, vehicleId, deviceId, "0.1.0-test", t0Nanos,
                new CameraCalibration("udacity-540p-assumed-v1", 700, 700, 480, 270, 960, 540, 1.3, 0.0, true),
                "policy-v1", Map.of("fcw.ttcWarnS", 2.1, "headway.minGapS", 0.8))));
        out.add(new NewEvent(id(), t0Nanos, new ModelActivated("yolox-nano", "0.1.1rc0", YOLOX_SHA256, "primary", "images",
                List.of(1, 3, 416, 416), "NCHW", "BGR 0..255", "yolox-anchor-free", List.of("person", "bicycle", "car"),
                "Apache-2.0", "Kazuhito00/YOLOX-ONNX-TFLite-Sample@3d4f1119", t0Nanos)));
        return out;
    }

    public long nowNanos() {
        return t0Nanos + frame * framePeriodNanos;
    }

    /** The next {@code frames} frames' events. */
    public List<NewEvent> frames(int frames) {
        List<NewEvent> out = new ArrayList<>(frames * 8);
        for (int i = 0; i < frames; i++) {
            out.addAll(nextFrame());
        }
        return out;
    }

    /** The events of the next frame (7, or 8–9 when an alert starts or ends). */
    public List<NewEvent> nextFrame() {
        long index = frame++;
        long at = t0Nanos + index * framePeriodNanos;
        List<NewEvent> out = new ArrayList<>(10);
        String frameId = sessionId + "/frame/" + index;
        String frameEvent = add(out, at, new FrameCaptured(frameId, index, index * framePeriodNanos, 960, 540, "sim"));
        String state = add(out, at, new VehicleStateSampled(at, 24.5 + Math.sin(index / 50.0), 0.001, -0.05, 37.39 + index * 1e-7,
                -122.08, "sim-can"));
        double x = 400 + (index % 50) + 0.125;
        String det1 = add(out, at, new DetectionObserved(frameId + "/d0", frameId, 2, "car", 0.88, new BoxPx(x, 300, x + 90, 360),
                "yolox-nano", "0.1.1rc0", YOLOX_SHA256, List.of(frameEvent)));
        String det2 = add(out, at, new DetectionObserved(frameId + "/d1", frameId, 0, "person", 0.61, new BoxPx(700, 310, 730.5, 390),
                "yolox-nano", "0.1.1rc0", YOLOX_SHA256, List.of(frameEvent)));
        List<String> t1causes = lastTrack1 == null ? List.of(det1) : List.of(det1, lastTrack1);
        String track = add(out, at, new TrackUpdated("t1", frameId, "car", new BoxPx(x, 300, x + 90, 360), 25.0, -0.5,
                TrackState.CONFIRMED, (int) index + 1, (int) index + 1, 0.88, t1causes));
        lastTrack1 = track;
        add(out, at, new TrackUpdated("t2", frameId, "person", new BoxPx(700, 310, 730.5, 390), 0.0, 0.0,
                TrackState.TENTATIVE, 1, 1, 0.61, List.of(det2)));
        boolean danger = alertEveryFrames > 0 && index % alertEveryFrames >= alertEveryFrames - 30;
        double ttc = danger ? 1.7 : 21.3;
        String risk = add(out, at, new RiskAssessed(frameId + "/risk/fcw", frameId, "t1", "FORWARD_COLLISION", "policy-v1",
                danger ? "WARNING" : "NONE", 32.0, danger ? 18.8 : 1.5, 0.0, ttc, 24.5,
                List.of(new RiskFactor("fcw.ttc", ttc, "s", "<", 2.1, 2.1 - ttc, danger),
                        new RiskFactor("fcw.egoSpeed", 24.5, "m/s", ">=", 8.0, 16.5, true)), List.of(track, state)));
        if (danger && activeAlert == null) {
            String alertId = sessionId + "/alert/" + index;
            String raised = add(out, at, new AlertRaised(alertId, "FCW", "WARNING", "t1", "policy-v1", at, List.of(risk)));
            add(out, at, new ActuationCommanded(alertId, "buzzer", "FCW_BEEP", 500_000_000L, at, List.of(raised)));
            activeAlert = raised;
            activeAlertId = alertId;
            alertRaisedAt = at;
        } else if (!danger && activeAlert != null) {
            add(out, at, new AlertCleared(activeAlertId, "TTC_RECOVERED", at,
                    at - alertRaisedAt, List.of(activeAlert, risk)));
            activeAlert = null;
        }
        return out;
    }

    private String add(List<NewEvent> out, long at, io.sightline.domain.event.SightlineEvent payload) {
        String id = id();
        out.add(new NewEvent(id, at, payload));
        return id;
    }
}
