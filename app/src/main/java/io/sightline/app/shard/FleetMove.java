package io.sightline.app.shard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.cloud.shard.ShardMap;
import io.sightline.cloud.shard.ShardMapFile;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Moves one fleet from its shard to another by replaying its events (ADR-0031):
 * <ol>
 *   <li>freeze the fleet in the map: the router and both shards answer it 503 "retry later", and
 *       the edge keeps its batches, so nothing lands in the source after the copy starts;</li>
 *   <li>copy the fleet's aggregates' events, in their global order, into the target's event store
 *       (new global indexes there, same aggregate ids, sequences and event ids), with the device
 *       keys, session owners, evidence frames and window requests that are not events;</li>
 *   <li>check the target holds every copied event, then point the fleet at the target and thaw it:
 *       the target's tracking processors see the copied events as new and build their projections;</li>
 *   <li>once the source's processors have passed the fleet's last event, delete the fleet's events
 *       and every row derived from them in the source.</li>
 * </ol>
 * Copying is idempotent (an event already in the target is skipped), so a move that stopped half way
 * is finished by running it again. Copied events carry {@value #MOVED_FROM} in their metadata, so
 * the target's alert notifier does not announce old alerts again.
 */
public final class FleetMove {

    /** Metadata key on copied events: the shard they were moved from. */
    public static final String MOVED_FROM = io.sightline.cloud.notify.AlertNotifier.MOVED_FROM_SHARD;
    /** Not events, not derived from them: copied with the fleet, then deleted from the source. */
    static final List<String> FLEET_STATE = List.of("ingest_device_key", "ingest_session_device", "evidence_frame", "window_requests");
    /** Axon's and Flyway's own tables: the events are moved explicitly, the rest belongs to the store itself. */
    static final Set<String> STORE_TABLES = Set.of("domain_event_entry", "snapshot_event_entry", "token_entry", "saga_entry",
            "association_value_entry", "dead_letter_entry", "flyway_schema_history");
    private static final Pattern TOKEN_INDEX = Pattern.compile("\"index\"\\s*:\\s*(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a move did. */
    public record Report(String fleetId, String from, String to, int aggregates, long eventsCopied, long eventsAlreadyThere,
                         long stateRowsCopied, long sourceEventsDeleted, long sourceRowsDeleted, List<String> leftShared) {
    }

    private final Path mapFile;
    private final String user;
    private final String password;
    private final Duration drain;
    private final Duration catchUp;
    private final Duration deviceKeyCache;
    private final PrintStream out;

    /**
     * @param drain   how long requests already inside a shard may take to finish after the freeze
     * @param catchUp how long to wait for the source's processors to pass the fleet's last event before deleting it
     * @param deviceKeyCache the shards' {@code sightline.ingest.device-key-cache-seconds}: the target may remember a device of
     *                       the fleet as unknown (it knocked at the wrong shard) for that long after its key was copied, so the
     *                       fleet stays frozen until then rather than have its vehicles' batches refused
     */
    public FleetMove(Path mapFile, String user, String password, Duration drain, Duration catchUp, Duration deviceKeyCache,
                     PrintStream out) {
        this.mapFile = mapFile;
        this.user = user;
        this.password = password;
        this.drain = drain;
        this.catchUp = catchUp;
        this.deviceKeyCache = deviceKeyCache;
        this.out = out;
    }

    public Report move(String fleetId, String toShard) throws SQLException, InterruptedException {
        ShardMap map = new ShardMapFile(mapFile).current();
        ShardMap.Shard from = map.shardOf(fleetId).orElseThrow(() -> new IllegalArgumentException(
                "fleet " + fleetId + " is on no shard of " + mapFile + " (fleets: " + map.fleets().keySet() + ")"));
        ShardMap.Shard to = map.shard(toShard).orElseThrow(() -> new IllegalArgumentException(
                "no shard '" + toShard + "' in " + mapFile + " (shards: " + map.shards().keySet() + ")"));
        if (from.id().equals(to.id())) {
            throw new IllegalArgumentException("fleet " + fleetId + " is already on shard " + to.id());
        }
        for (ShardMap.Shard s : List.of(from, to)) {
            if (s.jdbcUrl() == null) {
                throw new IllegalArgumentException(mapFile + ": shard." + s.id() + ".jdbc is needed to move a fleet");
            }
        }
        map.withFrozen(fleetId, true).write(mapFile);
        out.printf(Locale.ROOT, "fleet %s frozen on shard %s; draining in-flight requests for %.1f s%n", fleetId, from.id(),
                (drain.toMillis() + 2 * ShardMapFile.CHECK_INTERVAL_MILLIS) / 1000.0);
        Thread.sleep(drain.toMillis() + 2 * ShardMapFile.CHECK_INTERVAL_MILLIS);
        boolean flipped = false;
        try (Connection a = DriverManager.getConnection(from.jdbcUrl(), user, password);
             Connection b = DriverManager.getConnection(to.jdbcUrl(), user, password)) {
            Set<String> sessions = sessionsOf(a, fleetId);
            Set<String> aggregates = new LinkedHashSet<>();
            for (String s : sessions) {
                aggregates.add(s);
                aggregates.add(s + "/reviews");
            }
            aggregates.addAll(applicationLogsOf(a, sessions));
            List<String> shared = new ArrayList<>();
            aggregates.addAll(fleetTagged(a, fleetId, shared));
            long[] copied = copyEvents(a, b, aggregates, from.id());
            long state = 0;
            for (String table : FLEET_STATE) {
                state += copyRows(a, b, table, fleetId, sessions);
            }
            long keysCopiedAt = System.nanoTime();
            verify(a, b, aggregates);
            out.printf(Locale.ROOT, "copied %,d events of %,d aggregates (%,d already there) and %,d rows of device keys, session owners,"
                    + " evidence and window requests to shard %s%n", copied[0], aggregates.size(), copied[1], state, to.id());

            long wait = deviceKeyCache.toNanos() - (System.nanoTime() - keysCopiedAt);
            if (wait > 0) {
                out.printf(Locale.ROOT, "waiting %.1f s for shard %s's device-key cache to forget devices it found unknown%n", wait / 1e9,
                        to.id());
                Thread.sleep(wait / 1_000_000 + 1);
            }
            ShardMap.load(mapFile).withFleet(fleetId, to.id()).withFrozen(fleetId, false).write(mapFile);
            flipped = true;
            out.printf("fleet %s now served by shard %s (%s)%n", fleetId, to.id(), to.url());

            awaitProcessors(a, aggregates);
            long[] deleted = deleteFromSource(a, fleetId, sessions, aggregates);
            out.printf(Locale.ROOT, "deleted %,d events and %,d derived rows of fleet %s from shard %s%n", deleted[0], deleted[1], fleetId,
                    from.id());
            if (!shared.isEmpty()) {
                out.println("left on shard " + from.id() + " (their events mix fleets): " + shared);
            }
            return new Report(fleetId, from.id(), to.id(), aggregates.size(), copied[0], copied[1], state, deleted[0], deleted[1], shared);
        } finally {
            if (!flipped) {
                // Nothing was switched: the fleet stays where it was, served again.
                ShardMap.load(mapFile).withFrozen(fleetId, false).write(mapFile);
                out.println("move of fleet " + fleetId + " abandoned; it stays on shard " + from.id());
            }
        }
    }

    /** The cloud-side applications' logs of these sessions ({@code <session>/apps/<application>}, ADR-0029). */
    static Set<String> applicationLogsOf(Connection c, Set<String> sessions) throws SQLException {
        Set<String> out = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement("select aggregate_identifier from domain_event_entry where sequence_number = 0"
                + " and aggregate_identifier like '%" + io.sightline.domain.apps.SessionApplicationLog.SEGMENT + "%'");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString(1);
                if (io.sightline.domain.apps.SessionApplicationLog.sessionIdOf(id).filter(sessions::contains).isPresent()) {
                    out.add(id);
                }
            }
        }
        return out;
    }

    /** The fleet's drive sessions: by their first event, and by ingestion's record of who owns them. */
    static Set<String> sessionsOf(Connection c, String fleetId) throws SQLException {
        Set<String> out = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement("select aggregate_identifier from domain_event_entry where sequence_number = 0"
                + " and payload_type like '%.DriveSessionStarted' and convert_from(payload, 'UTF8')::jsonb->>'fleetId' = ?"
                + " union select session_id from ingest_session_device where fleet_id = ?")) {
            ps.setString(1, fleetId);
            ps.setString(2, fleetId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /**
     * Aggregates whose events name this fleet and no other (drift logs, assignments, rollouts).
     * Those that also name other fleets are shared (a model's latency log) and stay; their names go
     * in {@code shared}.
     */
    static Set<String> fleetTagged(Connection c, String fleetId, List<String> shared) throws SQLException {
        Set<String> out = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement("select aggregate_identifier, bool_and(f is null or f = ?) from ("
                + " select aggregate_identifier, convert_from(payload, 'UTF8')::jsonb->>'fleetId' as f from domain_event_entry) e"
                + " group by aggregate_identifier having bool_or(f = ?)")) {
            ps.setString(1, fleetId);
            ps.setString(2, fleetId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(2)) {
                        out.add(rs.getString(1));
                    } else {
                        shared.add(rs.getString(1));
                    }
                }
            }
        }
        return out;
    }

    private static long[] copyEvents(Connection a, Connection b, Set<String> aggregates, String fromShard) throws SQLException {
        long copied = 0;
        long present = 0;
        boolean autoCommit = a.getAutoCommit();
        a.setAutoCommit(false); // the PostgreSQL driver streams a result (fetch size) only inside a transaction
        b.setAutoCommit(false);
        try (PreparedStatement read = a.prepareStatement("select aggregate_identifier, sequence_number, type, event_identifier, meta_data,"
                + " payload, payload_revision, payload_type, time_stamp from domain_event_entry where aggregate_identifier = any(?)"
                + " order by global_index");
             PreparedStatement write = b.prepareStatement("insert into domain_event_entry (aggregate_identifier, sequence_number, type,"
                     + " event_identifier, meta_data, payload, payload_revision, payload_type, time_stamp) values (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                     + " on conflict do nothing")) {
            read.setFetchSize(1000);
            Array ids = a.createArrayOf("varchar", aggregates.toArray());
            read.setArray(1, ids);
            int pending = 0;
            try (ResultSet rs = read.executeQuery()) {
                while (rs.next()) {
                    write.setString(1, rs.getString(1));
                    write.setLong(2, rs.getLong(2));
                    write.setString(3, rs.getString(3));
                    write.setString(4, rs.getString(4));
                    write.setBytes(5, markMoved(rs.getBytes(5), fromShard));
                    write.setBytes(6, rs.getBytes(6));
                    write.setString(7, rs.getString(7));
                    write.setString(8, rs.getString(8));
                    write.setString(9, rs.getString(9));
                    write.addBatch();
                    if (++pending == 500) {
                        long[] n = count(write.executeBatch());
                        copied += n[0];
                        present += n[1];
                        pending = 0;
                    }
                }
            }
            long[] n = count(write.executeBatch());
            copied += n[0];
            present += n[1];
            b.commit();
            a.commit();
        } catch (SQLException | RuntimeException e) {
            b.rollback();
            a.rollback();
            throw e;
        } finally {
            a.setAutoCommit(autoCommit);
            b.setAutoCommit(true);
        }
        return new long[] {copied, present};
    }

    private static long[] count(int[] results) {
        long inserted = 0;
        long skipped = 0;
        for (int r : results) {
            if (r == 0) {
                skipped++;
            } else {
                // SUCCESS_NO_INFO (-2) with rewritten batches: counted as stored, verify() checks the total anyway.
                inserted++;
            }
        }
        return new long[] {inserted, skipped};
    }

    static byte[] markMoved(byte[] metaData, String fromShard) {
        try {
            ObjectNode node = metaData == null || metaData.length == 0 ? JSON.createObjectNode() : (ObjectNode) JSON.readTree(metaData);
            node.put(MOVED_FROM, fromShard);
            return JSON.writeValueAsBytes(node);
        } catch (java.io.IOException | ClassCastException e) {
            throw new IllegalStateException("an event's metadata is not a JSON object: " + new String(metaData, StandardCharsets.UTF_8), e);
        }
    }

    private long copyRows(Connection a, Connection b, String table, String fleetId, Set<String> sessions) throws SQLException {
        Set<String> columns = columns(a, table);
        if (columns.isEmpty()) {
            return 0;
        }
        String where = where(columns);
        if (where == null) {
            return 0;
        }
        long n = 0;
        try (PreparedStatement read = a.prepareStatement("select * from " + table + " where " + where)) {
            bindWhere(read, a, columns, fleetId, sessions);
            try (ResultSet rs = read.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                List<String> names = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    names.add(md.getColumnName(i));
                }
                String insert = "insert into " + table + " (" + String.join(", ", names) + ") values ("
                        + String.join(", ", java.util.Collections.nCopies(names.size(), "?")) + ") on conflict do nothing";
                try (PreparedStatement write = b.prepareStatement(insert)) {
                    while (rs.next()) {
                        for (int i = 1; i <= names.size(); i++) {
                            write.setObject(i, rs.getObject(i));
                        }
                        n += write.executeUpdate();
                    }
                }
            }
        }
        return n;
    }

    /** Rows of the fleet: by its fleet column where the table has one, else by its sessions. */
    private static String where(Set<String> columns) {
        if (columns.contains("fleet_id") && columns.contains("session_id")) {
            return "(fleet_id = ? or session_id = any(?))";
        }
        if (columns.contains("fleet_id")) {
            return "fleet_id = ?";
        }
        if (columns.contains("session_id")) {
            return "session_id = any(?)";
        }
        return null;
    }

    private static void bindWhere(PreparedStatement ps, Connection c, Set<String> columns, String fleetId, Set<String> sessions)
            throws SQLException {
        int i = 1;
        if (columns.contains("fleet_id")) {
            ps.setString(i++, fleetId);
        }
        if (columns.contains("session_id")) {
            ps.setArray(i, c.createArrayOf("varchar", sessions.toArray()));
        }
    }

    static Set<String> columns(Connection c, String table) throws SQLException {
        Set<String> out = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement("select column_name from information_schema.columns where table_schema = current_schema()"
                + " and table_name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static void verify(Connection a, Connection b, Set<String> aggregates) throws SQLException {
        String sql = "select count(*) from domain_event_entry where aggregate_identifier = any(?)";
        long inA = countOf(a, sql, aggregates);
        long inB = countOf(b, sql, aggregates);
        if (inA != inB) {
            throw new IllegalStateException("the target holds " + inB + " of the fleet's " + inA + " events after the copy; the fleet stays"
                    + " on its shard (run the move again: copying skips what is there)");
        }
    }

    private static long countOf(Connection c, String sql, Set<String> aggregates) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("varchar", aggregates.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Waits until every claimed segment of the source's processors is past the fleet's last event,
     * so deleting its derived rows is not undone by a batch still in flight.
     */
    private void awaitProcessors(Connection a, Set<String> aggregates) throws SQLException, InterruptedException {
        long last;
        try (PreparedStatement ps = a.prepareStatement("select coalesce(max(global_index), -1) from domain_event_entry"
                + " where aggregate_identifier = any(?)")) {
            ps.setArray(1, a.createArrayOf("varchar", aggregates.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                last = rs.getLong(1);
            }
        }
        long deadline = System.nanoTime() + catchUp.toNanos();
        while (true) {
            long behind = Long.MAX_VALUE;
            int tokens = 0;
            try (Statement st = a.createStatement();
                 ResultSet rs = st.executeQuery("select token from token_entry where token is not null")) {
                while (rs.next()) {
                    Matcher m = TOKEN_INDEX.matcher(new String(rs.getBytes(1), StandardCharsets.UTF_8));
                    long max = -1;
                    while (m.find()) {
                        max = Math.max(max, Long.parseLong(m.group(1)));
                    }
                    behind = Math.min(behind, max);
                    tokens++;
                }
            }
            if (tokens == 0 || behind >= last) {
                return;
            }
            if (System.nanoTime() > deadline) {
                out.printf(Locale.ROOT, "warning: the source's slowest processor is at %d, before the fleet's last event %d; deleting anyway%n",
                        behind, last);
                return;
            }
            Thread.sleep(200);
        }
    }

    private long[] deleteFromSource(Connection a, String fleetId, Set<String> sessions, Set<String> aggregates) throws SQLException {
        a.setAutoCommit(false);
        try {
            long events;
            try (PreparedStatement ps = a.prepareStatement("delete from domain_event_entry where aggregate_identifier = any(?)")) {
                ps.setArray(1, a.createArrayOf("varchar", aggregates.toArray()));
                events = ps.executeUpdate();
            }
            try (PreparedStatement ps = a.prepareStatement("delete from snapshot_event_entry where aggregate_identifier = any(?)")) {
                ps.setArray(1, a.createArrayOf("varchar", aggregates.toArray()));
                ps.executeUpdate();
            }
            long rows = 0;
            for (String table : tables(a)) {
                if (STORE_TABLES.contains(table)) {
                    continue;
                }
                Set<String> columns = columns(a, table);
                String where = where(columns);
                if (where == null) {
                    continue; // not fleet-scoped (the registry, evaluations, model-wide working tables): shared by every fleet
                }
                try (PreparedStatement ps = a.prepareStatement("delete from " + table + " where " + where)) {
                    bindWhere(ps, a, columns, fleetId, sessions);
                    rows += ps.executeUpdate();
                }
            }
            a.commit();
            return new long[] {events, rows};
        } catch (SQLException | RuntimeException e) {
            a.rollback();
            throw e;
        } finally {
            a.setAutoCommit(true);
        }
    }

    static List<String> tables(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select table_name from information_schema.tables where table_schema = current_schema()"
                + " and table_type = 'BASE TABLE' order by table_name");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
