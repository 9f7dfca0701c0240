package io.sightline.domain.rollout;

import java.util.List;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * Record that every restored vehicle confirmed the rollback: {@code sessionIds} and
 * {@code causes} as {@code RolloutRollbackConfirmed} stores them (the aggregate puts the rollback
 * first). Refused while a restored vehicle is missing; acknowledged with nothing stored once confirmed.
 */
public record ConfirmRollback(@TargetAggregateIdentifier String aggregateId, List<String> vehicleIds, List<String> sessionIds,
                              List<String> causes, String by, long atNanos) {
}
