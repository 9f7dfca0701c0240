package io.sightline.domain.event;

import org.axonframework.serialization.Revision;

/**
 * A vehicle's assignment changed (issue 17 §2): the models and policy it should run, by the sha256
 * of their registered bytes. {@code revision} counts the vehicle's assignments from 1; a vehicle
 * that holds revision N holds this exact assignment (the HTTP ETag).
 *
 * @param challengerModelSha256 a second model to run beside the champion, or null
 * @param challengerMode        {@code shadow} with a challenger, else null
 * @param assignedBy            the token's subject
 */
@Revision("1")
public record VehicleAssigned(
        String fleetId,
        String vehicleId,
        long revision,
        String championModelSha256,
        String championPolicySha256,
        String challengerModelSha256,
        String challengerMode,
        String assignedBy,
        long assignedAtNanos) implements SightlineEvent {
}
