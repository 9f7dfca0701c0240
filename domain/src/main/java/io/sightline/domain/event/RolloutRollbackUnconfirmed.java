package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * An alarm: the confirmation deadline of a rollback passed and some vehicles it gave the champion
 * back have not confirmed it (issue 17 §4, ADR-0044). A vehicle that refused the champion
 * ({@code ModelRejected} or {@code PolicyRejected} of the restored version since the rollback) is
 * named in {@code refusedVehicleIds} too. Stored at most once per rollback; a
 * {@link RolloutRollbackConfirmed} follows if they all confirm later.
 *
 * @param deadlineSeconds       the deadline this check applied, counted from the rollback on the cloud's clock
 * @param unconfirmedVehicleIds the restored vehicles without a session on the champion since the rollback, in cohort order
 * @param refusedVehicleIds     those of them that refused the restored model or policy
 * @param confirmedVehicleIds   the restored vehicles that had confirmed by then
 * @param causes                the {@code RolloutRolledBack}, then the refusals ({@code ModelRejected}, {@code PolicyRejected})
 */
@Revision("1")
public record RolloutRollbackUnconfirmed(
        String rolloutId,
        long deadlineSeconds,
        List<String> unconfirmedVehicleIds,
        List<String> refusedVehicleIds,
        List<String> confirmedVehicleIds,
        String detectedBy,
        long detectedAtNanos,
        List<String> causes) implements DerivedEvent {

    public RolloutRollbackUnconfirmed {
        unconfirmedVehicleIds = List.copyOf(unconfirmedVehicleIds);
        refusedVehicleIds = List.copyOf(refusedVehicleIds);
        confirmedVehicleIds = List.copyOf(confirmedVehicleIds);
        causes = List.copyOf(causes);
        if (unconfirmedVehicleIds.isEmpty()) {
            throw new IllegalArgumentException("an unconfirmed rollback names at least one vehicle");
        }
        if (!unconfirmedVehicleIds.containsAll(refusedVehicleIds)) {
            throw new IllegalArgumentException("a vehicle that refused the champion has not confirmed it: " + refusedVehicleIds
                    + " must be among " + unconfirmedVehicleIds);
        }
    }
}
