package io.sightline.runtime.clip;

/** A clip could not be read from its source or written: the message says which and what to do. */
public final class ClipException extends RuntimeException {

    public ClipException(String message, Throwable cause) {
        super(message, cause);
    }

    public ClipException(String message) {
        super(message);
    }
}
