package io.sightline.inference;

/** Inference failed on one frame (runtime error, closed session, bad input image). */
public class InferenceException extends RuntimeException {
    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
