package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * The last step (100 %) baked with its gates passing: the challenger is the fleet's champion. Terminal.
 *
 * @param causes the last RolloutStepAdvanced (or the RolloutResumed that restarted its bake)
 */
@Revision("1")
public record RolloutCompleted(
        String rolloutId,
        int stepIndex,
        List<RolloutGateResult> gateResults,
        String completedBy,
        long completedAtNanos,
        List<String> causes) implements DerivedEvent {

    public RolloutCompleted {
        gateResults = List.copyOf(gateResults);
        causes = List.copyOf(causes);
    }
}
