package io.sightline.edge.replay;

import io.sightline.domain.event.CameraObstructed;
import io.sightline.domain.event.CameraRestored;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventCatalog;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.edge.pipeline.EdgeProjector;
import io.sightline.edge.pipeline.FrameInput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A recorded session's inputs fed back into an {@link EdgeProjector}, in the recorded order: what
 * {@code sightline replay} and a cloud-side safety application (ADR-0029) both stand on, so the
 * two can never feed the projector differently.
 *
 * <p>Inputs: {@code FrameCaptured}, {@code DetectionObserved}, {@code VehicleStateSampled} and the
 * camera-health episodes. A frame is decided once its detections and vehicle state are in, as the
 * live pipeline does: at the next frame, or at the first recorded decision of the frame.
 */
public final class RecordedInputs {

    /** The event types the edge projector derives; a replay re-makes exactly these. */
    public static final Set<String> DERIVED_TYPES = Set.of("TrackStarted", "TrackUpdated", "TrackLost", "RiskAssessed",
            "AlertRaised", "AlertCleared", "AlertSuppressed", "ActuationCommanded", "InputRejected");

    /** Capture times at or after this (1973) are epoch times of a live source; earlier ones count from the session start. */
    private static final long EPOCH_FLOOR_NANOS = 100_000_000_000_000_000L;

    private RecordedInputs() {
    }

    /** The session's first {@code DriveSessionStarted}, or null. */
    public static DriveSessionStarted start(List<EventEnvelope> events) {
        for (EventEnvelope e : events) {
            if (e.payload() instanceof DriveSessionStarted s) {
                return s;
            }
        }
        return null;
    }

    /** Whether the session names an activated model: detections of an unknown model explain nothing. */
    public static boolean hasModel(List<EventEnvelope> events) {
        for (EventEnvelope e : events) {
            if (e.payload() instanceof ModelActivated) {
                return true;
            }
        }
        return false;
    }

    /**
     * Feeds every recorded input to {@code projector}.
     *
     * @return the frames fed
     */
    public static long feed(List<EventEnvelope> events, DriveSessionStarted start, EdgeProjector projector) {
        FrameInput input = new FrameInput(128);
        String pendingFrame = null;
        long frames = 0;
        for (EventEnvelope e : events) {
            SightlineEvent p = e.payload();
            if (p instanceof FrameCaptured fc) {
                if (pendingFrame != null) {
                    projector.onFrame(input);
                }
                long t = fc.captureTimeNanos() >= EPOCH_FLOOR_NANOS ? fc.captureTimeNanos()
                        : start.startTimeNanos() + fc.captureTimeNanos();
                input.start(fc.frameId(), t);
                pendingFrame = fc.frameId();
                frames++;
            } else if (p instanceof DetectionObserved d) {
                if (d.frameId().equals(pendingFrame)) {
                    input.add(d.detectionId(), d.className(), d.boxPx().x1(), d.boxPx().y1(), d.boxPx().x2(), d.boxPx().y2(),
                            d.score());
                }
            } else if (p instanceof VehicleStateSampled v) {
                projector.onVehicleState(e.eventId(), v);
            } else if (p instanceof CameraObstructed) {
                // Recorded camera health is an input, like the vehicle state: the decisions after it name it.
                projector.onCameraCondition(e.eventId());
            } else if (p instanceof CameraRestored) {
                projector.onCameraCondition(null);
            } else if (DERIVED_TYPES.contains(EventCatalog.nameOf(p)) && pendingFrame != null) {
                // the recorded decisions of a frame follow its inputs: decide it now
                projector.onFrame(input);
                pendingFrame = null;
            }
        }
        if (pendingFrame != null) {
            projector.onFrame(input);
        }
        return frames;
    }

    /**
     * The frame rate from the frame times: the median step between consecutive frames, snapped to
     * the nearest common container rate (N or N·1000/1001 Hz, as FFmpeg reports them) when within
     * 0.5 %. The session does not record the rate itself (see ADR-0017).
     *
     * @return the rate, or NaN when fewer than two frames have increasing times
     */
    public static double inferFrameRateHz(List<EventEnvelope> events) {
        List<long[]> frames = new ArrayList<>();
        for (EventEnvelope e : events) {
            if (e.payload() instanceof FrameCaptured fc) {
                frames.add(new long[] {fc.frameIndex(), fc.captureTimeNanos()});
            }
        }
        frames.sort((a, b) -> Long.compare(a[0], b[0]));
        double[] steps = new double[Math.max(0, frames.size() - 1)];
        int n = 0;
        for (int i = 1; i < frames.size(); i++) {
            long di = frames.get(i)[0] - frames.get(i - 1)[0];
            long dt = frames.get(i)[1] - frames.get(i - 1)[1];
            if (di > 0 && dt > 0) {
                steps[n++] = (double) dt / di;
            }
        }
        if (n == 0) {
            return Double.NaN;
        }
        double[] s = Arrays.copyOf(steps, n);
        Arrays.sort(s);
        double measured = 1e9 / s[n / 2];
        double best = measured;
        double bestErr = 0.005;
        for (int k = 1; k <= 240; k++) {
            for (double c : new double[] {k, k * 1000.0 / 1001.0}) {
                double err = Math.abs(c - measured) / c;
                if (err < bestErr) {
                    bestErr = err;
                    best = c;
                }
            }
        }
        return best;
    }
}
