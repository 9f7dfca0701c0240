package io.sightline.domain.rollout;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import io.sightline.domain.event.EventMetadataKeys;
import io.sightline.domain.event.VehicleAssigned;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.messaging.MetaData;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.AggregateRoot;
import org.axonframework.modelling.command.CreationPolicy;

/**
 * One vehicle's assignment ({@code assignment/<fleet>/<vehicle>}): what it should run. Its events
 * number the assignments, so a vehicle reporting revision N is known to hold exactly that one, and
 * an assignment equal to the current one stores nothing (no new revision for vehicles to fetch).
 * Whether the shas are registered is the caller's check: the registry is other aggregates.
 */
@AggregateRoot
public class VehicleAssignment {

    public static final String PREFIX = "assignment/";
    public static final List<String> CHALLENGER_MODES = List.of("shadow");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    @AggregateIdentifier
    private String assignmentId;
    private long revision;
    private VehicleAssigned current;

    protected VehicleAssignment() {
    }

    public static String idFor(String fleetId, String vehicleId) {
        return PREFIX + fleetId + "/" + vehicleId;
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public void handle(AssignVehicle c) {
        if (c.eventId() == null || c.eventId().isBlank()) {
            throw new IllegalArgumentException("eventId is missing");
        }
        for (String[] id : new String[][] {{"fleetId", c.fleetId()}, {"vehicleId", c.vehicleId()}}) {
            if (id[1] == null || !ID.matcher(id[1]).matches()) {
                throw new IllegalArgumentException(id[0] + " must be 1 to 128 letters, digits, '.', '_' or '-', got '" + id[1] + "'");
            }
        }
        if (!idFor(c.fleetId(), c.vehicleId()).equals(c.assignmentId())) {
            throw new IllegalArgumentException("the assignment of " + c.fleetId() + "/" + c.vehicleId() + " belongs in "
                    + idFor(c.fleetId(), c.vehicleId()) + ", not " + c.assignmentId());
        }
        requireSha("championModelSha256", c.championModelSha256());
        requireSha("championPolicySha256", c.championPolicySha256());
        if (c.challengerModelSha256() == null && c.challengerPolicySha256() == null) {
            if (c.challengerMode() != null) {
                throw new IllegalArgumentException("challengerMode " + c.challengerMode()
                        + " needs a challengerModelSha256, a challengerPolicySha256 or both");
            }
        } else {
            if (c.challengerMode() == null || !CHALLENGER_MODES.contains(c.challengerMode())) {
                throw new IllegalArgumentException("challengerMode must be one of " + CHALLENGER_MODES + " with a challenger, got " + c.challengerMode());
            }
            if (c.challengerModelSha256() != null) {
                requireSha("challengerModelSha256", c.challengerModelSha256());
                if (c.challengerModelSha256().equals(c.championModelSha256())) {
                    throw new IllegalArgumentException("the challenger is the champion (" + c.championModelSha256() + "); assign another model"
                            + " or none (a challenger policy alone runs on the champion's detections)");
                }
            }
            if (c.challengerPolicySha256() != null) {
                requireSha("challengerPolicySha256", c.challengerPolicySha256());
                if (c.challengerModelSha256() == null && c.challengerPolicySha256().equals(c.championPolicySha256())) {
                    throw new IllegalArgumentException("the challenger policy is the champion's (" + c.championPolicySha256()
                            + "); assign another policy or none");
                }
            }
        }
        if (c.assignedBy() == null || c.assignedBy().isBlank()) {
            throw new IllegalArgumentException("assignedBy is missing");
        }
        if (current != null && Objects.equals(current.championModelSha256(), c.championModelSha256())
                && Objects.equals(current.championPolicySha256(), c.championPolicySha256())
                && Objects.equals(current.challengerModelSha256(), c.challengerModelSha256())
                && Objects.equals(current.challengerPolicySha256(), c.challengerPolicySha256())
                && Objects.equals(current.challengerMode(), c.challengerMode())) {
            return;
        }
        if (assignmentId == null) {
            // A new aggregate's id must exist when its first event is applied (as in EvaluationLog).
            assignmentId = c.assignmentId();
        }
        apply(new VehicleAssigned(c.fleetId(), c.vehicleId(), revision + 1, c.championModelSha256(), c.championPolicySha256(),
                        c.challengerModelSha256(), c.challengerPolicySha256(), c.challengerMode(), c.assignedBy(), c.assignedAtNanos()),
                MetaData.from(Map.of(EventMetadataKeys.EVENT_ID, c.eventId(), EventMetadataKeys.OCCURRED_AT_NANOS, c.assignedAtNanos())));
    }

    private static void requireSha(String field, String value) {
        if (value == null || !SHA256.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must be the sha256 of a registered artifact (64 lower-case hex digits), got " + value);
        }
    }

    @EventSourcingHandler
    void on(VehicleAssigned e, DomainEventMessage<?> message) {
        assignmentId = message.getAggregateIdentifier();
        revision = e.revision();
        current = e;
    }
}
