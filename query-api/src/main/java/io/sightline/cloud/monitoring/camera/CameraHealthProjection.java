package io.sightline.cloud.monitoring.camera;

import io.sightline.domain.event.CameraObstructed;
import io.sightline.domain.event.CameraRestored;
import io.sightline.domain.event.DriveSessionStarted;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Camera-health episodes of every session, for the monitoring page and its metrics: a row per
 * {@link CameraObstructed}, closed by its {@link CameraRestored}. The edge decides (issue 16 §4);
 * the cloud only lists.
 */
@Component
@ProcessingGroup(CameraHealthProjection.NAME)
@ConditionalOnProperty(name = "sightline.projections.enabled", havingValue = "true", matchIfMissing = true)
public class CameraHealthProjection {

    public static final String NAME = "camera-health";

    private final JdbcTemplate jdbc;

    public CameraHealthProjection(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @EventHandler
    void on(DriveSessionStarted s) {
        jdbc.update("insert into camera_health_sessions (session_id, fleet_id, vehicle_id) values (?,?,?) on conflict (session_id) do nothing",
                s.sessionId(), s.fleetId(), s.vehicleId());
    }

    @EventHandler
    void on(CameraObstructed o, DomainEventMessage<?> message) {
        double value = switch (o.statistic()) {
            case "lumaStdDev" -> o.lumaStdDev();
            case "laplacianVariance" -> o.laplacianVariance();
            default -> o.meanLuma();
        };
        // Sessions start before their episodes in the same stream and segment, so the session row is there.
        jdbc.update("insert into camera_episodes (obstruction_id, obstructed_event_id, session_id, fleet_id, vehicle_id, condition,"
                        + " since_frame_index, confirmed_frame_index, statistic, statistic_value, threshold_value, margin, policy_version,"
                        + " obstructed_at_nanos) select ?, ?, s.session_id, s.fleet_id, s.vehicle_id, ?, ?, ?, ?, ?, ?, ?, ?, ?"
                        + " from camera_health_sessions s where s.session_id = ? on conflict (obstruction_id) do nothing",
                o.obstructionId(), message.getIdentifier(), o.condition(), o.sinceFrameIndex(), o.confirmedAtFrameIndex(), o.statistic(), value,
                o.thresholdValue(), o.margin(), o.policyVersion(), o.obstructedAtNanos(), message.getAggregateIdentifier());
    }

    @EventHandler
    void on(CameraRestored r, DomainEventMessage<?> message) {
        jdbc.update("update camera_episodes set restored_event_id = ?, restored_at_nanos = ?, obstructed_for_nanos = ? where obstruction_id = ?",
                message.getIdentifier(), r.restoredAtNanos(), r.obstructedForNanos(), r.obstructionId());
    }
}
