package io.sightline.domain.rollout;

import java.util.List;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * Raise the alarm on a rollback whose confirmation deadline passed with {@code unconfirmedVehicleIds}
 * still on something else, or, before it, whose every unconfirmed vehicle has refused the champion
 * ({@code refusedVehicleIds}, with their {@code refusalEventIds}). Refused before the deadline
 * otherwise; acknowledged with nothing stored when the alarm was already raised or the rollback is
 * confirmed.
 */
public record RecordRollbackUnconfirmed(@TargetAggregateIdentifier String aggregateId, long deadlineSeconds, List<String> unconfirmedVehicleIds,
                                        List<String> refusedVehicleIds, List<String> refusalEventIds, String by, long atNanos) {
}
