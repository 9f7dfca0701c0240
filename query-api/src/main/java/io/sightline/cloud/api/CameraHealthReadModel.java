package io.sightline.cloud.api;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Reads {@code camera_episodes}, always within one fleet (metrics aside). */
@Component
public class CameraHealthReadModel {

    /** One episode; {@code restoredAtNanos} null while it lasts. */
    public record Episode(String obstructionId, String obstructedEventId, String sessionId, String vehicleId, String condition,
                          long sinceFrameIndex, long confirmedFrameIndex, String statistic, double statisticValue, double thresholdValue,
                          double margin, String policyVersion, long obstructedAtNanos, String restoredEventId, Long restoredAtNanos,
                          Long obstructedForNanos) {
    }

    private final JdbcTemplate jdbc;

    public CameraHealthReadModel(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Episodes confirmed in [fromNanos, toNanos), newest first. */
    public List<Episode> episodes(String fleetId, long fromNanos, long toNanos, int limit) {
        return jdbc.query("select obstruction_id, obstructed_event_id, session_id, vehicle_id, condition, since_frame_index, confirmed_frame_index,"
                        + " statistic, statistic_value, threshold_value, margin, policy_version, obstructed_at_nanos, restored_event_id,"
                        + " restored_at_nanos, obstructed_for_nanos from camera_episodes where fleet_id = ? and obstructed_at_nanos >= ?"
                        + " and obstructed_at_nanos < ? order by obstructed_at_nanos desc, obstruction_id limit ?",
                (rs, i) -> new Episode(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getLong(6),
                        rs.getLong(7), rs.getString(8), rs.getDouble(9), rs.getDouble(10), rs.getDouble(11), rs.getString(12), rs.getLong(13),
                        rs.getString(14), nullable(rs.getLong(15), rs.wasNull()), nullable(rs.getLong(16), rs.wasNull())),
                fleetId, fromNanos, toNanos, limit);
    }

    private static Long nullable(long v, boolean wasNull) {
        return wasNull ? null : v;
    }

    /** Episodes still open, by condition, across fleets: what the metrics say. */
    public Map<String, Long> openByCondition() {
        Map<String, Long> out = new TreeMap<>();
        jdbc.query("select condition, count(*) from camera_episodes where restored_at_nanos is null group by condition",
                rs -> {
                    out.put(rs.getString(1), rs.getLong(2));
                });
        return out;
    }
}
