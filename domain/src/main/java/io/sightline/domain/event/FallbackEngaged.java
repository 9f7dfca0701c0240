package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * The detector chain switched from one model to another.
 *
 * @param reason e.g. {@code deadline-missed 3 of 10 frames} or {@code inference-failed}
 * @param causes the InferenceFailed / StageDeadlineMissed events that triggered the switch
 */
@Revision("1")
public record FallbackEngaged(
        String fromModel,
        String toModel,
        String reason,
        long engagedAtNanos,
        List<String> causes) implements DerivedEvent {
}
