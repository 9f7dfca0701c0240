package io.sightline.domain.rollout;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

public record ResumeRollout(@TargetAggregateIdentifier String aggregateId, String by, long atNanos) {
}
