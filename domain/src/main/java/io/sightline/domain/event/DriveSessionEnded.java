package io.sightline.domain.event;

import org.axonframework.serialization.Revision;

/** The edge closed the session: end of video, ignition off, or shutdown. */
@Revision("1")
public record DriveSessionEnded(
        String sessionId,
        long endTimeNanos,
        String endReason,
        long framesCaptured,
        long framesDropped) implements SightlineEvent {
}
