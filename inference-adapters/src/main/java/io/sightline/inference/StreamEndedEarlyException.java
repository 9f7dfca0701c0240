package io.sightline.inference;

/**
 * A file ended before the frame count its header declares (e.g. an mp4 cut short with its moov
 * atom at the front: FFmpeg opens it, decodes the frames that are there, then stops silently).
 * Thrown after the frames that could be decoded were delivered.
 */
public class StreamEndedEarlyException extends FrameSourceException {
    private final long framesDecoded;
    private final long framesDeclared;

    public StreamEndedEarlyException(String source, long framesDecoded, long framesDeclared) {
        super(source, "video '" + source + "' ended early: decoded " + framesDecoded + " of " + framesDeclared
                + " frames declared in its header (file truncated or corrupt)", null);
        this.framesDecoded = framesDecoded;
        this.framesDeclared = framesDeclared;
    }

    public long framesDecoded() {
        return framesDecoded;
    }

    public long framesDeclared() {
        return framesDeclared;
    }
}
