package io.sightline.domain.evaluation;

import io.sightline.domain.event.EvaluationCompleted;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Store an evaluation's summary in its policy version's evaluation log, under {@code eventId}. */
public record RecordEvaluation(@TargetAggregateIdentifier String logId, String eventId, EvaluationCompleted evaluation) {
}
