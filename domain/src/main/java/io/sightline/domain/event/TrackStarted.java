package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A track was confirmed and is reported from now on. The tracker keeps tentative tracks internal
 * (one-frame clutter never becomes an event); causes name the DetectionObserved that confirmed it.
 */
@Revision("1")
public record TrackStarted(
        String trackId,
        String frameId,
        String className,
        BoxPx boxPx,
        double score,
        List<String> causes) implements DerivedEvent {
}
