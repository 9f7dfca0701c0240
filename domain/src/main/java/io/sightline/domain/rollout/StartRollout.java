package io.sightline.domain.rollout;

import io.sightline.domain.event.RolloutStarted;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Start a rollout; the aggregate checks the plan, the caller that the versions are registered and the gates known. */
public record StartRollout(@TargetAggregateIdentifier String aggregateId, RolloutStarted started) {
}
