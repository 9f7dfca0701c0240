package io.sightline.cloud.projection;

import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.VehicleStateSampled;
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
 * One row per drive session: who, which policy and calibration, when, how many events, and how
 * far and how long it drove. Event counts and the exposure are summed per session over the
 * processor's batch and written once per batch.
 *
 * <p>Exposure integrates the ego speed of consecutive {@code VehicleStateSampled} (trapezoids);
 * an interval longer than {@link #MAX_SAMPLE_GAP_NANOS} is a gap in the signal, not driving, and
 * counts for nothing. Driving time is the time between samples at which the vehicle moved
 * (mean speed of the interval at least {@link #MOVING_MPS}).
 */
@Component
@ProcessingGroup(SessionsProjection.NAME)
@ConditionalOnProperty(name = "sightline.projections.enabled", havingValue = "true", matchIfMissing = true)
public class SessionsProjection {

    public static final String NAME = "sessions";
    private static final String COUNTS_KEY = SessionsProjection.class.getName() + "/counts";
    /** A longer interval between two vehicle-state samples is a gap in the signal: neither distance nor driving time. */
    public static final long MAX_SAMPLE_GAP_NANOS = 2_000_000_000L;
    /** Below this mean speed an interval is standing, not driving (a creeping queue still counts). */
    public static final double MOVING_MPS = 0.5;

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
        // With the counts, not the writer: the writer groups rows by statement, so a batch that began with an earlier
        // session's end would run this update before this session's insert, and the end would be lost.
        Batch b = counts(message.getAggregateIdentifier(), token.position().orElse(-1));
        b.endedAtNanos = e.endTimeNanos();
        b.endReason = e.endReason();
    }

    /**
     * Every other event is only counted. Taking the message and no payload keeps Axon from
     * deserialising the payload at all, which was most of this projection's rebuild time.
     */
    @EventHandler
    void onAny(DomainEventMessage<?> message, TrackingToken token) {
        Batch b = counts(message.getAggregateIdentifier(), token.position().orElse(-1));
        if (message.getPayload() instanceof VehicleStateSampled v && Double.isFinite(v.egoSpeedMps()) && v.egoSpeedMps() >= 0) {
            b.sample(v.sampleTimeNanos(), v.egoSpeedMps());
        }
    }

    /** Distance of one interval between two vehicle-state samples, metres; 0 across a gap in the signal. */
    public static double intervalDistanceM(long dtNanos, double v0Mps, double v1Mps) {
        return dtNanos > 0 && dtNanos <= MAX_SAMPLE_GAP_NANOS ? 0.5 * (v0Mps + v1Mps) * dtNanos / 1e9 : 0;
    }

    /** Driving time of one interval: all of it when the vehicle moved, none across a gap or while standing. */
    public static long intervalDrivingNanos(long dtNanos, double v0Mps, double v1Mps) {
        return dtNanos > 0 && dtNanos <= MAX_SAMPLE_GAP_NANOS && 0.5 * (v0Mps + v1Mps) >= MOVING_MPS ? dtNanos : 0;
    }

    /**
     * One session's part of a batch: the event count and global-index range, and the exposure of
     * the samples within the batch. The interval from the session's last sample before the batch to
     * its first one in it is added in SQL, where that last sample is.
     */
    static final class Batch {
        long count;
        long minGlobalIndex = Long.MAX_VALUE;
        long maxGlobalIndex = Long.MIN_VALUE;
        long firstStateNanos = Long.MIN_VALUE;
        double firstSpeedMps;
        long lastStateNanos = Long.MIN_VALUE;
        Long endedAtNanos;
        String endReason;
        double lastSpeedMps;
        double distanceM;
        long drivingNanos;

        void sample(long t, double v) {
            if (firstStateNanos == Long.MIN_VALUE) {
                firstStateNanos = t;
                firstSpeedMps = v;
            } else {
                distanceM += intervalDistanceM(t - lastStateNanos, lastSpeedMps, v);
                drivingNanos += intervalDrivingNanos(t - lastStateNanos, lastSpeedMps, v);
            }
            lastStateNanos = t;
            lastSpeedMps = v;
        }
    }

    /**
     * Per-batch (count, min and max global index) per session, flushed after the inserts above.
     * {@code last_global_index} is the last event already counted, so a batch is added only if all
     * of it is new; a new row starts just below its DriveSessionStarted.
     */
    private Batch counts(String sessionId, long globalIndex) {
        // Registered after the writer's own prepare-commit hook, so the session row exists when the counts are written, even
        // when the batch began with another session's events (hooks run in the order they were registered).
        writer.registerFirst();
        Map<String, Batch> counts = ProcessorBatch.state(COUNTS_KEY, HashMap::new, (Map<String, Batch> m) -> {
            m.forEach(this::flush);
            m.clear();
        });
        Batch c = counts.computeIfAbsent(sessionId, k -> new Batch());
        c.count++;
        c.minGlobalIndex = Math.min(c.minGlobalIndex, globalIndex);
        c.maxGlobalIndex = Math.max(c.maxGlobalIndex, globalIndex);
        return c;
    }

    private void flush(String session, Batch c) {
        if (c.endedAtNanos != null) {
            jdbc.update("update sessions set ended_at_nanos = ?, end_reason = ? where session_id = ?", c.endedAtNanos, c.endReason, session);
        }
        if (c.firstStateNanos == Long.MIN_VALUE) {
            jdbc.update("update sessions set event_count = event_count + ?, last_global_index = ?"
                    + " where session_id = ? and last_global_index < ?", c.count, c.maxGlobalIndex, session, c.minGlobalIndex);
            return;
        }
        // The bridging interval (the row's last sample to the batch's first) is computed from the row
        // as it is before this update: PostgreSQL evaluates every right-hand side on the old row.
        String bridgeDt = "(? - last_state_nanos)";
        String bridges = "last_state_nanos is not null and " + bridgeDt + " > 0 and " + bridgeDt + " <= " + MAX_SAMPLE_GAP_NANOS;
        jdbc.update("update sessions set event_count = event_count + ?, last_global_index = ?,"
                        + " distance_m = distance_m + ? + case when " + bridges + " then 0.5 * (last_speed_mps + ?) * " + bridgeDt
                        + " / 1e9 else 0 end,"
                        + " driving_nanos = driving_nanos + ? + case when " + bridges + " and 0.5 * (last_speed_mps + ?) >= " + MOVING_MPS
                        + " then " + bridgeDt + " else 0 end,"
                        + " last_state_nanos = ?, last_speed_mps = ?"
                        + " where session_id = ? and last_global_index < ?",
                c.count, c.maxGlobalIndex,
                c.distanceM, c.firstStateNanos, c.firstStateNanos, c.firstSpeedMps, c.firstStateNanos,
                c.drivingNanos, c.firstStateNanos, c.firstStateNanos, c.firstSpeedMps, c.firstStateNanos,
                c.lastStateNanos, c.lastSpeedMps, session, c.minGlobalIndex);
    }

    @ResetHandler
    void reset() {
        jdbc.update("truncate table sessions");
    }
}
