package io.sightline.cloud.projection;

import io.sightline.domain.event.AlertCleared;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.AlertReviewed;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.MissedEventReported;
import io.sightline.domain.event.ModelActivated;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.TrackingToken;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * One row per alert ({@code alerts}): session, fleet and vehicle, kind, level, track, policy
 * version, raise and clear times, and the reviewer's verdict. The processor also keeps the
 * provenance lookups the causal trace uses: {@code alert_sessions} (fleet and vehicle from each
 * DriveSessionStarted; the {@code sessions} projection is another processor and may lag) and
 * {@code session_models} (ModelActivated by sha256).
 *
 * <p>Writes are collected for the processor's whole batch and sent as one JDBC batch per
 * statement on prepare-commit, in a fixed order (sessions, models, new alerts, clears, reviews):
 * a batch can hold an alert's raise, clear and review, and the updates must find the row.
 *
 * <p>Errors must surface in the handler, not at commit: Axon dead-letters the event whose handler
 * throws, but a failing batch flush is retried as a whole and stalls the segment. So every value
 * that could break a write (a kind longer than its column, an alert in a session whose start was
 * never projected) is checked in the handler. Note that Axon's dead-letter queue is sequenced per
 * session: once one event of a session is dead-lettered, the session's later events queue behind it
 * until it is retried or evicted.
 *
 * <p>No handler carries {@code @DisallowReplay}: this projection only writes rows that a reset
 * truncates and a replay rebuilds identically. What notifies the outside world on an alert is a
 * separate handler in the same group, {@link io.sightline.cloud.notify.AlertNotifier}, whose
 * handlers carry {@code @DisallowReplay}, so that a rebuild does not re-send years of alerts.
 */
@Component
@ProcessingGroup(AlertsProjection.NAME)
@ConditionalOnProperty(name = "sightline.projections.enabled", havingValue = "true", matchIfMissing = true)
public class AlertsProjection {

    public static final String NAME = "alerts";
    /** Width of alerts.kind, alerts.level and alerts.verdict (V2). */
    static final int SHORT_COLUMN = 64;
    static final int COLUMN = 255;

    private static final String PENDING_KEY = AlertsProjection.class.getName() + "/pending";
    private static final String INSERT_SESSION = "insert into alert_sessions (session_id, fleet_id, vehicle_id, policy_version,"
            + " started_at_nanos, started_event_id) values (?,?,?,?,?,?) on conflict (session_id) do nothing";
    private static final String INSERT_MODEL = "insert into session_models (session_id, model_sha256, global_index, event_id,"
            + " model_name, model_version) values (?,?,?,?,?,?) on conflict do nothing";
    private static final String INSERT_ALERT = "insert into alerts (alert_id, event_id, session_id, fleet_id, vehicle_id, kind, level,"
            + " track_id, policy_version, raised_at_nanos, global_index) values (?,?,?,?,?,?,?,?,?,?,?) on conflict (alert_id) do nothing";
    private static final String CLEAR_ALERT = "update alerts set cleared_at_nanos = ?, cleared_reason = ? where alert_id = ?";
    private static final String REVIEW_ALERT = "update alerts set verdict = ?, reviewer = ?, reviewed_at_nanos = ? where alert_id = ?";
    private static final String INSERT_MISSED = "insert into missed_events (report_id, session_id, fleet_id, vehicle_id, policy_version,"
            + " kind, occurred_at_nanos, reporter, reported_at_nanos, global_index) values (?,?,?,?,?,?,?,?,?,?)"
            + " on conflict (report_id) do nothing";

    private final JdbcTemplate jdbc;

    public AlertsProjection(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A session's fleet, vehicle and policy version, from its DriveSessionStarted. */
    public record SessionVehicle(String fleetId, String vehicleId, String policyVersion) {
    }

    /**
     * The session as this processor has already written it ({@code alert_sessions}); empty when its
     * DriveSessionStarted was never projected. Handlers in this processing group (the alert
     * notifier too) look here for sessions started in an earlier batch.
     */
    public static Optional<SessionVehicle> projectedSession(JdbcTemplate jdbc, String sessionId) {
        return jdbc.query("select fleet_id, vehicle_id, policy_version from alert_sessions where session_id = ?",
                (rs, i) -> new SessionVehicle(rs.getString(1), rs.getString(2), rs.getString(3)), sessionId).stream().findFirst();
    }

    /** The batch's writes, by statement, flushed in declaration order. */
    private static final class Pending {
        final Map<String, SessionVehicle> sessions = new HashMap<>();
        final List<Object[]> sessionRows = new ArrayList<>();
        final List<Object[]> modelRows = new ArrayList<>();
        final List<Object[]> alertRows = new ArrayList<>();
        final List<Object[]> clearRows = new ArrayList<>();
        final List<Object[]> reviewRows = new ArrayList<>();
        final List<Object[]> missedRows = new ArrayList<>();
    }

    private Pending pending() {
        return ProcessorBatch.state(PENDING_KEY, Pending::new, this::flush);
    }

    private void flush(Pending p) {
        batch(INSERT_SESSION, p.sessionRows);
        batch(INSERT_MODEL, p.modelRows);
        batch(INSERT_ALERT, p.alertRows);
        batch(CLEAR_ALERT, p.clearRows);
        batch(REVIEW_ALERT, p.reviewRows);
        batch(INSERT_MISSED, p.missedRows);
    }

    private void batch(String sql, List<Object[]> rows) {
        if (!rows.isEmpty()) {
            jdbc.batchUpdate(sql, rows);
            rows.clear();
        }
    }

    @EventHandler
    void on(DriveSessionStarted s, DomainEventMessage<?> message) {
        require("fleetId", s.fleetId(), COLUMN);
        require("vehicleId", s.vehicleId(), COLUMN);
        require("policyVersion", s.policyVersion(), COLUMN);
        Pending p = pending();
        p.sessions.put(message.getAggregateIdentifier(), new SessionVehicle(s.fleetId(), s.vehicleId(), s.policyVersion()));
        p.sessionRows.add(new Object[] {message.getAggregateIdentifier(), s.fleetId(), s.vehicleId(), s.policyVersion(),
                s.startTimeNanos(), message.getIdentifier()});
    }

    @EventHandler
    void on(ModelActivated m, DomainEventMessage<?> message, TrackingToken token) {
        require("modelSha256", m.modelSha256(), COLUMN);
        require("modelName", m.modelName(), COLUMN);
        require("modelVersion", m.modelVersion(), COLUMN);
        pending().modelRows.add(new Object[] {message.getAggregateIdentifier(), m.modelSha256(), globalIndex(token),
                message.getIdentifier(), m.modelName(), m.modelVersion()});
    }

    @EventHandler
    void on(AlertRaised a, DomainEventMessage<?> message, TrackingToken token) {
        require("alertId", a.alertId(), COLUMN);
        require("kind", a.kind(), SHORT_COLUMN);
        require("level", a.level(), SHORT_COLUMN);
        require("policyVersion", a.policyVersion(), COLUMN);
        if (a.trackId() != null && a.trackId().length() > COLUMN) {
            throw new IllegalArgumentException("AlertRaised.trackId longer than " + COLUMN + " characters");
        }
        // a cloud-side application's alert lives in <session>/apps/<application> (ADR-0029)
        String sessionId = io.sightline.domain.session.SessionAggregates.driveSessionOf(message.getAggregateIdentifier());
        Pending p = pending();
        SessionVehicle fleet = fleetOf(p, sessionId, "alert " + a.alertId());
        p.alertRows.add(new Object[] {a.alertId(), message.getIdentifier(), sessionId, fleet.fleetId(), fleet.vehicleId(), a.kind(),
                a.level(), a.trackId(), a.policyVersion(), a.raisedAtNanos(), globalIndex(token)});
    }

    @EventHandler
    void on(AlertCleared c) {
        require("alertId", c.alertId(), COLUMN);
        pending().clearRows.add(new Object[] {c.clearedAtNanos(), truncate(c.reason()), c.alertId()});
    }

    @EventHandler
    void on(AlertReviewed r) {
        require("alertId", r.alertId(), COLUMN);
        require("verdict", r.verdict(), SHORT_COLUMN);
        pending().reviewRows.add(new Object[] {r.verdict(), truncate(r.reviewer()), r.reviewedAtNanos(), r.alertId()});
    }

    /**
     * A reviewer's report of a hazard the system did not alert on. Stored with the session's fleet,
     * vehicle and policy version, so the quality figures count it against the policy that missed it.
     */
    @EventHandler
    void on(MissedEventReported m, TrackingToken token) {
        require("reportId", m.reportId(), COLUMN);
        require("sessionId", m.sessionId(), COLUMN);
        require("kind", m.kind(), SHORT_COLUMN);
        Pending p = pending();
        SessionVehicle fleet = fleetOf(p, m.sessionId(), "missed-event report " + m.reportId());
        p.missedRows.add(new Object[] {m.reportId(), m.sessionId(), fleet.fleetId(), fleet.vehicleId(), fleet.policyVersion(), m.kind(),
                m.occurredAtNanos(), truncate(m.reporter()), m.reportedAtNanos(), globalIndex(token)});
    }

    /** The session's fleet: from this batch if it started here, else from what earlier batches wrote. */
    private SessionVehicle fleetOf(Pending p, String sessionId, String what) {
        SessionVehicle fleet = p.sessions.get(sessionId);
        if (fleet != null) {
            return fleet;
        }
        return projectedSession(jdbc, sessionId).orElseThrow(() -> new IllegalStateException(what + " in session " + sessionId
                + " whose DriveSessionStarted was never projected: fleet and vehicle unknown"));
    }

    @ResetHandler
    void reset() {
        jdbc.update("truncate table alerts, alert_sessions, session_models, missed_events");
    }

    private static long globalIndex(TrackingToken token) {
        return token == null ? -1 : token.position().orElse(-1);
    }

    private static void require(String field, String value, int maxLength) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is missing");
        }
        if (value.length() > maxLength) {
            throw new IllegalArgumentException(field + " is " + value.length() + " characters, the column holds " + maxLength);
        }
    }

    /** Free text (reasons, reviewer names) is informative only: cut rather than dead-letter the event. */
    private static String truncate(String s) {
        return s == null || s.length() <= COLUMN ? s : s.substring(0, COLUMN);
    }
}
