package io.sightline.inference;

/** A video source cannot be opened or read; the message names the source and the problem. */
public class FrameSourceException extends RuntimeException {
    private final String source;

    public FrameSourceException(String source, String message, Throwable cause) {
        super(message, cause);
        this.source = source;
    }

    public String source() {
        return source;
    }
}
