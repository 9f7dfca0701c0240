package io.sightline.cloud.projection;

import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import java.util.HashMap;
import java.util.Map;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.TrackingToken;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * One row per drive session: who, which policy and calibration, when, and how many events. Event
 * counts are summed per session over the processor's batch and written once per batch.
 */
@Component
@ProcessingGroup(SessionsProjection.NAME)
@ConditionalOnProperty(name = "sightline.projections.enabled", havingValue = "true", matchIfMissing = true)
public class SessionsProjection {

    public static final String NAME = "sessions";
    private static final String COUNTS_KEY = SessionsProjection.class.getName() + "/counts";

    private final JdbcTemplate jdbc;
    private final BatchedJdbcWriter writer;

    public SessionsProjection(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
        this.writer = new BatchedJdbcWriter(jdbc, NAME);
    }

    @EventHandler
    void on(DriveSessionStarted s, DomainEventMessage<?> message, TrackingToken token) {
        long globalIndex = token.position().orElse(-1);
        writer.add("insert into sessions (session_id, fleet_id, vehicle_id, device_id, software_version, policy_version,"
                        + " calibration_id, started_at_nanos, event_count, last_global_index) values (?,?,?,?,?,?,?,?,0,?)"
                        + " on conflict (session_id) do nothing",
                s.sessionId(), s.fleetId(), s.vehicleId(), s.deviceId(), s.softwareVersion(), s.policyVersion(),
                s.calibration() == null ? null : s.calibration().calibrationId(), s.startTimeNanos(), globalIndex - 1);
        counts(message.getAggregateIdentifier(), globalIndex);
    }

    @EventHandler
    void on(DriveSessionEnded e, DomainEventMessage<?> message, TrackingToken token) {
        writer.add("update sessions set ended_at_nanos = ?, end_reason = ? where session_id = ?",
                e.endTimeNanos(), e.endReason(), e.sessionId());
        counts(message.getAggregateIdentifier(), token.position().orElse(-1));
    }

    /**
     * Every other event is only counted. Taking the message and no payload keeps Axon from
     * deserialising the payload at all, which was most of this projection's rebuild time.
     */
    @EventHandler
    void onAny(DomainEventMessage<?> message, TrackingToken token) {
        counts(message.getAggregateIdentifier(), token.position().orElse(-1));
    }

    /**
     * Per-batch (count, min and max global index) per session, flushed after the inserts above.
     * {@code last_global_index} is the last event already counted, so a batch is added only if all
     * of it is new; a new row starts just below its DriveSessionStarted.
     */
    private void counts(String sessionId, long globalIndex) {
        // Registered after the writer's own prepare-commit hook, so the session row exists.
        Map<String, long[]> counts = ProcessorBatch.state(COUNTS_KEY, HashMap::new, (Map<String, long[]> m) -> {
            m.forEach((session, c) -> jdbc.update(
                    "update sessions set event_count = event_count + ?, last_global_index = ?"
                            + " where session_id = ? and last_global_index < ?", c[0], c[2], session, c[1]));
            m.clear();
        });
        long[] c = counts.computeIfAbsent(sessionId, k -> new long[] {0, Long.MAX_VALUE, Long.MIN_VALUE});
        c[0]++;
        c[1] = Math.min(c[1], globalIndex);
        c[2] = Math.max(c[2], globalIndex);
    }

    @ResetHandler
    void reset() {
        jdbc.update("truncate table sessions");
    }
}
