package io.sightline.inference;

/** A {@link Detector#detect} stopped by {@link Detector#interrupt} before it finished: no detections for that frame. */
public final class DetectionInterrupted extends InferenceException {
    public DetectionInterrupted(String message, Throwable cause) {
        super(message, cause);
    }
}
