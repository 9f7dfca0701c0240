package io.sightline.edge.scenario;

import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.edge.app.SafetyApplications;
import io.sightline.edge.events.EdgeEventSink;
import io.sightline.edge.risk.RiskPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A scenario run written down as a recorded drive session, the way an edge journal holds one:
 * session start (calibration and the installed applications' thresholds), the simulated model's
 * activation, then each frame with its vehicle state and detections followed by what the
 * projector derived from them, and the session's end. Replay, the cloud-side application host
 * (ADR-0029) and cloud tests read it as they read a real session.
 *
 * <p>The session id is the run's id prefix ({@link ScenarioRunner#sessionIdOf} unless given), so
 * the recorded ids are the ones the projector made. Frame times count from a session start at 0.
 */
public final class ScenarioRecording {

    /** The simulated detector's identity; a scenario's detections are drawn, not inferred. */
    public static final String MODEL_NAME = "scenario-simulator";
    public static final String MODEL_SHA256 = "0".repeat(64);

    private ScenarioRecording() {
    }

    /** A recorded run: its session id, its result, its events in sequence order. */
    public record Recorded(String sessionId, ScenarioResult result, List<EventEnvelope> events) {
    }

    /**
     * @param applications the applications the simulated edge runs, from the run's risk policy
     */
    public static Recorded record(ScenarioSpec spec, long seed, Function<RiskPolicy, SafetyApplications> applications,
                                  String fleetId, String vehicleId) {
        return record(spec, seed, ScenarioRunner.sessionIdOf(spec, seed), applications, fleetId, vehicleId);
    }

    /** As above, under another session id (a cloud takes no slash in one). */
    public static Recorded record(ScenarioSpec spec, long seed, String sessionId,
                                  Function<RiskPolicy, SafetyApplications> applications, String fleetId, String vehicleId) {
        List<EventEnvelope> out = new ArrayList<>();
        SafetyApplications installed = applications.apply(RiskPolicy.defaults().withEgoHalfWidthM(spec.ego().halfWidthM()));
        Map<String, Double> thresholds = installed.thresholds();
        append(out, sessionId + "/start", 0, new DriveSessionStarted(sessionId, fleetId, vehicleId, "scenario-device",
                "scenario", 0, spec.camera().toCalibration(spec.id() + "/camera", false), RiskPolicy.defaults().version(),
                thresholds));
        append(out, sessionId + "/model", 0, new ModelActivated(MODEL_NAME, spec.id(), MODEL_SHA256, "primary", "images",
                List.of(1, 3, spec.camera().heightPx(), spec.camera().widthPx()), "NCHW", "none", "simulation",
                List.of("car", "truck", "bus", "motorcycle", "bicycle", "person", "stop sign"), "project", "scenario spec " + spec.id(), 0));
        List<EventEnvelope> pendingStates = new ArrayList<>();
        ScenarioRunner.InputObserver inputs = new ScenarioRunner.InputObserver() {
            @Override
            public void vehicleState(String eventId, VehicleStateSampled sample) {
                pendingStates.add(new EventEnvelope(eventId, 0, sample.sampleTimeNanos(), sample));
            }

            @Override
            public void frame(String frameId, long frameIndex, long captureTimeNanos, int widthPx, int heightPx) {
                append(out, sessionId + "/" + frameId, captureTimeNanos,
                        new FrameCaptured(frameId, frameIndex, captureTimeNanos, widthPx, heightPx, spec.id(), null));
                // after the frame: a replay applies them before deciding it, as the run did
                for (EventEnvelope s : pendingStates) {
                    append(out, s.eventId(), s.occurredAtNanos(), s.payload());
                }
                pendingStates.clear();
            }

            @Override
            public void detection(String detectionId, String frameId, String className, double x1, double y1, double x2,
                                  double y2, double score) {
                append(out, detectionId, last(out), new DetectionObserved(detectionId, frameId, classId(className), className,
                        score, new BoxPx(x1, y1, x2, y2), MODEL_NAME, spec.id(), MODEL_SHA256, List.of(sessionId + "/" + frameId)));
            }
        };
        EdgeEventSink derived = (id, at, e) -> append(out, id, at, e);
        ScenarioResult result = ScenarioRunner.withDefaults().withApplications(applications).run(spec, seed, sessionId, derived, inputs);
        long end = last(out);
        append(out, sessionId + "/end", end, new DriveSessionEnded(sessionId, end, "scenario finished",
                out.stream().filter(e -> e.payload() instanceof FrameCaptured).count(), 0));
        return new Recorded(sessionId, result, List.copyOf(out));
    }

    private static long last(List<EventEnvelope> out) {
        return out.isEmpty() ? 0 : out.get(out.size() - 1).occurredAtNanos();
    }

    private static void append(List<EventEnvelope> out, String id, long atNanos, SightlineEvent e) {
        // the edge's clock never goes backwards in a session
        out.add(new EventEnvelope(id, out.size(), Math.max(atNanos, last(out)), e));
    }

    /** COCO's id for the class names scenarios use. */
    private static int classId(String className) {
        switch (className) {
            case "person":
                return 0;
            case "bicycle":
                return 1;
            case "car":
                return 2;
            case "motorcycle":
                return 3;
            case "bus":
                return 5;
            case "truck":
                return 7;
            case "stop sign":
                return 11;
            default:
                return -1;
        }
    }
}
