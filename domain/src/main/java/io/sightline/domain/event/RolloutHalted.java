package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A rollout stopped at a step without undoing it: the cohort keeps what it runs and no step
 * advances until an administrator resumes or rolls back.
 *
 * @param gateResults the gates at the halt (a failing gate's causes are the events that tripped it)
 * @param causes      the events that tripped the failing gates; empty for an administrator's halt
 */
@Revision("1")
public record RolloutHalted(
        String rolloutId,
        int stepIndex,
        String reason,
        List<RolloutGateResult> gateResults,
        String haltedBy,
        long haltedAtNanos,
        List<String> causes) implements DerivedEvent {

    public RolloutHalted {
        gateResults = List.copyOf(gateResults);
        causes = List.copyOf(causes);
    }
}
