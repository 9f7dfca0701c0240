package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A rollout entered a step: its cohort was assigned the challenger (as a shadow or as the champion)
 * and its bake time starts now.
 *
 * @param stepIndex        index into the plan's steps, from 0
 * @param cohortVehicleIds every vehicle of the step's cohort (earlier steps' vehicles included)
 * @param gateResults      the previous step's gates that let it advance; empty for the first step
 * @param causes           the event that ended the previous step (RolloutStarted, the previous
 *                         RolloutStepAdvanced or a RolloutResumed)
 */
@Revision("1")
public record RolloutStepAdvanced(
        String rolloutId,
        int stepIndex,
        String kind,
        double sharePercent,
        long bakeSeconds,
        List<String> cohortVehicleIds,
        List<RolloutGateResult> gateResults,
        String advancedBy,
        long advancedAtNanos,
        List<String> causes) implements DerivedEvent {

    public RolloutStepAdvanced {
        cohortVehicleIds = List.copyOf(cohortVehicleIds);
        gateResults = List.copyOf(gateResults);
        causes = List.copyOf(causes);
    }
}
