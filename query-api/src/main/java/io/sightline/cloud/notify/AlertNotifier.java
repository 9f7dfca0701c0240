package io.sightline.cloud.notify;

import io.sightline.cloud.projection.AlertsProjection;
import io.sightline.cloud.projection.AlertsProjection.SessionVehicle;
import io.sightline.domain.event.AlertCleared;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DriveSessionStarted;
import java.util.HashMap;
import java.util.Map;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DisallowReplay;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Announces every alert raised and cleared to safety apps (ADR-0016): for each {@link AlertRaised}
 * and {@link AlertCleared} it writes a row to the {@code alert_notifications} outbox, which
 * {@link AlertPublisher} sends over MQTT.
 *
 * <p>It is a dispatcher, so it must not fire again when the projection is rebuilt: its handlers
 * carry {@code @DisallowReplay}, and a reset-and-replay of {@code alerts} rebuilds the table without
 * re-announcing years of alerts. It runs in the {@code alerts} processing group, so the row is
 * written in the same transaction as that processor's token: an alert is announced once the
 * processor has passed it, and a crash before that commit writes neither.
 *
 * <p>It exists only where the alerts projection runs: alone on a replica with projections off it
 * would make that replica run an {@code alerts} processor of its own, which would claim segments
 * whose events the projection then never sees.
 */
@Component
@ProcessingGroup(AlertsProjection.NAME)
@ConditionalOnExpression("${sightline.alerts.mqtt.enabled:false} and ${sightline.projections.enabled:true}")
public class AlertNotifier {

    /** Metadata a fleet move puts on the events it copies (io.sightline.app.shard.FleetMove.MOVED_FROM). */
    public static final String MOVED_FROM_SHARD = "movedFromShard";
    private static final String SESSIONS_KEY = AlertNotifier.class.getName() + "/sessions";
    private static final String INSERT_RAISED = "insert into alert_notifications (event_id, type, alert_id, session_id, fleet_id,"
            + " vehicle_id, kind, level, track_id, policy_version, raised_at_nanos, global_index)"
            + " values (?,'raised',?,?,?,?,?,?,?,?,?,?) on conflict (event_id) do nothing";
    private static final String INSERT_CLEARED = "insert into alert_notifications (event_id, type, alert_id, session_id, fleet_id,"
            + " vehicle_id, cleared_at_nanos, cleared_reason, active_for_nanos, global_index)"
            + " values (?,'cleared',?,?,?,?,?,?,?,?) on conflict (event_id) do nothing";
    /** Width of alert_notifications.cleared_reason (V7). */
    private static final int REASON_COLUMN = 255;

    private final JdbcTemplate jdbc;

    public AlertNotifier(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Sessions started in this processor batch: the projection writes alert_sessions only at commit. */
    private Map<String, SessionVehicle> batchSessions() {
        return CurrentUnitOfWork.get().root().getOrComputeResource(SESSIONS_KEY, k -> new HashMap<String, SessionVehicle>());
    }

    @EventHandler
    @DisallowReplay
    void on(DriveSessionStarted s, DomainEventMessage<?> message) {
        batchSessions().put(message.getAggregateIdentifier(), new SessionVehicle(s.fleetId(), s.vehicleId(), s.policyVersion()));
    }

    @EventHandler
    @DisallowReplay
    void on(AlertRaised a, DomainEventMessage<?> message, TrackingToken token) {
        if (movedFromAnotherShard(message)) {
            return;
        }
        String session = io.sightline.domain.session.SessionAggregates.driveSessionOf(message.getAggregateIdentifier());
        SessionVehicle vehicle = vehicleOf(session, a.alertId());
        jdbc.update(INSERT_RAISED, message.getIdentifier(), a.alertId(), session, vehicle.fleetId(),
                vehicle.vehicleId(), a.kind(), a.level(), a.trackId(), a.policyVersion(), a.raisedAtNanos(), globalIndex(token));
    }

    @EventHandler
    @DisallowReplay
    void on(AlertCleared c, DomainEventMessage<?> message, TrackingToken token) {
        if (movedFromAnotherShard(message)) {
            return;
        }
        String session = io.sightline.domain.session.SessionAggregates.driveSessionOf(message.getAggregateIdentifier());
        SessionVehicle vehicle = vehicleOf(session, c.alertId());
        String reason = c.reason() == null || c.reason().length() <= REASON_COLUMN ? c.reason() : c.reason().substring(0, REASON_COLUMN);
        jdbc.update(INSERT_CLEARED, message.getIdentifier(), c.alertId(), session, vehicle.fleetId(),
                vehicle.vehicleId(), c.clearedAtNanos(), reason, c.activeForNanos(), globalIndex(token));
    }

    /**
     * An event a fleet move copied here (ADR-0031) is new to this store but old news: it was announced
     * by the shard it came from, as a replay's would have been.
     */
    private static boolean movedFromAnotherShard(DomainEventMessage<?> message) {
        return message.getMetaData().containsKey(MOVED_FROM_SHARD);
    }

    private SessionVehicle vehicleOf(String sessionId, String alertId) {
        SessionVehicle vehicle = batchSessions().get(sessionId);
        if (vehicle != null) {
            return vehicle;
        }
        // The projection refuses the same alert for the same reason; the event is dead-lettered.
        return AlertsProjection.projectedSession(jdbc, sessionId).orElseThrow(() -> new IllegalStateException("alert " + alertId
                + " in session " + sessionId + " whose DriveSessionStarted was never projected: no vehicle topic to announce it on"));
    }

    private static long globalIndex(TrackingToken token) {
        return token == null ? -1 : token.position().orElse(-1);
    }
}
