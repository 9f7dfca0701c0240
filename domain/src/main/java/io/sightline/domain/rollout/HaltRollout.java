package io.sightline.domain.rollout;

import io.sightline.domain.event.RolloutGateResult;
import java.util.List;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Halt at {@code stepIndex}; {@code causes} are the events that tripped the gates (empty for an administrator). */
public record HaltRollout(@TargetAggregateIdentifier String aggregateId, int stepIndex, String reason, List<RolloutGateResult> gateResults,
                          List<String> causes, String by, long atNanos) {
}
