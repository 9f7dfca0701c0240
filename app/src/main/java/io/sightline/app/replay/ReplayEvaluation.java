package io.sightline.app.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.projection.SessionsProjection;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.domain.review.SessionReviewLog;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.tracking.TrackerConfig;
import io.sightline.eval.replay.ReplayBackend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * {@code evaluate --replay}: every stored session in the range, replayed with a candidate policy
 * through this build's tracker, range/TTC and actuation ({@link SessionReplay}), and compared with
 * what it recorded. Sessions, recordings and reviews are read from the event store itself
 * ({@code domain_event_entry}), not from projections, so the answer does not wait on a rebuild.
 */
public final class ReplayEvaluation implements ReplayBackend {

    @Override
    public Report evaluate(Request request, Consumer<String> progress) throws Exception {
        if (!Files.isRegularFile(request.policyFile())) {
            throw new IllegalArgumentException("--policy " + request.policyFile() + ": no such file");
        }
        RiskPolicy policy;
        try {
            policy = RiskPolicy.fromJson(request.policyFile());
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--policy " + request.policyFile() + " is not a valid risk policy: " + e.getMessage(), e);
        }
        List<String> sessions = sessions(request);
        SessionReplay.Settings settings = new SessionReplay.Settings(policy, TrackerConfig.defaults(), null);
        TreeSet<String> recordedPolicies = new TreeSet<>();
        List<AlertChange> gained = new ArrayList<>();
        List<AlertChange> lost = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        long frames = 0;
        long drivingNanos = 0;
        int recordedAlerts = 0;
        int replayedAlerts = 0;
        int tpLost = 0;
        int fpRemoved = 0;
        int unreviewedLost = 0;
        int done = 0;
        for (String sessionId : sessions) {
            progress.accept(String.format(java.util.Locale.ROOT, "evaluate --replay: session %d of %d: %s", ++done, sessions.size(), sessionId));
            SessionReplay.Outcome o;
            try {
                SessionReplay.Recorded recorded = RecordedSessions.fromStore(request.jdbcUrl(), request.user(), request.password(), sessionId);
                o = SessionReplay.replay(recorded, settings);
            } catch (IllegalArgumentException e) {
                skipped.add(sessionId + ": " + e.getMessage());
                continue;
            }
            recordedPolicies.add(o.start().policyVersion());
            frames += o.frames();
            drivingNanos += drivingNanos(o.recorded().events());
            SessionReplay.Diff d = SessionReplay.diff(o);
            SessionReplay.TypeCounts raised = d.byType().get("AlertRaised");
            if (raised != null) {
                recordedAlerts += (int) raised.recorded;
                replayedAlerts += (int) raised.replayed;
            }
            Map<String, String> verdicts = verdicts(request, sessionId);
            Map<String, String> alertIds = alertIds(o);
            for (SessionReplay.AlertAt a : d.alertsLost()) {
                String alertId = alertIds.getOrDefault(a.alertId(), a.alertId());
                String verdict = verdicts.get(alertId);
                lost.add(new AlertChange(sessionId, alertId, a.kind(), a.atS(), verdict));
                if ("TRUE_POSITIVE".equals(verdict)) {
                    tpLost++;
                } else if ("FALSE_POSITIVE".equals(verdict)) {
                    fpRemoved++;
                } else if (verdict == null) {
                    unreviewedLost++;
                }
            }
            for (SessionReplay.AlertAt a : d.alertsGained()) {
                gained.add(new AlertChange(sessionId, alertIds.getOrDefault(a.alertId(), a.alertId()), a.kind(), a.atS(), null));
            }
        }
        double hours = drivingNanos / 3.6e12;
        Double before = hours > 0 ? recordedAlerts / hours : null;
        Double after = hours > 0 ? replayedAlerts / hours : null;
        return new Report(policy.version(), List.copyOf(recordedPolicies), request.fleetId(), request.fromNanos(), request.toNanos(),
                sessions.size() - skipped.size(), frames, hours, recordedAlerts, replayedAlerts, gained, lost, tpLost, fpRemoved,
                unreviewedLost, before, after, hours > 0 ? after - before : null, skipped);
    }

    /**
     * Alert ids by AlertRaised event id, of both runs ({@link SessionReplay.AlertAt} carries the
     * event id; ADR-0017 makes the two equal, but the verdicts are keyed by the payload's).
     */
    private static Map<String, String> alertIds(SessionReplay.Outcome o) {
        Map<String, String> ids = new HashMap<>();
        for (EventEnvelope e : o.recorded().events()) {
            if (e.payload() instanceof AlertRaised r) {
                ids.put(e.eventId(), r.alertId());
            }
        }
        for (SessionReplay.Produced p : o.replayed()) {
            if (p.payload() instanceof AlertRaised r) {
                ids.putIfAbsent(p.eventId(), r.alertId());
            }
        }
        return ids;
    }

    /**
     * Time between consecutive vehicle-state samples at which the vehicle moved, by the sessions
     * projection's rule, so that the rates agree with {@code /api/v1/quality}.
     */
    static long drivingNanos(List<EventEnvelope> events) {
        long total = 0;
        long lastT = Long.MIN_VALUE;
        double lastV = 0;
        for (EventEnvelope e : events) {
            if (e.payload() instanceof VehicleStateSampled v && Double.isFinite(v.egoSpeedMps()) && v.egoSpeedMps() >= 0) {
                long t = v.sampleTimeNanos();
                if (lastT != Long.MIN_VALUE) {
                    total += SessionsProjection.intervalDrivingNanos(t - lastT, lastV, v.egoSpeedMps());
                }
                lastT = t;
                lastV = v.egoSpeedMps();
            }
        }
        return total;
    }

    private static Connection connect(Request r) throws SQLException {
        Properties props = new Properties();
        if (r.user() != null) {
            props.setProperty("user", r.user());
        }
        if (r.password() != null) {
            props.setProperty("password", r.password());
        }
        return DriverManager.getConnection(r.jdbcUrl(), props);
    }

    /** The sessions that started in the range (and fleet), oldest first, from their DriveSessionStarted. */
    static List<String> sessions(Request r) throws SQLException, IOException {
        ObjectMapper json = new ObjectMapper();
        record Started(String sessionId, long startNanos) {
        }
        List<Started> out = new ArrayList<>();
        try (Connection c = connect(r);
             PreparedStatement ps = c.prepareStatement("select aggregate_identifier, payload from domain_event_entry where sequence_number = 0"
                     + " and payload_type = 'io.sightline.domain.event.DriveSessionStarted'")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    JsonNode p = json.readTree(new String(rs.getBytes(2), StandardCharsets.UTF_8));
                    long start = p.path("startTimeNanos").asLong();
                    if ((r.fleetId() == null || r.fleetId().equals(p.path("fleetId").asText()))
                            && (r.fromNanos() == null || start >= r.fromNanos()) && (r.toNanos() == null || start < r.toNanos())) {
                        out.add(new Started(rs.getString(1), start));
                    }
                }
            }
        }
        out.sort(java.util.Comparator.comparingLong(Started::startNanos).thenComparing(Started::sessionId));
        return out.stream().map(Started::sessionId).toList();
    }

    /** The reviewers' latest verdict per alert id of the session, from its review log. */
    static Map<String, String> verdicts(Request r, String sessionId) throws SQLException, IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, String> out = new HashMap<>();
        try (Connection c = connect(r);
             PreparedStatement ps = c.prepareStatement("select payload from domain_event_entry where aggregate_identifier = ?"
                     + " and payload_type = 'io.sightline.domain.event.AlertReviewed' order by sequence_number")) {
            ps.setString(1, SessionReviewLog.idFor(sessionId));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    JsonNode p = json.readTree(new String(rs.getBytes(1), StandardCharsets.UTF_8));
                    out.put(p.path("alertId").asText(), p.path("verdict").asText());
                }
            }
        }
        return out;
    }
}
