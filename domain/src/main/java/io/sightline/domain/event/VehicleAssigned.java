package io.sightline.domain.event;

import org.axonframework.serialization.Revision;

/**
 * A vehicle's assignment changed (issue 17 §2): the models and policy it should run, by the sha256
 * of their registered bytes. {@code revision} counts the vehicle's assignments from 1; a vehicle
 * that holds revision N holds this exact assignment (the HTTP ETag).
 *
 * @param challengerModelSha256  a second model to run beside the champion, or null
 * @param challengerPolicySha256 a second policy to decide beside the champion's (with the challenger model's detections, or with
 *                               the champion's when there is no challenger model), or null; revision 2 (ADR-0043), revision-1
 *                               payloads read as null
 * @param challengerMode         {@code shadow} with a challenger, else null
 * @param assignedBy            the token's subject
 */
@Revision("2")
public record VehicleAssigned(
        String fleetId,
        String vehicleId,
        long revision,
        String championModelSha256,
        String championPolicySha256,
        String challengerModelSha256,
        String challengerPolicySha256,
        String challengerMode,
        String assignedBy,
        long assignedAtNanos) implements SightlineEvent {
}
