package io.sightline.runtime;

import io.sightline.domain.event.DetectionObserved;
import io.sightline.inference.ProducedEvent;
import io.sightline.inference.VideoFrame;
import io.sightline.runtime.telemetry.FrameTrace;
import java.util.List;

/**
 * What the stages hand each other through their bounded queues. A frame copy owns native pixels
 * until the detect stage closes it; the frame's trace (its span Context) travels with it (ADR-0007).
 */
final class Handover {

    private Handover() {
    }

    /**
     * Decode → detect: a decoded frame, copied out of the decoder's buffer into one of the hand-over's
     * reused buffers ({@link FrameBuffers}), with its picture statistics ({@link FrameStatistics}; NaN
     * when window summaries are off).
     */
    record Captured(VideoFrame frame, FrameBuffers buffers, long enteredNanos, FrameTrace trace, double meanLuma, double lumaStdDev,
                    double laplacianVariance) {

        /** Gives the frame's buffer back for a later frame: once detected, dropped or abandoned. */
        void release() {
            buffers.give(frame.image());
        }
    }

    /**
     * Detect → decide: the frame's perception events (drops before it, FrameCaptured, misses,
     * detections) and its detections for the projector.
     *
     * @param frameTimeNanos   the frame's time on the session clock (decisions are stamped with it)
     * @param captureTimeNanos the frame's time in its source, as decoded
     * @param modelName        the model that detected on this frame (primary or fallback)
     */
    record Perceived(String frameId, long frameIndex, long captureTimeNanos, long frameTimeNanos, long enteredNanos,
                     String modelName, List<ProducedEvent> events, List<DetectionObserved> detections, FrameTrace trace,
                     double meanLuma, double lumaStdDev, double laplacianVariance) {
    }

    /**
     * Decide → journal: every event of the frame, in the order they are journaled, and what the
     * window summary needs beyond them (the frame's session-clock time, its picture statistics).
     */
    record Decided(String frameId, List<ProducedEvent> events, FrameTrace trace, long frameTimeNanos, double meanLuma, double lumaStdDev,
                   double laplacianVariance) {
    }

    /** Where a stage hands its output; {@code false} when the run was cancelled. */
    interface Downstream<T> {
        boolean accept(T item) throws InterruptedException;

        /** No more items: the producing stage has ended. */
        void close();
    }
}
