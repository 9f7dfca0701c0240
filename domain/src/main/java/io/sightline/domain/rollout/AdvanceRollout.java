package io.sightline.domain.rollout;

import io.sightline.domain.event.RolloutGateResult;
import java.util.List;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Enter {@code stepIndex}; a step already entered is acknowledged and stores nothing (a retry after a restart). */
public record AdvanceRollout(@TargetAggregateIdentifier String aggregateId, int stepIndex, List<RolloutGateResult> gateResults,
                             String by, long atNanos) {
}
