package io.sightline.cloud.api;

import io.sightline.cloud.registry.RegistryReadModel;
import io.sightline.domain.event.VehicleAssigned;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.domain.rollout.AssignVehicle;
import io.sightline.domain.rollout.VehicleAssignment;
import io.swagger.v3.oas.annotations.Operation;
import java.time.Instant;
import java.util.UUID;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/assignments/{fleet}/{vehicle}} (issue 17 §2): what a vehicle should run, by the
 * sha256 of registered artifacts. Read with an ETag of the assignment's revision, so a polling
 * vehicle is answered 304 until it changes.
 */
@RestController
@RequestMapping("/api/v1/assignments")
public class AssignmentsController {

    /** The response header naming the {@code VehicleAssigned} event's id; the MQTT message carries it as {@code eventId}. */
    public static final String EVENT_ID_HEADER = "Sightline-Event-Id";

    /** {@code challengerPolicySha256}: a challenger policy, alone (it decides on the champion's detections) or with a challenger model. */
    public record Assignment(String championModelSha256, String championPolicySha256, String challengerModelSha256,
                             String challengerPolicySha256, String challengerMode) {
    }

    private final CommandGateway commands;
    private final EventStore eventStore;
    private final RegistryReadModel registry;

    public AssignmentsController(CommandGateway commands, EventStore eventStore, RegistryReadModel registry) {
        this.commands = commands;
        this.eventStore = eventStore;
        this.registry = registry;
    }

    @Operation(summary = "Set a vehicle's assignment (admin)", description = "Every sha256 must be a registered artifact of its kind."
            + " Answers the current assignment; the same assignment again keeps its revision.")
    @PutMapping("/{fleetId}/{vehicleId}")
    public ResponseEntity<VehicleAssigned> assign(Authentication authentication, @PathVariable("fleetId") String fleetId,
                                                  @PathVariable("vehicleId") String vehicleId, @RequestBody Assignment a) {
        requireRegistered(ReleaseStatement.MODEL, "championModelSha256", a.championModelSha256());
        requireRegistered(ReleaseStatement.POLICY, "championPolicySha256", a.championPolicySha256());
        if (a.challengerModelSha256() != null) {
            requireRegistered(ReleaseStatement.MODEL, "challengerModelSha256", a.challengerModelSha256());
        }
        if (a.challengerPolicySha256() != null) {
            requireRegistered(ReleaseStatement.POLICY, "challengerPolicySha256", a.challengerPolicySha256());
        }
        Instant now = Instant.now();
        commands.sendAndWait(new AssignVehicle(VehicleAssignment.idFor(fleetId, vehicleId), UUID.randomUUID().toString(), fleetId, vehicleId,
                a.championModelSha256(), a.championPolicySha256(), a.challengerModelSha256(), a.challengerPolicySha256(), a.challengerMode(),
                authentication.getName(),
                now.getEpochSecond() * 1_000_000_000L + now.getNano()));
        return current(fleetId, vehicleId, null);
    }

    @Operation(summary = "A vehicle's assignment", description = "ETag: the revision. With If-None-Match of the current revision: 304.")
    @GetMapping("/{fleetId}/{vehicleId}")
    public ResponseEntity<VehicleAssigned> get(@PathVariable("fleetId") String fleetId, @PathVariable("vehicleId") String vehicleId,
                                               @RequestHeader(name = HttpHeaders.IF_NONE_MATCH, required = false) String ifNoneMatch) {
        return current(fleetId, vehicleId, ifNoneMatch);
    }

    private ResponseEntity<VehicleAssigned> current(String fleetId, String vehicleId, String ifNoneMatch) {
        org.axonframework.eventhandling.DomainEventMessage<?> message = eventStore.readEvents(VehicleAssignment.idFor(fleetId, vehicleId))
                .asStream().filter(m -> m.getPayload() instanceof VehicleAssigned)
                .reduce((a, b) -> b)
                .orElseThrow(() -> new ResourceNotFoundException("vehicle " + fleetId + "/" + vehicleId + " has no assignment;"
                        + " an admin sets one with PUT /api/v1/assignments/" + fleetId + "/" + vehicleId));
        VehicleAssigned latest = (VehicleAssigned) message.getPayload();
        String etag = "\"" + latest.revision() + "\"";
        if (etag.equals(ifNoneMatch)) {
            return ResponseEntity.status(HttpStatus.NOT_MODIFIED).eTag(etag).build();
        }
        // The event's id, so the vehicle's ModelActivated can name the assignment that caused it (ADR-0035).
        return ResponseEntity.ok().eTag(etag).header(EVENT_ID_HEADER, message.getIdentifier()).body(latest);
    }

    private void requireRegistered(String kind, String field, String sha256) {
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException(field + " must be the sha256 of a registered " + kind + ", got " + sha256);
        }
        if (registry.bySha256(kind, sha256).isEmpty()) {
            throw new IllegalArgumentException(field + " " + sha256 + " is not a registered " + kind
                    + "; register it first (./sightline registry add-" + kind + ")");
        }
    }
}
