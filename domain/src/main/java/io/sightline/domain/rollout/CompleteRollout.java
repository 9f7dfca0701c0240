package io.sightline.domain.rollout;

import io.sightline.domain.event.RolloutGateResult;
import java.util.List;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** End a rollout whose last step baked with its gates passing. */
public record CompleteRollout(@TargetAggregateIdentifier String aggregateId, int stepIndex, List<RolloutGateResult> gateResults,
                              String by, long atNanos) {
}
