package io.sightline.app;

import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.CameraCalibration;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.TrackState;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.domain.risk.Factor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A deterministic drive session with the same mix and payload sizes as the edge pipeline emits per
 * 25 fps frame: a frame, vehicle state, detections, track updates and a risk assessment, each
 * naming its causes. Used by the ingestion demo and the append benchmark.
 */
final class SyntheticSession {

    static final String YOLOX_SHA256 = "695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14";
    private static final long FRAME_PERIOD_NANOS = 40_000_000L;

    private final String sessionId;
    private final long t0Nanos;
    private final List<EventEnvelope> events = new ArrayList<>();

    SyntheticSession(String sessionId, long t0Nanos) {
        this.sessionId = sessionId;
        this.t0Nanos = t0Nanos;
    }

    /** Builds at least {@code count} events (whole frames are kept together, then cut to size). */
    static List<EventEnvelope> generate(String sessionId, long t0Nanos, int count) {
        SyntheticSession s = new SyntheticSession(sessionId, t0Nanos);
        s.add(t0Nanos, new DriveSessionStarted(sessionId, "fleet-demo", "vehicle-" + Math.abs(sessionId.hashCode() % 100), "device-demo",
                VersionCommand.version(), t0Nanos,
                new CameraCalibration("udacity-540p-assumed-v1", 700, 700, 480, 270, 960, 540, 1.3, 0.0, true),
                "policy-v1", Map.of("fcw.ttcWarnS", 2.1, "headway.minGapS", 0.8)));
        s.add(t0Nanos, new ModelActivated("yolox-nano", "0.1.1rc0", YOLOX_SHA256, "primary", "images", List.of(1, 3, 416, 416),
                "NCHW", "BGR 0..255", "yolox-anchor-free", List.of("person", "bicycle", "car", "motorbike", "bus", "truck"),
                "Apache-2.0", "Kazuhito00/YOLOX-ONNX-TFLite-Sample@3d4f1119", t0Nanos));
        long frame = 0;
        while (s.events.size() < count) {
            s.frame(frame++);
        }
        return s.events.subList(0, count);
    }

    private String add(long atNanos, SightlineEvent payload) {
        long seq = events.size();
        String id = sessionId + "/" + seq;
        events.add(new EventEnvelope(id, seq, atNanos, payload));
        return id;
    }

    private void frame(long index) {
        long at = t0Nanos + index * FRAME_PERIOD_NANOS;
        String frameId = sessionId + "/frame/" + index;
        String frameEvent = add(at, new FrameCaptured(frameId, index, index * FRAME_PERIOD_NANOS, 960, 540, "samples/udacity_ll_solidWhiteRight.mp4"));
        String state = add(at, new VehicleStateSampled(at, 24.5 + Math.sin(index / 50.0), 0.001, -0.05, null, null, "synthetic"));
        double x = 400 + (index % 50);
        String det1 = add(at, new DetectionObserved(frameId + "/d0", frameId, 2, "car", 0.88, new BoxPx(x, 300, x + 90, 360),
                "yolox-nano", "0.1.1rc0", YOLOX_SHA256, List.of(frameEvent)));
        String det2 = add(at, new DetectionObserved(frameId + "/d1", frameId, 2, "car", 0.71, new BoxPx(700, 310, 760, 350),
                "yolox-nano", "0.1.1rc0", YOLOX_SHA256, List.of(frameEvent)));
        String track = add(at, new TrackUpdated("t1", frameId, "car", new BoxPx(x, 300, x + 90, 360), 25.0, 0.0,
                TrackState.CONFIRMED, (int) index + 1, (int) index + 1, 0.88, List.of(det1)));
        add(at, new TrackUpdated("t2", frameId, "car", new BoxPx(700, 310, 760, 350), 0.0, 0.0,
                TrackState.CONFIRMED, (int) index + 1, (int) index + 1, 0.71, List.of(det2)));
        add(at, new RiskAssessed(frameId + "/risk/fcw", frameId, "t1", "FORWARD_COLLISION", "policy-v1", "NONE", 32.0, 1.5, 0.0, 21.3,
                24.5, List.of(factor(Factor.FCW_TTC, 21.3, 2.1), factor(Factor.FCW_EGO_SPEED, 24.5, 8.0)), List.of(track, state)));
    }

    private static RiskFactor factor(Factor f, double value, double threshold) {
        return new RiskFactor(f.key(), value, f.unit().symbol(), f.comparison().symbol(), threshold,
                f.comparison().margin(value, threshold), f.comparison().holds(value, threshold));
    }
}
