package io.sightline.cloud.registry;

import io.sightline.domain.event.VehicleAssigned;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.domain.rollout.VehicleAssignment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Which registered artifacts a fleet's vehicles, or one vehicle, have ever been assigned (ADR-0044):
 * what a device credential may read from the registry, its vehicle's when its key names one (V19),
 * else its fleet's. Read from the stored {@code VehicleAssigned} events, not a
 * projection, so an artifact is readable by the vehicle the moment its assignment is answered (a
 * lagging projection would make the vehicle refuse a model it was just given), and an earlier
 * assignment keeps its artifacts readable: the last known good must stay downloadable.
 */
@Component
public class AssignedArtifacts {

    private static final String ASSIGNED = VehicleAssigned.class.getName();

    private final JdbcTemplate jdbc;

    public AssignedArtifacts(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Whether any vehicle of {@code fleetId} was ever assigned {@code sha256} as a model (champion or challenger) or a policy. */
    public boolean everAssigned(String fleetId, String kind, String sha256) {
        String prefix = VehicleAssignment.idFor(fleetId, "").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
        return exists("aggregate_identifier like ?", prefix + "%", kind, sha256);
    }

    /**
     * Whether {@code fleetId}/{@code vehicleId} itself was ever assigned {@code sha256} (V19: a device key bound to that
     * vehicle). Every earlier assignment of the vehicle counts, so its last known good stays readable (a vehicle that lost its
     * model directory fetches again what it ran before); what a rollback restores is named by the restoring assignment, a
     * {@code VehicleAssigned} of this vehicle stored before the vehicle reads it.
     */
    public boolean everAssignedToVehicle(String fleetId, String vehicleId, String kind, String sha256) {
        return exists("aggregate_identifier = ?", VehicleAssignment.idFor(fleetId, vehicleId), kind, sha256);
    }

    private boolean exists(String aggregateCondition, String aggregate, String kind, String sha256) {
        // challengerPolicySha256 came with VehicleAssigned revision 2 (ADR-0043); revision-1 payloads have none, so it reads null there.
        String match = ReleaseStatement.MODEL.equals(kind)
                ? "? in (p ->> 'championModelSha256', p ->> 'challengerModelSha256')"
                : "? in (p ->> 'championPolicySha256', p ->> 'challengerPolicySha256')";
        Boolean found = jdbc.queryForObject("select exists (select 1 from (select convert_from(payload, 'UTF8')::jsonb as p from domain_event_entry"
                + " where " + aggregateCondition + " and payload_type = ?) a where " + match + ")", Boolean.class, aggregate, ASSIGNED,
                sha256);
        return Boolean.TRUE.equals(found);
    }
}
