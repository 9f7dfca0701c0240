package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/** A stage took longer than its named budget on one frame; causes name the frame. */
@Revision("1")
public record StageDeadlineMissed(
        String stage,
        String frameId,
        long budgetNanos,
        long actualNanos,
        List<String> causes) implements DerivedEvent {
}
