package io.sightline.cloud.projection;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EdgeWindowSummarized;
import io.sightline.domain.event.LatencyRegressionDetected;
import io.sightline.domain.monitoring.LatencyCusum;
import io.sightline.domain.monitoring.LatencyDetectorConfig;
import io.sightline.domain.monitoring.LatencyMonitorLog;
import io.sightline.domain.monitoring.LatencySessionP95;
import io.sightline.domain.monitoring.RecordLatencyRegression;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.TrackingToken;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The latency monitor (issue 16 §3, ADR-0023): when a session ends, derives each stage's session
 * p95 from the session's {@code EdgeWindowSummarized} events, per model, and moves the CUSUM of
 * its key (fleet, model sha256, software version, stage); an alarm is sent to the model's
 * {@link LatencyMonitorLog} as a {@link LatencyRegressionDetected}, whose causes are the windows of
 * the sessions that tripped it. It also keeps the per-session p95 series and the stored findings
 * for {@code GET /api/v1/monitoring/latency}.
 *
 * <p>A detector's verdicts depend on the order of the sessions, so the processor has one segment
 * (application.properties) and judges sessions in the order their {@code DriveSessionEnded} was
 * stored. A replay (reset) sees the same order and reaches the same alarms at the same sessions,
 * with the same finding ids, which the log has already stored: nothing is stored twice. The
 * command runs inside the processor's unit of work, so the finding and the token commit together.
 */
@Component
@ProcessingGroup(LatencyMonitorProjection.NAME)
@ConditionalOnProperty(name = "sightline.projections.enabled", havingValue = "true", matchIfMissing = true)
public class LatencyMonitorProjection {

    public static final String NAME = "latency-monitor";
    public static final String PHASE_SKIPPED = "SKIPPED";

    private final JdbcTemplate jdbc;
    private final CommandGateway commands;
    private final ObjectMapper json = new ObjectMapper();

    public LatencyMonitorProjection(JdbcTemplate jdbc, CommandGateway commands) {
        this.jdbc = jdbc;
        this.commands = commands;
    }

    @EventHandler
    void on(DriveSessionStarted s, DomainEventMessage<?> message) {
        jdbc.update("insert into latency_sessions (session_id, fleet_id, vehicle_id, software_version, started_at_nanos)"
                        + " values (?,?,?,?,?) on conflict (session_id) do nothing",
                message.getAggregateIdentifier(), s.fleetId(), s.vehicleId(), s.softwareVersion(), s.startTimeNanos());
    }

    @EventHandler
    void on(EdgeWindowSummarized w, DomainEventMessage<?> message) {
        for (EdgeWindowSummarized.StageLatency l : w.stageLatencies()) {
            jdbc.update("insert into latency_windows (event_id, stage, session_id, model_sha256, window_index, frames, p95_micros)"
                            + " values (?,?,?,?,?,?,?) on conflict (event_id, stage) do nothing",
                    message.getIdentifier(), l.stage(), message.getAggregateIdentifier(), w.modelSha256(), w.windowIndex(), l.count(),
                    l.p95Micros());
        }
    }

    private record SessionRow(String fleetId, String vehicleId, String softwareVersion, boolean judged) {
    }

    private record Key(String modelSha256, String stage) {
    }

    @EventHandler
    void on(DriveSessionEnded e, DomainEventMessage<?> message, TrackingToken token) {
        String sessionId = message.getAggregateIdentifier();
        List<SessionRow> rows = jdbc.query("select fleet_id, vehicle_id, software_version, judged from latency_sessions where session_id = ?",
                (rs, i) -> new SessionRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)), sessionId);
        if (rows.isEmpty() || rows.get(0).judged()) {
            return;
        }
        SessionRow session = rows.get(0);
        long globalIndex = token.position().orElse(-1);
        Map<Key, List<LatencySessionP95.Window>> windows = new LinkedHashMap<>();
        jdbc.query("select model_sha256, stage, event_id, frames, p95_micros from latency_windows where session_id = ?"
                        + " order by model_sha256, stage, window_index",
                rs -> {
                    windows.computeIfAbsent(new Key(rs.getString(1), rs.getString(2)), k -> new ArrayList<>())
                            .add(new LatencySessionP95.Window(rs.getString(3), rs.getLong(4), rs.getLong(5)));
                }, sessionId);
        for (Map.Entry<Key, List<LatencySessionP95.Window>> w : windows.entrySet()) {
            judge(sessionId, session, w.getKey(), LatencySessionP95.of(w.getValue()), e.endTimeNanos(), globalIndex);
        }
        jdbc.update("update latency_sessions set judged = true where session_id = ?", sessionId);
    }

    private void judge(String sessionId, SessionRow session, Key key, LatencySessionP95.Result p95, long endedAtNanos, long globalIndex) {
        if (p95 == null) {
            return;
        }
        LatencyDetectorConfig config = LatencyDetectorConfig.current();
        String insertSeries = "insert into latency_session_p95 (session_id, model_sha256, stage, fleet_id, vehicle_id, software_version,"
                + " ended_at_nanos, end_global_index, windows, frames, p95_micros, phase, z_score, statistic, alarm, config_version)"
                + " values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) on conflict (session_id, model_sha256, stage) do nothing";
        if (p95.frames() < config.minStageFramesPerSession()) {
            jdbc.update(insertSeries, sessionId, key.modelSha256(), key.stage(), session.fleetId(), session.vehicleId(),
                    session.softwareVersion(), endedAtNanos, globalIndex, p95.windows(), p95.frames(), p95.p95Micros(), PHASE_SKIPPED,
                    null, null, false, config.version());
            return;
        }
        LatencyCusum.State state = loadState(session, key, config);
        LatencyCusum.Step step = LatencyCusum.observe(config, state, sessionId, p95.p95Micros());
        jdbc.update("insert into latency_detectors (fleet_id, model_sha256, software_version, stage, config_version, state_json)"
                        + " values (?,?,?,?,?,?) on conflict (fleet_id, model_sha256, software_version, stage)"
                        + " do update set config_version = excluded.config_version, state_json = excluded.state_json",
                session.fleetId(), key.modelSha256(), session.softwareVersion(), key.stage(), config.version(), write(step.state()));
        jdbc.update(insertSeries, sessionId, key.modelSha256(), key.stage(), session.fleetId(), session.vehicleId(), session.softwareVersion(),
                endedAtNanos, globalIndex, p95.windows(), p95.frames(), p95.p95Micros(), step.phase().name(),
                Double.isNaN(step.zScore()) ? null : step.zScore(), step.statistic(), step.alarm() != null, config.version());
        if (step.alarm() != null) {
            report(sessionId, session, key, config, step.alarm(), endedAtNanos);
        }
    }

    private void report(String sessionId, SessionRow session, Key key, LatencyDetectorConfig config, LatencyCusum.Alarm alarm,
                        long endedAtNanos) {
        List<String> causes = new ArrayList<>();
        for (String s : alarm.sessionIds()) {
            causes.addAll(jdbc.queryForList("select event_id from latency_windows where session_id = ? and model_sha256 = ? and stage = ?"
                    + " order by window_index", String.class, s, key.modelSha256(), key.stage()));
        }
        String findingId = LatencyMonitorLog.findingIdFor(session.fleetId(), key.modelSha256(), session.softwareVersion(), key.stage(), sessionId);
        LatencyRegressionDetected finding = new LatencyRegressionDetected(findingId, session.fleetId(), key.modelSha256(),
                session.softwareVersion(), key.stage(), config.version(), config.referenceSessions(), alarm.referenceP95Micros(),
                alarm.referenceScaleMicros(), alarm.currentP95Micros(), alarm.statistic(), alarm.threshold(), config.allowanceSigmas(),
                alarm.margin(), alarm.sessionIds(), alarm.sessionP95Micros(), endedAtNanos, causes);
        commands.sendAndWait(new RecordLatencyRegression(LatencyMonitorLog.idFor(key.modelSha256()), findingId, finding));
    }

    /** The key's detector; a new one when there is none, or when it ran under another configuration (its reference is re-collected). */
    private LatencyCusum.State loadState(SessionRow session, Key key, LatencyDetectorConfig config) {
        List<String> states = jdbc.queryForList("select state_json from latency_detectors where fleet_id = ? and model_sha256 = ?"
                        + " and software_version = ? and stage = ? and config_version = ?", String.class,
                session.fleetId(), key.modelSha256(), session.softwareVersion(), key.stage(), config.version());
        if (states.isEmpty()) {
            return LatencyCusum.State.initial();
        }
        try {
            return json.readValue(states.get(0), LatencyCusum.State.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable detector state of " + key + " in fleet " + session.fleetId(), e);
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @EventHandler
    void on(LatencyRegressionDetected f, DomainEventMessage<?> message, TrackingToken token) {
        jdbc.update("insert into latency_findings (event_id, finding_id, fleet_id, model_sha256, software_version, stage, config_version,"
                        + " reference_sessions, reference_p95_micros, reference_scale_micros, current_p95_micros, statistic, threshold_sigmas,"
                        + " allowance_sigmas, margin_sigmas, session_ids, session_p95_micros, detected_at_nanos, global_index)"
                        + " values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) on conflict (event_id) do nothing",
                message.getIdentifier(), f.findingId(), f.fleetId(), f.modelSha256(), f.softwareVersion(), f.stage(), f.configVersion(),
                f.referenceSessions(), f.referenceP95Micros(), f.referenceScaleMicros(), f.currentP95Micros(), f.statistic(),
                f.thresholdSigmas(), f.allowanceSigmas(), f.marginSigmas(), write(f.sessionIds()), write(f.sessionP95Micros()),
                f.detectedAtNanos(), token.position().orElse(-1));
    }

    @ResetHandler
    void reset() {
        jdbc.update("truncate table latency_sessions, latency_windows, latency_detectors, latency_session_p95, latency_findings");
    }
}
