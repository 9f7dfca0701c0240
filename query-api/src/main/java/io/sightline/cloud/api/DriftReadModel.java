package io.sightline.cloud.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.monitoring.drift.DriftEvaluator;
import io.sightline.domain.event.DriftMeasurement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Reads the drift monitor's tables ({@code drift_status}, {@code drift_findings}), always within one fleet. */
@Component
public class DriftReadModel {

    /** The latest comparison of one feature in one scope. */
    public record Status(String scope, String scopeKey, String feature, String modelSha256, String verdict, String reason,
                         DriftMeasurement measurement, DriftEvaluator.Histogram histogram, List<String> referenceSessionIds,
                         List<String> currentSessionIds, long evaluatedAtNanos, String driftPolicyVersion) {
    }

    /** A DriftDetected, with its DriftCleared once it cleared. */
    public record Finding(String findingId, String detectedEventId, String scope, String scopeKey, String modelSha256, String feature,
                          DriftMeasurement measurement, List<String> currentSessionIds, long detectedAtNanos, String clearedEventId,
                          Long clearedAtNanos) {
    }

    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };

    private final JdbcTemplate jdbc;
    private final ObjectMapper json = new ObjectMapper();

    public DriftReadModel(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public List<Status> status(String fleetId, String scope, String feature) {
        return jdbc.query("select scope, scope_key, feature, model_sha256, verdict, reason, measurement, histogram, reference_session_ids,"
                        + " current_session_ids, evaluated_at_nanos, drift_policy_version from drift_status where fleet_id = ?"
                        + " and (cast(? as text) is null or scope = ?) and (cast(? as text) is null or feature = ?) order by scope, scope_key, feature",
                (rs, i) -> new Status(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                        read(rs.getString(7), DriftMeasurement.class), read(rs.getString(8), DriftEvaluator.Histogram.class),
                        strings(rs.getString(9)), strings(rs.getString(10)), rs.getLong(11), rs.getString(12)),
                fleetId, scope, scope, feature, feature);
    }

    /** Findings detected in [fromNanos, toNanos), newest first. */
    public List<Finding> findings(String fleetId, long fromNanos, long toNanos, int limit) {
        return jdbc.query(FINDING_COLUMNS + " where fleet_id = ? and detected_at_nanos >= ? and detected_at_nanos < ?"
                + " order by detected_at_nanos desc, finding_id limit ?", this::finding, fleetId, fromNanos, toNanos, limit);
    }

    /**
     * The findings an alert was raised under: of its model in its fleet, its vehicle or its fleet,
     * whose current window holds the alert's session, or that were open when it was raised.
     */
    public List<Finding> inForce(String fleetId, String vehicleId, List<String> modelSha256s, String sessionId, long atNanos) {
        List<String> keys = new ArrayList<>();
        for (String sha : modelSha256s) {
            keys.add("MODEL " + fleetId + "/" + sha);
        }
        keys.add("VEHICLE " + fleetId + "/" + vehicleId);
        keys.add("FLEET " + fleetId);
        String in = String.join(",", java.util.Collections.nCopies(keys.size(), "?"));
        List<Object> args = new ArrayList<>();
        args.add(fleetId);
        args.addAll(keys);
        args.add(sessionId);
        args.add(atNanos);
        args.add(atNanos);
        return jdbc.query(FINDING_COLUMNS + " where fleet_id = ? and scope || ' ' || scope_key in (" + in + ")"
                + " and (jsonb_exists(current_session_ids, ?) or (detected_at_nanos <= ? and (cleared_at_nanos is null or cleared_at_nanos > ?)))"
                + " order by detected_at_nanos, finding_id", this::finding, args.toArray());
    }

    /** Which of these sessions the drift monitor has stored for the fleet: the ones a reference can be pinned to. */
    public java.util.Set<String> storedSessions(String fleetId, List<String> sessionIds) {
        if (sessionIds.isEmpty()) {
            return java.util.Set.of();
        }
        String in = String.join(",", java.util.Collections.nCopies(sessionIds.size(), "?"));
        List<Object> args = new ArrayList<>();
        args.add(fleetId);
        args.addAll(sessionIds);
        return new java.util.HashSet<>(jdbc.queryForList("select session_id from drift_session_features where fleet_id = ? and session_id in ("
                + in + ")", String.class, args.toArray()));
    }

    /** Findings whose current window holds the session (session ids are unique store-wide, so this stays in its fleet). */
    public List<Finding> findingsWithSessionInWindow(String sessionId) {
        return jdbc.query(FINDING_COLUMNS + " where jsonb_exists(current_session_ids, ?) order by detected_at_nanos, finding_id", this::finding,
                sessionId);
    }

    /** Open findings by scope and feature, across fleets: what the metrics say. */
    public Map<String, Long> openByScopeAndFeature() {
        Map<String, Long> out = new TreeMap<>();
        jdbc.query("select scope, feature, count(*) from drift_findings where cleared_at_nanos is null group by scope, feature",
                rs -> {
                    out.put(rs.getString(1) + " " + rs.getString(2), rs.getLong(3));
                });
        return out;
    }

    private static final String FINDING_COLUMNS = "select finding_id, detected_event_id, scope, scope_key, model_sha256, feature, measurement,"
            + " current_session_ids, detected_at_nanos, cleared_event_id, cleared_at_nanos from drift_findings";

    private Finding finding(ResultSet rs, int i) throws SQLException {
        long cleared = rs.getLong(11);
        return new Finding(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                read(rs.getString(7), DriftMeasurement.class), strings(rs.getString(8)), rs.getLong(9), rs.getString(10),
                rs.wasNull() ? null : cleared);
    }

    private List<String> strings(String s) {
        try {
            return s == null ? List.of() : json.readValue(s, STRINGS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("drift table holds unreadable JSON: " + e.getOriginalMessage(), e);
        }
    }

    private <T> T read(String s, Class<T> type) {
        try {
            return s == null ? null : json.readValue(s, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("drift table holds unreadable JSON: " + e.getOriginalMessage(), e);
        }
    }
}
