package io.sightline.cloud.api;

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
}
