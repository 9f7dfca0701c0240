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

    /** Per-stage times of the last {@link #detect} call. */
    StageTimes lastTimes();

    @Override
    void close();
}
