package io.sightline.inference;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * An object detector over BGR 8-bit frames. Implementations own reusable native buffers, so one
 * instance serves one thread at a time; the returned {@link Detections} is reused by the next call.
 */
public interface Detector extends AutoCloseable {

    ModelManifest manifest();

    /**
     * Detects objects in a BGR {@code CV_8UC3} image.
     *
     * @throws InferenceException when the runtime fails on this frame
     */
    Detections detect(Mat bgr);

    /**
     * Makes {@link #detect} stoppable from another thread by {@link #interrupt}, for a detector that must give way
     * (the shadow challenger, ADR-0032); false when this detector cannot be stopped mid-run. Call before the first
     * {@code detect}.
     */
    default boolean enableInterrupt() {
        return false;
    }

    /**
     * Stops a {@link #detect} running on another thread as soon as the runtime can (ONNX Runtime: between two
     * operators); that call then throws {@link DetectionInterrupted}. Does nothing unless {@link #enableInterrupt} was
     * called; a call when no {@code detect} runs may stop the next one at its start.
     */
    default void interrupt() {
    }

    /** Per-stage times of the last {@link #detect} call. */
    StageTimes lastTimes();

    @Override
    void close();
}
