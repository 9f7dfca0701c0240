package io.sightline.cloud.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.domain.monitoring.LatencyCusum;
import io.sightline.domain.monitoring.LatencyDetectorConfig;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Reads the latency monitor's tables ({@code latency_session_p95}, {@code latency_findings},
 * {@code latency_detectors}; written by LatencyMonitorProjection): the one class that knows their
 * columns (CloudArchitectureTest). Every query is scoped to one fleet.
 */
@Component
public class LatencyReadModel {

    public static final int DEFAULT_LIMIT = 2_000;
    public static final int MAX_LIMIT = 20_000;
    public static final String NOT_ENOUGH_DATA = "NOT_ENOUGH_DATA";
    public static final String MONITORING = "MONITORING";

    @Schema(description = "Latency monitoring of a fleet: the detector configuration, one series per (model, software version, stage)"
            + " and the findings (LatencyRegressionDetected events).")
    public record Report(String fleetId, LatencyDetectorConfig config, List<Series> series, List<Finding> findings) {
    }

    @Schema(description = "The per-session p95 of one stage for one model sha256 and software version, oldest first, with the"
            + " detector's state. status NOT_ENOUGH_DATA: the reference is still being collected (referenceSessionsCollected of"
            + " referenceSessionsRequired) and no verdict is given; it is also the state right after a finding, while the next"
            + " sessions form the new reference. changePointSessionIds: the sessions at which a finding was raised.")
    public record Series(String modelSha256, String softwareVersion, String stage, String status, String detail,
                         int referenceSessionsCollected, int referenceSessionsRequired,
                         @Schema(description = "median of the reference sessions' p95s; null while collecting") Long referenceP95Micros,
                         @Schema(description = "robust spread of the reference, the unit of statistic; null while collecting") Long referenceScaleMicros,
                         @Schema(description = "the CUSUM now, in reference spreads") double statistic,
                         double thresholdSigmas, List<SessionPoint> sessions, List<String> changePointSessionIds) {
    }

    @Schema(description = "One session of a series. phase REFERENCE: it joined the reference; MONITORING: it moved the statistic;"
            + " SKIPPED: too few frames of the stage for a p95 worth a verdict.")
    public record SessionPoint(String sessionId, String vehicleId, long endedAtNanos, long p95Micros, long frames, int windows, String phase,
                               @Schema(description = "(p95 - reference median) / reference spread; null outside MONITORING") Double zScore,
                               @Schema(description = "the CUSUM after this session, in reference spreads") Double statistic,
                               boolean alarm) {
    }

    @Schema(description = "A LatencyRegressionDetected event as stored; its causal trace starts at eventId.")
    public record Finding(String eventId, String findingId, String modelSha256, String softwareVersion, String stage, String configVersion,
                          int referenceSessions, long referenceP95Micros, long referenceScaleMicros, long currentP95Micros, double statistic,
                          double thresholdSigmas, double allowanceSigmas, double marginSigmas, List<String> sessionIds,
                          List<Long> sessionP95Micros, long detectedAtNanos, long globalIndex) {
    }

    /** What the Prometheus gauges show per key. */
    public record KeyFigures(String fleetId, String modelSha256, String softwareVersion, String stage, long regressions) {
    }

    private final JdbcTemplate jdbc;
    private final ObjectMapper json = new ObjectMapper();

    public LatencyReadModel(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The fleet's series and findings; sessions by end time and findings by detection time in
     * [fromNanos, toNanos), the latest {@code limit} sessions. Null filters match everything.
     */
    public Report report(String fleetId, String stage, String modelSha256, String softwareVersion, long fromNanos, long toNanos, int limit) {
        if (stage != null && !LatencyDetectorConfig.STAGES.contains(stage)) {
            throw new IllegalArgumentException("unknown stage '" + stage + "'; the stages are " + String.join(", ", LatencyDetectorConfig.STAGES));
        }
        if (fromNanos > toNanos) {
            throw new IllegalArgumentException("fromNanos (" + fromNanos + ") is after toNanos (" + toNanos + "): an inverted range");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be in 1.." + MAX_LIMIT + ", got " + limit);
        }
        StringBuilder filter = new StringBuilder();
        List<Object> args = new ArrayList<>(List.of(fleetId, fromNanos, toNanos));
        if (stage != null) {
            filter.append(" and stage = ?");
            args.add(stage);
        }
        if (modelSha256 != null) {
            filter.append(" and model_sha256 = ?");
            args.add(modelSha256);
        }
        if (softwareVersion != null) {
            filter.append(" and software_version = ?");
            args.add(softwareVersion);
        }
        List<Object> sessionArgs = new ArrayList<>(args);
        sessionArgs.add(limit);
        record Row(String model, String version, String stage, SessionPoint point) {
        }
        List<Row> rows = jdbc.query("select model_sha256, software_version, stage, session_id, vehicle_id, ended_at_nanos, p95_micros, frames,"
                        + " windows, phase, z_score, statistic, alarm from latency_session_p95"
                        + " where fleet_id = ? and ended_at_nanos >= ? and ended_at_nanos < ?" + filter
                        + " order by end_global_index desc, model_sha256, stage limit ?",
                (rs, i) -> new Row(rs.getString(1), rs.getString(2), rs.getString(3), new SessionPoint(rs.getString(4), rs.getString(5),
                        rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getInt(9), rs.getString(10), (Double) rs.getObject(11),
                        (Double) rs.getObject(12), rs.getBoolean(13))),
                sessionArgs.toArray());
        Collections.reverse(rows);
        List<Finding> findings = jdbc.query("select event_id, finding_id, model_sha256, software_version, stage, config_version,"
                        + " reference_sessions, reference_p95_micros, reference_scale_micros, current_p95_micros, statistic, threshold_sigmas,"
                        + " allowance_sigmas, margin_sigmas, session_ids, session_p95_micros, detected_at_nanos, global_index"
                        + " from latency_findings where fleet_id = ? and detected_at_nanos >= ? and detected_at_nanos < ?" + filter
                        + " order by global_index",
                (rs, i) -> new Finding(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                        rs.getInt(7), rs.getLong(8), rs.getLong(9), rs.getLong(10), rs.getDouble(11), rs.getDouble(12), rs.getDouble(13),
                        rs.getDouble(14), read(rs.getString(15), new TypeReference<List<String>>() { }),
                        read(rs.getString(16), new TypeReference<List<Long>>() { }), rs.getLong(17), rs.getLong(18)),
                args.toArray());
        Map<List<String>, List<SessionPoint>> bySeries = new LinkedHashMap<>();
        for (Row r : rows) {
            bySeries.computeIfAbsent(List.of(r.model(), r.version(), r.stage()), k -> new ArrayList<>()).add(r.point());
        }
        LatencyDetectorConfig config = LatencyDetectorConfig.current();
        List<Series> series = new ArrayList<>();
        for (Map.Entry<List<String>, List<SessionPoint>> e : bySeries.entrySet()) {
            String model = e.getKey().get(0);
            String version = e.getKey().get(1);
            String st = e.getKey().get(2);
            LatencyCusum.State state = state(fleetId, model, version, st, config);
            List<String> changePoints = findings.stream()
                    .filter(f -> f.modelSha256().equals(model) && f.softwareVersion().equals(version) && f.stage().equals(st))
                    .map(f -> f.sessionIds().get(f.sessionIds().size() - 1)).toList();
            boolean monitoring = state.phase(config) == LatencyCusum.Phase.MONITORING;
            int collected = Math.min(state.reference().size(), config.referenceSessions());
            String detail = monitoring
                    ? "held to a reference of " + config.referenceSessions() + " sessions"
                    : "not enough data: the reference has " + collected + " of " + config.referenceSessions() + " sessions; no verdict yet";
            series.add(new Series(model, version, st, monitoring ? MONITORING : NOT_ENOUGH_DATA, detail, collected, config.referenceSessions(),
                    monitoring ? Math.round(state.referenceMedianMicros()) : null,
                    monitoring ? Math.round(state.referenceScaleMicros()) : null, state.statistic(), config.thresholdSigmas(),
                    e.getValue(), changePoints));
        }
        return new Report(fleetId, config, series, findings);
    }

    /** Findings per key, every fleet: the Prometheus gauges. */
    public List<KeyFigures> regressionsPerKey() {
        return jdbc.query("select fleet_id, model_sha256, software_version, stage, count(*) from latency_findings"
                        + " group by fleet_id, model_sha256, software_version, stage order by 1, 2, 3, 4",
                (rs, i) -> new KeyFigures(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5)));
    }

    private LatencyCusum.State state(String fleetId, String model, String version, String stage, LatencyDetectorConfig config) {
        List<String> states = jdbc.queryForList("select state_json from latency_detectors where fleet_id = ? and model_sha256 = ?"
                + " and software_version = ? and stage = ? and config_version = ?", String.class, fleetId, model, version, stage, config.version());
        return states.isEmpty() ? LatencyCusum.State.initial() : read(states.get(0), new TypeReference<LatencyCusum.State>() { });
    }

    private <T> T read(String text, TypeReference<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable latency monitor row: " + e.getOriginalMessage(), e);
        }
    }
}
