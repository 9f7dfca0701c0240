package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * The filtered state of a track after one frame.
 *
 * @param causes the DetectionObserved taken in (if any) and the previous TrackUpdated of this track
 */
@Revision("1")
public record TrackUpdated(
        String trackId,
        String frameId,
        String className,
        BoxPx boxPx,
        double velocityXPxps,
        double velocityYPxps,
        TrackState state,
        int hits,
        int ageFrames,
        double score,
        List<String> causes) implements DerivedEvent {
}
