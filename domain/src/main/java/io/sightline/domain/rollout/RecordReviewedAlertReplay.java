package io.sightline.domain.rollout;

import io.sightline.domain.event.ReviewedAlertReplayed;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Store one replay of a confirmed alert's window through the rollout's challenger; a repeat of the same review stores nothing. */
public record RecordReviewedAlertReplay(@TargetAggregateIdentifier String aggregateId, ReviewedAlertReplayed replayed) {
}
