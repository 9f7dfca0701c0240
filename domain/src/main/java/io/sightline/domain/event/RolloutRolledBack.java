package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A rollout was undone: every vehicle it had assigned is assigned the champion again, without a
 * challenger. Terminal.
 *
 * @param restoredVehicleIds   the vehicles given back the champion (the cohort of the step reached)
 * @param gateResults          the gates at the rollback (a failing gate's causes are the events that tripped it)
 * @param causes               the events that tripped the failing gates; for an administrator's rollback, the
 *                             RolloutHalted it follows if any
 */
@Revision("1")
public record RolloutRolledBack(
        String rolloutId,
        int stepIndex,
        String reason,
        String restoredModelSha256,
        String restoredPolicySha256,
        List<String> restoredVehicleIds,
        List<RolloutGateResult> gateResults,
        String rolledBackBy,
        long rolledBackAtNanos,
        List<String> causes) implements DerivedEvent {

    public RolloutRolledBack {
        restoredVehicleIds = List.copyOf(restoredVehicleIds);
        gateResults = List.copyOf(gateResults);
        causes = List.copyOf(causes);
    }
}
