package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * An alarm: some vehicles a rollback gave the champion back have not confirmed it (issue 17 §4,
 * ADR-0044), either because the confirmation deadline passed ({@link #DEADLINE}) or, before it,
 * because every vehicle still unconfirmed has refused the champion ({@link #REFUSED}, ADR-0044 as
 * amended 2026-12-07): a vehicle that refused keeps its last known good, so waiting out the deadline
 * for it only delays the alarm. A vehicle that refused ({@code ModelRejected} or
 * {@code PolicyRejected} of the restored version since the rollback) is named in
 * {@code refusedVehicleIds} too. Stored at most once per rollback; a {@link RolloutRollbackConfirmed}
 * follows if they all confirm later.
 *
 * @param deadlineSeconds       the deadline the check applied, counted from the rollback on the cloud's clock
 * @param unconfirmedVehicleIds the restored vehicles without a session on the champion since the rollback, in cohort order
 * @param refusedVehicleIds     those of them that refused the restored model or policy
 * @param confirmedVehicleIds   the restored vehicles that had confirmed by then
 * @param trigger               {@link #DEADLINE} or {@link #REFUSED} (revision 2; revision 1 was always raised by the deadline)
 * @param causes                the {@code RolloutRolledBack}, then the refusals ({@code ModelRejected}, {@code PolicyRejected})
 */
@Revision("2")
public record RolloutRollbackUnconfirmed(
        String rolloutId,
        long deadlineSeconds,
        List<String> unconfirmedVehicleIds,
        List<String> refusedVehicleIds,
        List<String> confirmedVehicleIds,
        String trigger,
        String detectedBy,
        long detectedAtNanos,
        List<String> causes) implements DerivedEvent {

    /** The deadline passed with vehicles unconfirmed, refusing or silent. */
    public static final String DEADLINE = "DEADLINE";
    /** Before the deadline: every vehicle still unconfirmed had refused the champion. */
    public static final String REFUSED = "REFUSED";

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
        if (!DEADLINE.equals(trigger) && !REFUSED.equals(trigger)) {
            throw new IllegalArgumentException("trigger is " + DEADLINE + " or " + REFUSED + ", got " + trigger);
        }
        if (REFUSED.equals(trigger) && !refusedVehicleIds.containsAll(unconfirmedVehicleIds)) {
            throw new IllegalArgumentException("an alarm raised by refusals needs every unconfirmed vehicle to have refused: " + unconfirmedVehicleIds
                    + " are unconfirmed, " + refusedVehicleIds + " refused");
        }
    }
}
