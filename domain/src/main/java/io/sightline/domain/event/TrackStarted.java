package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/** A new tentative track; causes name the DetectionObserved that started it. */
@Revision("1")
public record TrackStarted(
        String trackId,
        String frameId,
        String className,
        BoxPx boxPx,
        double score,
        List<String> causes) implements DerivedEvent {
}
