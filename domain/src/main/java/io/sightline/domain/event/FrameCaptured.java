package io.sightline.domain.event;

import org.axonframework.serialization.Revision;

/**
 * One video frame entered the edge pipeline.
 *
 * @param captureTimeNanos container timestamp for files, the capture clock for live sources
 * @param sourceId         file name, stream URL or device the frame came from
 */
@Revision("1")
public record FrameCaptured(
        String frameId,
        long frameIndex,
        long captureTimeNanos,
        int widthPx,
        int heightPx,
        String sourceId) implements SightlineEvent {
}
