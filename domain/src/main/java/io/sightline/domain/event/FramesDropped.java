package io.sightline.domain.event;

import org.axonframework.serialization.Revision;

/** A stage dropped frames under overload (latest-frame-wins); never silent. */
@Revision("1")
public record FramesDropped(
        String stage,
        long droppedCount,
        long firstFrameIndex,
        long lastFrameIndex,
        String reason,
        long droppedAtNanos) implements SightlineEvent {
}
