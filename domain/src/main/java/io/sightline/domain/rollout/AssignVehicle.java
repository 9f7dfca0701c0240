package io.sightline.domain.rollout;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * Set a vehicle's assignment; {@code eventId} names the event when it changes anything. A challenger is a model, a policy
 * or both ({@code challengerPolicySha256}, ADR-0043), each null when not challenged.
 */
public record AssignVehicle(@TargetAggregateIdentifier String assignmentId, String eventId, String fleetId, String vehicleId,
                            String championModelSha256, String championPolicySha256, String challengerModelSha256,
                            String challengerPolicySha256, String challengerMode, String assignedBy, long assignedAtNanos) {
}
