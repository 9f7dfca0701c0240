package io.sightline.cloud.api;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Reads the {@code sessions} projection: the one class that knows its columns (CloudArchitectureTest). */
@Component
public class SessionReadModel {

    /** Driving exposure of one policy version's sessions. */
    public record Exposure(long sessions, long drivingNanos, double distanceM) {
    }

    private final JdbcTemplate jdbc;

    public SessionReadModel(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Driving time and distance of the fleet's sessions started in [fromNanos, toNanos), per policy
     * version (V9: the sessions projection integrates the ego speed).
     */
    public Map<String, Exposure> exposure(String fleetId, long fromNanos, long toNanos) {
        Map<String, Exposure> out = new TreeMap<>();
        jdbc.query("select policy_version, count(*), coalesce(sum(driving_nanos), 0), coalesce(sum(distance_m), 0) from sessions"
                        + " where fleet_id = ? and started_at_nanos >= ? and started_at_nanos < ? group by policy_version",
                rs -> {
                    out.put(rs.getString(1), new Exposure(rs.getLong(2), rs.getLong(3), rs.getDouble(4)));
                }, fleetId, fromNanos, toNanos);
        return out;
    }

    /**
     * A session's speed-integrated driving time as the sessions projection has it (V9).
     *
     * @param sampled whether any {@code VehicleStateSampled} of the session was projected
     * @param ended   whether the projection has seen the session's {@code DriveSessionEnded}
     */
    public record DrivingTime(String sessionId, boolean sampled, boolean ended, long drivingNanos) {
    }

    /** The driving time of each of {@code sessionIds} the sessions projection holds; sessions it does not hold are absent. */
    public Map<String, DrivingTime> drivingTime(java.util.Collection<String> sessionIds) {
        Map<String, DrivingTime> out = new java.util.HashMap<>();
        if (sessionIds.isEmpty()) {
            return out;
        }
        jdbc.query("select session_id, last_state_nanos is not null, ended_at_nanos is not null, driving_nanos from sessions"
                + " where session_id = any (?)", rs -> {
            out.put(rs.getString(1), new DrivingTime(rs.getString(1), rs.getBoolean(2), rs.getBoolean(3), rs.getLong(4)));
        }, (Object) sessionIds.toArray(String[]::new));
        return out;
    }

    /** A drive session as hard-example mining scopes it. */
    public record SessionSpan(String sessionId, String vehicleId, String policyVersion, long startedAtNanos, Long endedAtNanos) {
    }

    /** The fleet's sessions that overlap [fromNanos, toNanos): started before its end, not ended before its start. */
    public List<SessionSpan> overlapping(String fleetId, long fromNanos, long toNanos) {
        return jdbc.query("select session_id, vehicle_id, policy_version, started_at_nanos, ended_at_nanos from sessions"
                        + " where fleet_id = ? and started_at_nanos < ? and (ended_at_nanos is null or ended_at_nanos >= ?)"
                        + " order by started_at_nanos, session_id",
                (rs, i) -> new SessionSpan(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        rs.getObject(5, Long.class)), fleetId, toNanos, fromNanos);
    }
}
