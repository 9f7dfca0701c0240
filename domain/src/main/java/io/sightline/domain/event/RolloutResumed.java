package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * An administrator resumed a halted rollout at the step it halted on; the step's bake time starts
 * again, so its gates must pass for a whole bake after the halt.
 *
 * @param causes the RolloutHalted it ends
 */
@Revision("1")
public record RolloutResumed(
        String rolloutId,
        int stepIndex,
        String resumedBy,
        long resumedAtNanos,
        List<String> causes) implements DerivedEvent {

    public RolloutResumed {
        causes = List.copyOf(causes);
    }
}
