package io.sightline.domain.session;

import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.CameraCalibration;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import java.util.List;
import java.util.Map;

/** Realistic event payloads for ingestion tests. */
public final class SessionEvents {

    public static final String YOLOX_SHA = "695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14";
    public static final long T0_NANOS = 1_764_000_000_000_000_000L;
    public static final long FRAME_PERIOD_NANOS = 40_000_000L;

    private SessionEvents() {
    }

    public static DriveSessionStarted started(String sessionId) {
        return new DriveSessionStarted(sessionId, "fleet-a", "vehicle-1", "device-1", "0.1.0", T0_NANOS,
                new CameraCalibration("udacity-540p-assumed-v1", 700, 700, 480, 270, 960, 540, 1.3, 0.0, true),
                "policy-v1", Map.of("fcw.ttcWarnS", 2.1));
    }

    public static ModelActivated yoloxActivated() {
        return new ModelActivated("yolox-nano", "0.1.1rc0", YOLOX_SHA, "primary", "images", List.of(1, 3, 416, 416),
                "NCHW", "BGR 0..255", "yolox-anchor-free", List.of("person", "bicycle", "car"), "Apache-2.0",
                "Kazuhito00/YOLOX-ONNX-TFLite-Sample@3d4f111", T0_NANOS);
    }

    public static FrameCaptured frame(long index) {
        return new FrameCaptured("f" + index, index, index * FRAME_PERIOD_NANOS, 960, 540, "samples/clip.mp4");
    }

    public static DetectionObserved detection(long frameIndex, String modelSha256, String frameEventId) {
        return new DetectionObserved("d" + frameIndex, "f" + frameIndex, 2, "car", 0.88,
                new BoxPx(100, 200, 180, 260), "yolox-nano", "0.1.1rc0", modelSha256, List.of(frameEventId));
    }

    public static DriveSessionEnded ended(String sessionId) {
        return new DriveSessionEnded(sessionId, T0_NANOS + 10_000_000_000L, "end-of-video", 10, 0);
    }

    /** Envelope with a deterministic id, at edge time T0 + sequence ms. */
    public static EventEnvelope at(String sessionId, long sequence, io.sightline.domain.event.SightlineEvent payload) {
        return new EventEnvelope(sessionId + ":" + sequence, sequence, T0_NANOS + sequence * 1_000_000L, payload);
    }

    /** The first {@code n >= 3} events of a realistic session: start, model, then frames and detections. */
    public static List<EventEnvelope> opening(String sessionId, int n) {
        var out = new java.util.ArrayList<EventEnvelope>(n);
        out.add(at(sessionId, 0, started(sessionId)));
        out.add(at(sessionId, 1, yoloxActivated()));
        for (int seq = 2; seq < n; seq++) {
            out.add(at(sessionId, seq, seq % 2 == 0 ? frame(seq) : detection(seq - 1, YOLOX_SHA, sessionId + ":" + (seq - 1))));
        }
        return out;
    }
}
