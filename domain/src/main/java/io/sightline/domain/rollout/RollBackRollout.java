package io.sightline.domain.rollout;

import io.sightline.domain.event.RolloutGateResult;
import java.util.List;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * Undo a rollout at {@code stepIndex} (checked, so a decision taken on a step that has since
 * changed is refused); the caller has already given the cohort back the champion.
 */
public record RollBackRollout(@TargetAggregateIdentifier String aggregateId, int stepIndex, String reason, List<RolloutGateResult> gateResults,
                              List<String> causes, String by, long atNanos) {
}
