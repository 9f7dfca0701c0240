package io.sightline.cloud.api;

import io.sightline.domain.review.ReviewVerdict;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The one reader of the alerts processor's tables ({@code alerts}, {@code alert_sessions},
 * {@code missed_events}; CloudArchitectureTest keeps it the only one), always within one fleet: the
 * fleet is part of every statement, never a filter applied afterwards, so another fleet's row cannot
 * be returned by mistake. The one exception, {@link #eventIdOf}, serves the trace engine, which the
 * fleet-scoped callers reach only after {@link #visible}.
 */
@Component
public class AlertReadModel {

    /** Filter value for alerts nobody has reviewed yet (verdict is null in the projection). */
    public static final String UNREVIEWED = "UNREVIEWED";
    public static final int MAX_PAGE_SIZE = 500;

    private static final String COLUMNS = "alert_id, event_id, session_id, fleet_id, vehicle_id, kind, level, track_id,"
            + " policy_version, raised_at_nanos, cleared_at_nanos, cleared_reason, verdict, reviewer, reviewed_at_nanos, global_index";

    private final JdbcTemplate jdbc;

    public AlertReadModel(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Filters of the alert list; null means "any". The time range is half-open on the raise time,
     * {@code fromNanos <= raisedAtNanos < toNanos}, so adjacent windows never count an alert twice.
     * {@code alertIds}, when not null, keeps those alerts only (an evidence clip's, for one).
     */
    public record Filter(String vehicleId, Long fromNanos, Long toNanos, String kind, String level, String verdict, List<String> alertIds) {

        public Filter(String vehicleId, Long fromNanos, Long toNanos, String kind, String level, String verdict) {
            this(vehicleId, fromNanos, toNanos, kind, level, verdict, null);
        }

        public Filter {
            if (fromNanos != null && toNanos != null && fromNanos > toNanos) {
                throw new IllegalArgumentException("time range is inverted: fromNanos " + fromNanos + " is after toNanos " + toNanos);
            }
            if (verdict != null && !UNREVIEWED.equals(verdict) && ReviewVerdict.parse(verdict).isEmpty()) {
                throw new IllegalArgumentException("verdict '" + verdict + "' is not one of " + List.of(ReviewVerdict.values())
                        + " or " + UNREVIEWED);
            }
        }
    }

    public record Page(List<AlertView> items, String nextCursor) {
    }

    public Page list(String fleetId, Filter filter, AlertCursor after, int limit) {
        if (limit < 1 || limit > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("limit must be 1.." + MAX_PAGE_SIZE + ", got " + limit);
        }
        StringBuilder sql = new StringBuilder("select " + COLUMNS + " from alerts where fleet_id = ?");
        List<Object> args = new ArrayList<>();
        args.add(fleetId);
        if (filter.vehicleId() != null) {
            sql.append(" and vehicle_id = ?");
            args.add(filter.vehicleId());
        }
        if (filter.fromNanos() != null) {
            sql.append(" and raised_at_nanos >= ?");
            args.add(filter.fromNanos());
        }
        if (filter.toNanos() != null) {
            sql.append(" and raised_at_nanos < ?");
            args.add(filter.toNanos());
        }
        if (filter.kind() != null) {
            sql.append(" and kind = ?");
            args.add(filter.kind());
        }
        if (filter.level() != null) {
            sql.append(" and level = ?");
            args.add(filter.level());
        }
        if (UNREVIEWED.equals(filter.verdict())) {
            sql.append(" and verdict is null");
        } else if (filter.verdict() != null) {
            sql.append(" and verdict = ?");
            args.add(filter.verdict());
        }
        if (filter.alertIds() != null) {
            sql.append(" and alert_id = any(?)");
            args.add(filter.alertIds().toArray(String[]::new));
        }
        if (after != null) {
            // Row-value comparison: one index range scan on (fleet_id, raised_at_nanos), ties broken by id.
            sql.append(" and (raised_at_nanos, alert_id) < (?, ?)");
            args.add(after.raisedAtNanos());
            args.add(after.alertId());
        }
        // One row more than asked tells whether another page exists without a count query.
        sql.append(" order by raised_at_nanos desc, alert_id desc limit ?");
        args.add(limit + 1);
        List<AlertView> rows = jdbc.query(sql.toString(), AlertReadModel::row, args.toArray());
        if (rows.size() <= limit) {
            return new Page(rows, null);
        }
        List<AlertView> page = rows.subList(0, limit);
        AlertView last = page.get(limit - 1);
        return new Page(List.copyOf(page), new AlertCursor(last.raisedAtNanos(), last.alertId()).encode());
    }

    public Optional<AlertView> find(String alertId, String fleetId) {
        return jdbc.query("select " + COLUMNS + " from alerts where alert_id = ? and fleet_id = ?", AlertReadModel::row, alertId, fleetId)
                .stream().findFirst();
    }

    /** Whether the alert exists in the fleet; another fleet's alert is absent, so its existence leaks nothing. */
    public boolean visible(String alertId, String fleetId) {
        return positive(jdbc.queryForList("select count(*) from alerts where alert_id = ? and fleet_id = ?", Long.class, alertId, fleetId));
    }

    /** Whether the alerts processor has seen the session start in the fleet. */
    public boolean sessionVisible(String sessionId, String fleetId) {
        return positive(jdbc.queryForList("select count(*) from alert_sessions where session_id = ? and fleet_id = ?", Long.class,
                sessionId, fleetId));
    }

    /** Alerts of a session raised in [fromNanos, toNanos), oldest first: those raised during a camera-health episode, for one. */
    public List<String> alertIdsOfSession(String sessionId, String fleetId, long fromNanos, long toNanos) {
        return jdbc.queryForList("select alert_id from alerts where session_id = ? and fleet_id = ? and raised_at_nanos >= ? and raised_at_nanos < ?"
                + " order by raised_at_nanos, alert_id", String.class, sessionId, fleetId, fromNanos, toNanos);
    }

    /** The id of the AlertRaised event of an alert, once the projection has it. Not fleet-scoped: see the class comment. */
    public Optional<String> eventIdOf(String alertId) {
        return jdbc.queryForList("select event_id from alerts where alert_id = ?", String.class, alertId).stream().findFirst();
    }

    /** A reviewed alert as the training manifest lists it. */
    public record Reviewed(String alertId, String verdict, String kind, String policyVersion, String sessionId, String vehicleId) {
    }

    /**
     * The fleet's alerts raised in [fromNanos, toNanos), oldest first, as column → value in column order: the audit
     * export hashes them as they are, so the columns, their names and their order are part of the export format.
     */
    public List<Map<String, Object>> auditRows(String fleetId, long fromNanos, long toNanos) {
        return jdbc.queryForList("select alert_id, event_id, session_id, vehicle_id, kind, level, track_id, policy_version,"
                + " raised_at_nanos, cleared_at_nanos, verdict from alerts where fleet_id = ? and raised_at_nanos >= ?"
                + " and raised_at_nanos < ? order by raised_at_nanos, alert_id", fleetId, fromNanos, toNanos);
    }

    /** At most {@code limit} of the fleet's alerts with one of {@code verdicts}, raised in [fromNanos, toNanos), oldest first. */
    public List<Reviewed> withVerdict(String fleetId, List<String> verdicts, long fromNanos, long toNanos, int limit) {
        // "verdict = any(?)" keeps any set of verdicts one statement.
        return jdbc.query("select alert_id, verdict, kind, policy_version, session_id, vehicle_id from alerts"
                        + " where fleet_id = ? and verdict = any(?) and raised_at_nanos >= ? and raised_at_nanos < ?"
                        + " order by raised_at_nanos, alert_id limit ?",
                ps -> {
                    ps.setString(1, fleetId);
                    ps.setArray(2, ps.getConnection().createArrayOf("varchar", verdicts.toArray()));
                    ps.setLong(3, fromNanos);
                    ps.setLong(4, toNanos);
                    ps.setInt(5, limit);
                }, AlertReadModel::reviewed);
    }

    /** A reported miss as hard-example mining reads it. */
    public record MissedReport(String reportId, String sessionId, String kind, long occurredAtNanos, String reporter) {
    }

    /** The fleet's reported misses that occurred in [fromNanos, toNanos) (edge time), oldest first. */
    public List<MissedReport> missedEvents(String fleetId, long fromNanos, long toNanos) {
        return jdbc.query("select report_id, session_id, kind, occurred_at_nanos, reporter from missed_events"
                        + " where fleet_id = ? and occurred_at_nanos >= ? and occurred_at_nanos < ? order by occurred_at_nanos, report_id",
                (rs, i) -> new MissedReport(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5)),
                fleetId, fromNanos, toNanos);
    }

    /**
     * Per (kind, policy version) of the fleet: alerts raised in [fromNanos, toNanos) as {raised, true positives, false
     * positives, unsure, unreviewed}, and misses reported as occurring in it; keys absent from one side count 0 there.
     */
    public record QualityCounts(String kind, String policyVersion, long raised, long truePositives, long falsePositives, long unsure,
                                long unreviewed, long missedReported) {
    }

    public List<QualityCounts> qualityCounts(String fleetId, long fromNanos, long toNanos) {
        Map<List<String>, long[]> counts = new TreeMap<>((a, b) -> a.get(0).equals(b.get(0))
                ? a.get(1).compareTo(b.get(1)) : a.get(0).compareTo(b.get(0)));
        jdbc.query("select kind, policy_version, count(*),"
                        + " count(*) filter (where verdict = 'TRUE_POSITIVE'), count(*) filter (where verdict = 'FALSE_POSITIVE'),"
                        + " count(*) filter (where verdict = 'UNSURE'), count(*) filter (where verdict is null)"
                        + " from alerts where fleet_id = ? and raised_at_nanos >= ? and raised_at_nanos < ? group by kind, policy_version",
                rs -> {
                    long[] c = counts.computeIfAbsent(List.of(rs.getString(1), rs.getString(2)), k -> new long[6]);
                    for (int i = 0; i < 5; i++) {
                        c[i] = rs.getLong(3 + i);
                    }
                }, fleetId, fromNanos, toNanos);
        jdbc.query("select kind, policy_version, count(*) from missed_events"
                        + " where fleet_id = ? and occurred_at_nanos >= ? and occurred_at_nanos < ? group by kind, policy_version",
                rs -> {
                    counts.computeIfAbsent(List.of(rs.getString(1), rs.getString(2)), k -> new long[6])[5] = rs.getLong(3);
                }, fleetId, fromNanos, toNanos);
        List<QualityCounts> out = new ArrayList<>(counts.size());
        counts.forEach((key, c) -> out.add(new QualityCounts(key.get(0), key.get(1), c[0], c[1], c[2], c[3], c[4], c[5])));
        return out;
    }

    private static boolean positive(List<Long> count) {
        return !count.isEmpty() && count.get(0) != null && count.get(0) > 0;
    }

    private static Reviewed reviewed(ResultSet rs, int i) throws SQLException {
        return new Reviewed(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6));
    }

    private static AlertView row(ResultSet rs, int i) throws SQLException {
        return new AlertView(rs.getString("alert_id"), rs.getString("event_id"), rs.getString("session_id"), rs.getString("fleet_id"),
                rs.getString("vehicle_id"), rs.getString("kind"), rs.getString("level"), rs.getString("track_id"),
                rs.getString("policy_version"), rs.getLong("raised_at_nanos"), rs.getObject("cleared_at_nanos", Long.class),
                rs.getString("cleared_reason"), rs.getString("verdict"), rs.getString("reviewer"),
                rs.getObject("reviewed_at_nanos", Long.class), rs.getLong("global_index"));
    }
}
