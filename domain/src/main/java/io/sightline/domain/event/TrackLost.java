package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/** A track went unmatched too long and was removed; causes name its last TrackUpdated. */
@Revision("1")
public record TrackLost(
        String trackId,
        String lastFrameId,
        int framesUnmatched,
        String reason,
        List<String> causes) implements DerivedEvent {
}
