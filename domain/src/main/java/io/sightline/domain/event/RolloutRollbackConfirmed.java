package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * Every vehicle a rollback gave the champion back has confirmed it (issue 17 §4, ADR-0044): each
 * started a session since the rollback on the restored model and policy, without a shadow. Ends the
 * rollback's confirmation; stored once, after a {@link RolloutRollbackUnconfirmed} if the last
 * vehicles confirmed only after the deadline.
 *
 * @param confirmedVehicleIds the restored vehicles, each confirmed (the rollback's {@code restoredVehicleIds})
 * @param confirmingSessionIds each vehicle's first session on the champion since the rollback, in the same order
 * @param causes              the {@code RolloutRolledBack}, then each vehicle's confirming primary
 *                            {@code ModelActivated}; for a rollout with a challenger policy also the
 *                            session's {@code DriveSessionStarted}, which records the policy it decides with
 */
@Revision("1")
public record RolloutRollbackConfirmed(
        String rolloutId,
        List<String> confirmedVehicleIds,
        List<String> confirmingSessionIds,
        String confirmedBy,
        long confirmedAtNanos,
        List<String> causes) implements DerivedEvent {

    public RolloutRollbackConfirmed {
        confirmedVehicleIds = List.copyOf(confirmedVehicleIds);
        confirmingSessionIds = List.copyOf(confirmingSessionIds);
        causes = List.copyOf(causes);
        if (confirmedVehicleIds.size() != confirmingSessionIds.size()) {
            throw new IllegalArgumentException("one confirming session per vehicle: " + confirmedVehicleIds.size() + " vehicles, "
                    + confirmingSessionIds.size() + " sessions");
        }
    }
}
