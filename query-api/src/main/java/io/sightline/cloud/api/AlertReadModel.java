package io.sightline.cloud.api;

import io.sightline.domain.review.ReviewVerdict;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Reads the {@code alerts} projection, always within one fleet: the fleet is part of every
 * statement, never a filter applied afterwards, so another fleet's row cannot be returned by mistake.
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
     */
    public record Filter(String vehicleId, Long fromNanos, Long toNanos, String kind, String level, String verdict) {

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

    private static AlertView row(ResultSet rs, int i) throws SQLException {
        return new AlertView(rs.getString("alert_id"), rs.getString("event_id"), rs.getString("session_id"), rs.getString("fleet_id"),
                rs.getString("vehicle_id"), rs.getString("kind"), rs.getString("level"), rs.getString("track_id"),
                rs.getString("policy_version"), rs.getLong("raised_at_nanos"), rs.getObject("cleared_at_nanos", Long.class),
                rs.getString("cleared_reason"), rs.getString("verdict"), rs.getString("reviewer"),
                rs.getObject("reviewed_at_nanos", Long.class), rs.getLong("global_index"));
    }
}
