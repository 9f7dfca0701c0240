package io.sightline.cloud.registry;

import io.sightline.domain.event.VehicleAssigned;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.domain.rollout.VehicleAssignment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Which registered artifacts a fleet's vehicles have ever been assigned (ADR-0044): what a device
 * credential may read from the registry. Read from the stored {@code VehicleAssigned} events, not a
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
        // challengerPolicySha256 came with VehicleAssigned revision 2 (ADR-0043); revision-1 payloads have none, so it reads null there.
        String match = ReleaseStatement.MODEL.equals(kind)
                ? "? in (p ->> 'championModelSha256', p ->> 'challengerModelSha256')"
                : "? in (p ->> 'championPolicySha256', p ->> 'challengerPolicySha256')";
        Boolean found = jdbc.queryForObject("select exists (select 1 from (select convert_from(payload, 'UTF8')::jsonb as p from domain_event_entry"
                + " where aggregate_identifier like ? and payload_type = ?) a where " + match + ")", Boolean.class, prefix + "%", ASSIGNED,
                sha256);
        return Boolean.TRUE.equals(found);
    }
}
