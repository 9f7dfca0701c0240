package io.sightline.uplink.journal;

import io.sightline.domain.event.ActuationCommanded;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.EventCatalog;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.ingest.EventCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's durable journal: every event is committed here, with its session and gap-free
 * sequence, before the uploader may send it. One journal per device (one SQLite file).
 *
 * <p><b>Durability.</b> WAL mode with {@code synchronous=FULL}: each commit fsyncs the WAL, so an
 * event the uploader can read survives a power cut. {@code NORMAL} would only survive a process
 * crash; after a power cut the edge could forget events the cloud already stored and then reuse
 * their sequences for new events, which the cloud would acknowledge as duplicates and silently
 * drop. The uploader reads through its own connection, which sees committed (hence fsynced) rows
 * only, so nothing leaves the edge before it is durable.
 *
 * <p><b>Group commit (ADR-0033).</b> With a sync interval of 0 every append is its own commit (one
 * fsync per call). With an interval of N ms, appends join one open transaction, each under its
 * own savepoint (a failed append still stores nothing of itself), and that transaction is
 * committed at most N ms after its first append, by a timer thread: one fsync per group instead of
 * one per frame. An append that holds a {@linkplain #SAFETY_EVENTS safety event} (AlertRaised,
 * ActuationCommanded) commits the group at once, before it returns. So a crash loses at most the
 * events appended since the last commit, a suffix of each session that no one has read: their
 * sequences are reused after the restart and the session stays gap-free. A commit the timer cannot
 * make (disk full, I/O error) is reported by the next append's {@link JournalException}.
 *
 * <p><b>Retention.</b> The budget is the bytes of live pages in the database file. When an append
 * finds the journal over budget it deletes acknowledged events outside every alert's causal window
 * (T−30 s … T+10 s around each {@link AlertRaised}) oldest first, then acknowledged events inside
 * windows, oldest first. Unacknowledged events are never deleted: if they alone fill the budget,
 * {@link #append} refuses with {@link JournalFullException} and stores nothing.
 *
 * <p>Thread safety: one writer connection (appends, acks, retention) and one reader connection
 * (the uploader's reads), each used under its own lock; WAL lets the reader run beside a write.
 */
public final class EdgeJournal implements AutoCloseable {

    public static final long ALERT_WINDOW_BEFORE_NANOS = 30_000_000_000L;
    public static final long ALERT_WINDOW_AFTER_NANOS = 10_000_000_000L;
    /** Retention stops once usage is back under this share of the budget, so it does not run on every append. */
    static final double RETENTION_LOW_WATER = 0.9;
    /** Small enough that retention overshoots the low-water mark by little; each chunk costs one usage check. */
    private static final int RETENTION_CHUNK_EVENTS = 250;

    private static final Logger LOG = LoggerFactory.getLogger(EdgeJournal.class);

    /** Events a group commit never holds back: their append commits at once, with everything before it. */
    public static final Predicate<SightlineEvent> SAFETY_EVENTS = e -> e instanceof AlertRaised || e instanceof ActuationCommanded;
    /** Longer would let a crash take seconds of a drive; a second is already 25 frames. */
    public static final long MAX_SYNC_INTERVAL_MILLIS = 1_000;

    private final Path file;
    private final long budgetBytes;
    private final Connection writer;
    private final Connection reader;
    private final Object writeLock = new Object();
    private final List<Runnable> appendListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Object readLock = new Object();
    private final EventCodec codec = new EventCodec();
    /** Next sequence per session, mirrored from the session table so appends need no read. */
    private final Map<String, Long> nextSequence = new LinkedHashMap<>();
    private long deletedOutsideWindows;
    private long deletedInsideWindows;
    /** 0: every append commits (and fsyncs) before it returns. */
    private final long syncIntervalNanos;
    /** Commits a group when it is due; null when every append commits itself. */
    private final ScheduledExecutorService syncTimer;
    /** Appends and events in the open transaction, not yet committed; guarded by writeLock. */
    private int pendingAppends;
    private long pendingEvents;
    private boolean syncScheduled;
    private boolean closed;
    /** A group the timer could not commit (its events are gone); thrown by the next append. */
    private JournalException syncFailure;
    private long appendsTotal;
    private long commits;
    private long safetyCommits;

    /**
     * An event to append; the journal assigns its sequence.
     *
     * @param traceparent W3C trace context of the edge span that produced the event, or {@code null}; stored in
     *                    the wire form, so the uploader's batches carry it to the cloud's event metadata
     */
    public record NewEvent(String eventId, long occurredAtNanos, SightlineEvent payload, String traceparent) {
        public NewEvent {
            Objects.requireNonNull(eventId, "eventId");
            Objects.requireNonNull(payload, "payload");
        }

        public NewEvent(String eventId, long occurredAtNanos, SightlineEvent payload) {
            this(eventId, occurredAtNanos, payload, null);
        }
    }

    /** A stored event as the uploader sends it; {@code type} is its catalog name. */
    public record StoredEvent(long sequence, String eventId, long occurredAtNanos, String wireJson, String type) {
        public StoredEvent(long sequence, String eventId, long occurredAtNanos, String wireJson) {
            this(sequence, eventId, occurredAtNanos, wireJson, null);
        }
    }

    /** Upload state of one session. */
    public record SessionState(String sessionId, long nextSequence, long ackedSequence, long retainedFromSequence,
                               String blockedReason) {
        public boolean hasUnacked() {
            return ackedSequence < nextSequence;
        }
    }

    /**
     * Appends and the commits (fsyncs) that made them durable since the journal was opened;
     * with group commit, {@code safetyCommits} of them were made at once for a safety event.
     */
    public record SyncStats(long syncIntervalMillis, long appends, long commits, long safetyCommits) {
    }

    /** Usage and what retention has deleted since the journal was opened. */
    public record Stats(long usedBytes, long budgetBytes, long unackedEvents, long storedEvents,
                        long deletedOutsideWindows, long deletedInsideWindows) {
    }

    /** Which events open a kept window around themselves; AlertRaised alone unless the upload tiers add near misses. */
    private final Predicate<SightlineEvent> windowTrigger;
    /** The newest window per session, so a run of near misses extends one window instead of adding one per decision. */
    private final Map<String, long[]> lastWindow = new java.util.HashMap<>();

    private EdgeJournal(Path file, long budgetBytes, Connection writer, Connection reader, Predicate<SightlineEvent> windowTrigger,
                        long syncIntervalNanos) {
        this.file = file;
        this.budgetBytes = budgetBytes;
        this.writer = writer;
        this.reader = reader;
        this.windowTrigger = windowTrigger;
        this.syncIntervalNanos = syncIntervalNanos;
        this.syncTimer = syncIntervalNanos == 0 ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sightline-journal-sync");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens (or creates) the journal at {@code file}.
     *
     * @param budgetBytes bytes of live database pages the journal may use before retention deletes
     *                    acknowledged events; the WAL file (about 4 MB between checkpoints) comes on top
     */
    public static EdgeJournal open(Path file, long budgetBytes) {
        return open(file, budgetBytes, e -> e instanceof AlertRaised);
    }

    /**
     * As {@link #open(Path, long)}; {@code windowTrigger} says which events open a window
     * (T−30 s … T+10 s) that retention keeps longest and the upload tiers send in full (ADR-0027).
     */
    public static EdgeJournal open(Path file, long budgetBytes, Predicate<SightlineEvent> windowTrigger) {
        return open(file, budgetBytes, windowTrigger, java.time.Duration.ZERO);
    }

    /**
     * As {@link #open(Path, long, Predicate)}, with group commit: appends are committed (fsynced)
     * at most {@code syncInterval} after the first of them, safety events at once; zero commits
     * every append. The edge runs with {@code EdgeDefaults.JOURNAL_SYNC_INTERVAL}.
     */
    public static EdgeJournal open(Path file, long budgetBytes, Predicate<SightlineEvent> windowTrigger, java.time.Duration syncInterval) {
        if (budgetBytes < 64 * 1024) {
            throw new IllegalArgumentException("journal budget must be at least 64 KiB, got " + budgetBytes + " bytes");
        }
        Objects.requireNonNull(syncInterval, "syncInterval");
        if (syncInterval.isNegative() || syncInterval.toMillis() > MAX_SYNC_INTERVAL_MILLIS) {
            throw new IllegalArgumentException("journal sync interval must be 0 (every append) to " + MAX_SYNC_INTERVAL_MILLIS
                    + " ms, got " + syncInterval.toMillis() + " ms");
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            String url = "jdbc:sqlite:" + file.toAbsolutePath();
            Connection w = DriverManager.getConnection(url);
            try (Statement st = w.createStatement()) {
                // Must precede the first table: lets retention hand freed pages back to the file system.
                st.execute("pragma auto_vacuum = incremental");
                st.execute("pragma journal_mode = wal");
                st.execute("pragma synchronous = full");
                st.execute("pragma busy_timeout = 10000");
                st.execute("create table if not exists session ("
                        + " session_id text primary key, next_sequence integer not null, acked_sequence integer not null,"
                        + " blocked_reason text, created_order integer not null)");
                st.execute("create table if not exists event ("
                        + " session_id text not null, sequence integer not null, event_id text not null,"
                        + " occurred_at_nanos integer not null, type text not null, wire_json text not null,"
                        + " primary key (session_id, sequence))");
                // A duplicated producer id would be refused by the cloud and block the session; refuse it here instead.
                st.execute("create unique index if not exists event_id_unique on event (event_id)");
                st.execute("create table if not exists alert_window ("
                        + " session_id text not null, from_nanos integer not null, to_nanos integer not null)");
                st.execute("create index if not exists alert_window_session on alert_window (session_id, from_nanos)");
                // Windows the cloud asked for (ADR-0027): kept until answered, so a restart still answers them.
                st.execute("create table if not exists window_request ("
                        + " request_id text primary key, session_id text not null, from_nanos integer not null,"
                        + " to_nanos integer not null, received_order integer not null)");
            }
            Connection r = DriverManager.getConnection(url);
            try (Statement st = r.createStatement()) {
                st.execute("pragma busy_timeout = 10000");
            }
            w.setAutoCommit(false);
            EdgeJournal journal = new EdgeJournal(file, budgetBytes, w, r, Objects.requireNonNull(windowTrigger, "windowTrigger"),
                    syncInterval.toNanos());
            journal.loadSessions();
            return journal;
        } catch (SQLException | java.io.IOException e) {
            throw new JournalException("Cannot open the edge journal at " + file.toAbsolutePath() + ": " + e.getMessage()
                    + ". Check that the directory is writable and no other process holds the file.", e);
        }
    }

    private void loadSessions() throws SQLException {
        try (Statement st = writer.createStatement();
             ResultSet rs = st.executeQuery("select session_id, next_sequence from session order by created_order")) {
            while (rs.next()) {
                nextSequence.put(rs.getString(1), rs.getLong(2));
            }
        }
        writer.commit();
    }

    public Path file() {
        return file;
    }

    /**
     * Runs {@code listener} on the appending thread after every committed append, so an uploader can
     * send at once instead of at its next poll. It must be quick and must not append.
     */
    public void addAppendListener(Runnable listener) {
        appendListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Appends one event; see {@link #append(String, List)}. */
    public EventEnvelope append(String sessionId, String eventId, long occurredAtNanos, SightlineEvent payload) {
        return append(sessionId, List.of(new NewEvent(eventId, occurredAtNanos, payload))).get(0);
    }

    /**
     * Stores the events in one transaction with the next gap-free sequences of the session, and
     * returns them as envelopes. Nothing is stored if any of them fails (the sequences are not used).
     *
     * @throws JournalFullException when unacknowledged events alone fill the budget
     */
    public List<EventEnvelope> append(String sessionId, List<NewEvent> events) {
        Objects.requireNonNull(sessionId, "sessionId");
        if (events.isEmpty()) {
            return List.of();
        }
        synchronized (writeLock) {
            if (closed) {
                throw new JournalException("The journal " + file + " is closed; nothing from this append was stored.");
            }
            if (syncFailure != null) {
                JournalException failed = syncFailure;
                syncFailure = null;
                throw failed;
            }
            Savepoint savepoint = null;
            long[] windowBefore = lastWindow.get(sessionId);
            windowBefore = windowBefore == null ? null : windowBefore.clone();
            boolean committing = false;
            boolean committed = false;
            List<EventEnvelope> appended;
            try {
                makeRoom();
                if (syncIntervalNanos > 0) {
                    // Undoes this append alone, keeping the group's earlier appends.
                    savepoint = writer.setSavepoint();
                }
                boolean safety = false;
                boolean newSession = !nextSequence.containsKey(sessionId);
                long first = nextSequence.getOrDefault(sessionId, 0L);
                List<EventEnvelope> out = new ArrayList<>(events.size());
                if (newSession) {
                    try (PreparedStatement ps = writer.prepareStatement(
                            "insert into session (session_id, next_sequence, acked_sequence, created_order)"
                                    + " values (?, 0, 0, (select coalesce(max(created_order), 0) + 1 from session))")) {
                        ps.setString(1, sessionId);
                        ps.executeUpdate();
                    }
                }
                try (PreparedStatement ins = writer.prepareStatement(
                        "insert into event (session_id, sequence, event_id, occurred_at_nanos, type, wire_json) values (?,?,?,?,?,?)")) {
                    long seq = first;
                    for (NewEvent e : events) {
                        EventEnvelope envelope = new EventEnvelope(e.eventId(), seq, e.occurredAtNanos(), e.payload(), e.traceparent());
                        String json = codec.encodeJson(envelope);
                        ins.setString(1, sessionId);
                        ins.setLong(2, seq);
                        ins.setString(3, e.eventId());
                        ins.setLong(4, e.occurredAtNanos());
                        ins.setString(5, EventCatalog.nameOf(e.payload()));
                        ins.setString(6, json);
                        ins.addBatch();
                        if (windowTrigger.test(e.payload())) {
                            addAlertWindow(sessionId, e.occurredAtNanos());
                        }
                        safety |= SAFETY_EVENTS.test(e.payload());
                        out.add(envelope);
                        seq++;
                    }
                    ins.executeBatch();
                }
                long next = first + events.size();
                try (PreparedStatement ps = writer.prepareStatement("update session set next_sequence = ? where session_id = ?")) {
                    ps.setLong(1, next);
                    ps.setString(2, sessionId);
                    ps.executeUpdate();
                }
                if (savepoint == null || safety) {
                    pendingAppends++;
                    pendingEvents += events.size();
                    committing = true;
                    commitLocked();
                    committing = false;
                    committed = true;
                    if (safety && savepoint != null) {
                        safetyCommits++;
                    }
                } else {
                    writer.releaseSavepoint(savepoint);
                    pendingAppends++;
                    pendingEvents += events.size();
                    if (!syncScheduled) {
                        syncScheduled = true;
                        syncTimer.schedule(this::syncDue, syncIntervalNanos, TimeUnit.NANOSECONDS);
                    }
                }
                nextSequence.put(sessionId, next);
                appendsTotal++;
                appended = out;
            } catch (SQLException e) {
                if (committing) {
                    throw commitFailed(e, events.size(), sessionId);
                }
                undoAppend(savepoint, sessionId, windowBefore);
                if (e.getMessage() != null && e.getMessage().contains("event_id")) {
                    throw new JournalException("An event id in this append is already in the journal (" + e.getMessage()
                            + "); producers must give every event a new id. Nothing from this append was stored.", e);
                }
                throw new JournalException("Cannot append " + events.size() + " events to session " + sessionId + ": "
                        + e.getMessage() + ". Nothing from this append was stored.", e);
            } catch (JournalFullException e) {
                undoAppend(savepoint, sessionId, windowBefore);
                throw e;
            } catch (RuntimeException e) {
                undoAppend(savepoint, sessionId, windowBefore);
                throw new JournalException("Cannot append " + events.size() + " events to session " + sessionId + ": "
                        + e.getMessage() + ". Nothing from this append was stored.", e);
            }
            if (committed) {
                // After the try: the events are stored, so a failing listener must not be reported as a failed append.
                runListeners();
            }
            return appended;
        }
    }

    /**
     * The commit of an append failed: the whole open transaction is gone, this append and any group
     * before it. Sequences restart from what is committed; the caller learns of both.
     */
    private JournalException commitFailed(SQLException e, int events, String sessionId) {
        long earlier = pendingEvents - events;
        rollbackQuietly();
        // This append's own loss is in the exception thrown now; the next append need not repeat it.
        syncFailure = null;
        return new JournalException("Cannot commit " + events + " events to session " + sessionId + ": " + e.getMessage()
                + ". Nothing from this append was stored" + (earlier > 0 ? ", nor the " + earlier + " events appended before it in its"
                + " group commit; their sequences will be reused" : "") + ". Check the disk.", e);
    }

    /** A failed append: with group commit only its own savepoint is undone, the group's earlier appends stay. */
    private void undoAppend(Savepoint savepoint, String sessionId, long[] windowBefore) {
        if (windowBefore == null) {
            lastWindow.remove(sessionId);
        } else {
            lastWindow.put(sessionId, windowBefore);
        }
        if (savepoint == null) {
            rollbackQuietly();
            return;
        }
        try {
            writer.rollback(savepoint);
            writer.releaseSavepoint(savepoint);
        } catch (SQLException e) {
            rollbackQuietly();
        }
    }

    /** Commits the open transaction under the write lock; with appends in it, that is one sync of the group. */
    private void commitLocked() throws SQLException {
        writer.commit();
        if (pendingAppends > 0) {
            commits++;
            pendingAppends = 0;
            pendingEvents = 0;
        }
    }

    private void runListeners() {
        for (Runnable listener : appendListeners) {
            listener.run();
        }
    }

    /** On the timer thread: the group is due. */
    private void syncDue() {
        synchronized (writeLock) {
            syncScheduled = false;
            if (pendingAppends == 0 || closed) {
                return;
            }
            try {
                commitLocked();
            } catch (SQLException e) {
                rollbackQuietly();
                LOG.error("The journal {} could not commit its pending appends: {}", file, e.getMessage());
                return;
            }
            runListeners();
        }
    }

    /**
     * Commits the appends waiting for their group commit now, and returns once they are durable.
     * For a caller that must know (the end of a session, a test); appends of safety events need not.
     */
    public void sync() {
        synchronized (writeLock) {
            if (pendingAppends == 0) {
                return;
            }
            try {
                commitLocked();
            } catch (SQLException e) {
                rollbackQuietly();
                JournalException failed = syncFailure;
                syncFailure = null;
                throw failed != null ? failed : new JournalException("Cannot sync the journal " + file + ": " + e.getMessage(), e);
            }
            runListeners();
        }
    }

    /** Appends and commits since the journal was opened (how much group commit saved). */
    public SyncStats syncStats() {
        synchronized (writeLock) {
            return new SyncStats(TimeUnit.NANOSECONDS.toMillis(syncIntervalNanos), appendsTotal, commits, safetyCommits);
        }
    }

    private void addAlertWindow(String sessionId, long alertAtNanos) throws SQLException {
        long from = alertAtNanos - ALERT_WINDOW_BEFORE_NANOS;
        long to = alertAtNanos + ALERT_WINDOW_AFTER_NANOS;
        long[] last = lastWindow.get(sessionId);
        if (last != null && from <= last[1]) {
            // Times never decrease within a session, so an overlapping trigger only extends the newest window.
            if (to > last[1]) {
                try (PreparedStatement ps = writer.prepareStatement(
                        "update alert_window set to_nanos = ? where session_id = ? and from_nanos = ? and to_nanos = ?")) {
                    ps.setLong(1, to);
                    ps.setString(2, sessionId);
                    ps.setLong(3, last[0]);
                    ps.setLong(4, last[1]);
                    ps.executeUpdate();
                }
                last[1] = to;
            }
            return;
        }
        try (PreparedStatement ps = writer.prepareStatement("insert into alert_window (session_id, from_nanos, to_nanos) values (?,?,?)")) {
            ps.setString(1, sessionId);
            ps.setLong(2, from);
            ps.setLong(3, to);
            ps.executeUpdate();
        }
        lastWindow.put(sessionId, new long[] {from, to});
    }

    /** The kept windows of a session, [from, to] edge nanoseconds, oldest first. */
    public List<long[]> windows(String sessionId) {
        synchronized (readLock) {
            List<long[]> out = new ArrayList<>();
            try (PreparedStatement ps = reader.prepareStatement(
                    "select from_nanos, to_nanos from alert_window where session_id = ? order by from_nanos")) {
                ps.setString(1, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new long[] {rs.getLong(1), rs.getLong(2)});
                    }
                }
                return out;
            } catch (SQLException e) {
                throw new JournalException("Cannot read the windows of session " + sessionId + ": " + e.getMessage(), e);
            }
        }
    }

    /** Edge time of the session's newest event and whether it holds its DriveSessionEnded. */
    public record SessionHead(long newestNanos, boolean ended) {
    }

    public SessionHead head(String sessionId) {
        synchronized (readLock) {
            // Times never decrease within a session and DriveSessionEnded is its last event, so the newest row (one
            // primary-key step, where a max() over the session would read every row on every upload pass) says both.
            try (PreparedStatement ps = reader.prepareStatement("select occurred_at_nanos, type from event where session_id = ?"
                    + " order by sequence desc limit 1")) {
                ps.setString(1, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return new SessionHead(Long.MIN_VALUE, false);
                    }
                    return new SessionHead(rs.getLong(1), "DriveSessionEnded".equals(rs.getString(2)));
                }
            } catch (SQLException e) {
                throw new JournalException("Cannot read the head of session " + sessionId + ": " + e.getMessage(), e);
            }
        }
    }

    /** Edge time of the session's DriveSessionStarted, or Long.MIN_VALUE when retention already deleted it. */
    public long startNanos(String sessionId) {
        synchronized (readLock) {
            try (PreparedStatement ps = reader.prepareStatement(
                    "select occurred_at_nanos, type from event where session_id = ? order by sequence limit 1")) {
                ps.setString(1, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && "DriveSessionStarted".equals(rs.getString(2)) ? rs.getLong(1) : Long.MIN_VALUE;
                }
            } catch (SQLException e) {
                throw new JournalException("Cannot read the start of session " + sessionId + ": " + e.getMessage(), e);
            }
        }
    }

    /** A window the cloud asked for, kept until the uploader has answered it. */
    public record WindowRequest(String requestId, String sessionId, long fromNanos, long toNanos) {
    }

    /** Records a request; the same request id again changes nothing. */
    public void requestWindow(WindowRequest request) {
        synchronized (writeLock) {
            try (PreparedStatement ps = writer.prepareStatement("insert into window_request (request_id, session_id, from_nanos,"
                    + " to_nanos, received_order) values (?,?,?,?, (select coalesce(max(received_order), 0) + 1 from window_request))"
                    + " on conflict (request_id) do nothing")) {
                ps.setString(1, request.requestId());
                ps.setString(2, request.sessionId());
                ps.setLong(3, request.fromNanos());
                ps.setLong(4, request.toNanos());
                ps.executeUpdate();
                commitLocked();
            } catch (SQLException e) {
                rollbackQuietly();
                throw new JournalException("Cannot record window request " + request.requestId() + ": " + e.getMessage(), e);
            }
        }
        for (Runnable listener : appendListeners) {
            listener.run();
        }
    }

    public List<WindowRequest> windowRequests() {
        synchronized (readLock) {
            List<WindowRequest> out = new ArrayList<>();
            try (Statement st = reader.createStatement();
                 ResultSet rs = st.executeQuery("select request_id, session_id, from_nanos, to_nanos from window_request order by received_order")) {
                while (rs.next()) {
                    out.add(new WindowRequest(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
                }
                return out;
            } catch (SQLException e) {
                throw new JournalException("Cannot read window requests: " + e.getMessage(), e);
            }
        }
    }

    public void windowRequestAnswered(String requestId) {
        synchronized (writeLock) {
            try (PreparedStatement ps = writer.prepareStatement("delete from window_request where request_id = ?")) {
                ps.setString(1, requestId);
                ps.executeUpdate();
                commitLocked();
            } catch (SQLException e) {
                rollbackQuietly();
                throw new JournalException("Cannot close window request " + requestId + ": " + e.getMessage(), e);
            }
        }
    }

    /** The session's events with edge time in [fromNanos, toNanos] and sequence below {@code belowSequence}, in order. */
    public List<StoredEvent> readWindow(String sessionId, long fromNanos, long toNanos, long belowSequence) {
        synchronized (readLock) {
            List<StoredEvent> out = new ArrayList<>();
            try (PreparedStatement ps = reader.prepareStatement("select sequence, event_id, occurred_at_nanos, wire_json, type from event"
                    + " where session_id = ? and occurred_at_nanos between ? and ? and sequence < ? order by sequence")) {
                ps.setString(1, sessionId);
                ps.setLong(2, fromNanos);
                ps.setLong(3, toNanos);
                ps.setLong(4, belowSequence);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new StoredEvent(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5)));
                    }
                }
                return out;
            } catch (SQLException e) {
                throw new JournalException("Cannot read a window of session " + sessionId + ": " + e.getMessage(), e);
            }
        }
    }

    private void rollbackQuietly() {
        try {
            writer.rollback();
        } catch (SQLException ignored) {
            // The original failure is what the caller needs to see.
        }
        if (pendingAppends > 0) {
            // A rolled-back group: its sequences were handed out but nothing of it is stored. Start again from
            // what is committed, so the session stays gap-free, and tell the next appender what was lost.
            syncFailure = new JournalException("The journal " + file + " lost its last " + pendingEvents + " events (" + pendingAppends
                    + " appends) before they were committed; their sequences will be reused. Check the disk.");
            pendingAppends = 0;
            pendingEvents = 0;
            lastWindow.clear();
            nextSequence.clear();
            try {
                loadSessions();
            } catch (SQLException e) {
                LOG.error("The journal {} cannot reload its sessions after a failed commit: {}", file, e.getMessage());
            }
        }
    }

    /** Bytes of live pages (file size minus free pages), the quantity the budget limits. */
    private long usedBytes(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            long pages = single(st, "pragma page_count");
            long free = single(st, "pragma freelist_count");
            long pageSize = single(st, "pragma page_size");
            return (pages - free) * pageSize;
        }
    }

    private static long single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Called under the write lock before an append. */
    private void makeRoom() throws SQLException {
        if (usedBytes(writer) <= budgetBytes) {
            return;
        }
        RetentionReport report = enforceRetentionLocked();
        if (report.usedBytesAfter() > budgetBytes) {
            throw new JournalFullException(report.usedBytesAfter(), budgetBytes, countUnacked());
        }
    }

    /** Runs retention now (appends also run it when over budget). */
    public RetentionReport enforceRetention() {
        synchronized (writeLock) {
            try {
                return enforceRetentionLocked();
            } catch (SQLException e) {
                rollbackQuietly();
                throw new JournalException("Retention failed: " + e.getMessage(), e);
            }
        }
    }

    private RetentionReport enforceRetentionLocked() throws SQLException {
        long before = usedBytes(writer);
        long target = (long) (budgetBytes * RETENTION_LOW_WATER);
        long outside = 0;
        long inside = 0;
        if (before > target) {
            List<SessionState> sessions = sessionsLocked(writer);
            // Pass 1: acknowledged events no alert needs; pass 2: acknowledged events inside alert windows.
            outside = deleteAcked(sessions, target, true);
            if (usedBytes(writer) > target) {
                inside = deleteAcked(sessions, target, false);
            }
            try (Statement st = writer.createStatement()) {
                st.execute("delete from alert_window where not exists (select 1 from event e"
                        + " where e.session_id = alert_window.session_id and e.occurred_at_nanos between from_nanos and to_nanos)"
                        + " and session_id in (select session_id from session where acked_sequence = next_sequence)");
            }
            commitLocked();
            writer.setAutoCommit(true);
            try (Statement st = writer.createStatement()) {
                st.execute("pragma incremental_vacuum");
            } finally {
                writer.setAutoCommit(false);
            }
            deletedOutsideWindows += outside;
            deletedInsideWindows += inside;
        }
        long after = usedBytes(writer);
        if (outside + inside > 0) {
            LOG.info("Journal retention: {} → {} bytes (budget {}); deleted {} acknowledged events outside alert windows and {} inside",
                    before, after, budgetBytes, outside, inside);
        }
        return new RetentionReport(before, after, budgetBytes, outside, inside);
    }

    private long deleteAcked(List<SessionState> sessions, long targetBytes, boolean outsideWindowsOnly) throws SQLException {
        String sql = "delete from event where session_id = ? and sequence >= ? and sequence < ?"
                + (outsideWindowsOnly ? " and not exists (select 1 from alert_window w where w.session_id = event.session_id"
                + " and event.occurred_at_nanos between w.from_nanos and w.to_nanos)" : "");
        long deleted = 0;
        try (PreparedStatement ps = writer.prepareStatement(sql)) {
            for (SessionState s : sessions) {
                long from = minSequence(s.sessionId());
                while (from >= 0 && from < s.ackedSequence()) {
                    long to = Math.min(s.ackedSequence(), from + RETENTION_CHUNK_EVENTS);
                    ps.setString(1, s.sessionId());
                    ps.setLong(2, from);
                    ps.setLong(3, to);
                    deleted += ps.executeUpdate();
                    if (usedBytes(writer) <= targetBytes) {
                        return deleted;
                    }
                    from = to;
                }
            }
        }
        return deleted;
    }

    private long minSequence(String sessionId) throws SQLException {
        try (PreparedStatement ps = writer.prepareStatement("select min(sequence) from event where session_id = ?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long v = rs.getLong(1);
                return rs.wasNull() ? -1 : v;
            }
        }
    }

    private long countUnacked() throws SQLException {
        try (Statement st = writer.createStatement()) {
            return single(st, "select coalesce(sum(next_sequence - acked_sequence), 0) from session");
        }
    }

    /**
     * Records the cloud's acknowledgement: every event below {@code nextExpectedSequence} is stored
     * in the cloud. The position never moves back, so a late, stale ack cannot re-open retention.
     */
    public void acknowledge(String sessionId, long nextExpectedSequence) {
        synchronized (writeLock) {
            Long next = nextSequence.get(sessionId);
            if (next == null) {
                throw new JournalException("The cloud acknowledged session " + sessionId + ", which this journal never held");
            }
            if (nextExpectedSequence > next) {
                throw new JournalException("The cloud acknowledged session " + sessionId + " up to " + nextExpectedSequence
                        + " but the journal only assigned sequences below " + next + "; another device may be using this session id");
            }
            try (PreparedStatement ps = writer.prepareStatement(
                    "update session set acked_sequence = max(acked_sequence, ?), blocked_reason = null where session_id = ?")) {
                ps.setLong(1, nextExpectedSequence);
                ps.setString(2, sessionId);
                ps.executeUpdate();
                commitLocked();
            } catch (SQLException e) {
                rollbackQuietly();
                throw new JournalException("Cannot record the ack of session " + sessionId + ": " + e.getMessage(), e);
            }
        }
    }

    /** Marks a session the cloud refused for a reason a resend cannot fix; {@code null} clears it. */
    public void block(String sessionId, String reason) {
        synchronized (writeLock) {
            try (PreparedStatement ps = writer.prepareStatement("update session set blocked_reason = ? where session_id = ?")) {
                ps.setString(1, reason);
                ps.setString(2, sessionId);
                ps.executeUpdate();
                commitLocked();
            } catch (SQLException e) {
                rollbackQuietly();
                throw new JournalException("Cannot mark session " + sessionId + " blocked: " + e.getMessage(), e);
            }
        }
    }

    /** Every session, oldest first. */
    public List<SessionState> sessions() {
        synchronized (readLock) {
            try {
                return sessionsLocked(reader);
            } catch (SQLException e) {
                throw new JournalException("Cannot list journal sessions: " + e.getMessage(), e);
            }
        }
    }

    public SessionState session(String sessionId) {
        return sessions().stream().filter(s -> s.sessionId().equals(sessionId)).findFirst()
                .orElseThrow(() -> new JournalException("No session " + sessionId + " in the journal " + file));
    }

    private List<SessionState> sessionsLocked(Connection c) throws SQLException {
        List<SessionState> out = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select s.session_id, s.next_sequence, s.acked_sequence, s.blocked_reason,"
                     + " (select min(sequence) from event e where e.session_id = s.session_id)"
                     + " from session s order by s.created_order")) {
            while (rs.next()) {
                long retained = rs.getLong(5);
                if (rs.wasNull()) {
                    retained = rs.getLong(2);
                }
                out.add(new SessionState(rs.getString(1), rs.getLong(2), rs.getLong(3), retained, rs.getString(4)));
            }
        }
        if (c == writer) {
            commitLocked();
        } else if (!c.getAutoCommit()) {
            c.commit();
        }
        return out;
    }

    /**
     * Reads up to {@code maxEvents} consecutive events of a session from {@code fromSequence},
     * stopping early once {@code maxBytes} of wire JSON is reached (at least one event is returned).
     * An empty list means nothing is stored at {@code fromSequence}.
     */
    public List<StoredEvent> read(String sessionId, long fromSequence, int maxEvents, long maxBytes) {
        synchronized (readLock) {
            List<StoredEvent> out = new ArrayList<>(Math.min(maxEvents, 1024));
            try (PreparedStatement ps = reader.prepareStatement("select sequence, event_id, occurred_at_nanos, wire_json, type from event"
                    + " where session_id = ? and sequence >= ? order by sequence limit ?")) {
                ps.setString(1, sessionId);
                ps.setLong(2, fromSequence);
                ps.setInt(3, maxEvents);
                long bytes = 0;
                long expected = fromSequence;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long seq = rs.getLong(1);
                        String json = rs.getString(4);
                        bytes += json.getBytes(StandardCharsets.UTF_8).length;
                        if (seq != expected || (!out.isEmpty() && bytes > maxBytes)) {
                            break;
                        }
                        out.add(new StoredEvent(seq, rs.getString(2), rs.getLong(3), json, rs.getString(5)));
                        expected++;
                    }
                }
                return out;
            } catch (SQLException e) {
                throw new JournalException("Cannot read session " + sessionId + " from sequence " + fromSequence + ": " + e.getMessage(), e);
            }
        }
    }

    /** Event ids of a session in sequence order (for checks and audits). */
    public List<String> eventIds(String sessionId) {
        synchronized (readLock) {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = reader.prepareStatement("select event_id from event where session_id = ? order by sequence")) {
                ps.setString(1, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            } catch (SQLException e) {
                throw new JournalException("Cannot read event ids of session " + sessionId + ": " + e.getMessage(), e);
            }
        }
    }

    public Stats stats() {
        synchronized (writeLock) {
            try (Statement st = writer.createStatement()) {
                long used = usedBytes(writer);
                long stored = single(st, "select count(*) from event");
                long unacked = countUnacked();
                commitLocked();
                return new Stats(used, budgetBytes, unacked, stored, deletedOutsideWindows, deletedInsideWindows);
            } catch (SQLException e) {
                throw new JournalException("Cannot read journal statistics: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void close() {
        if (syncTimer != null) {
            syncTimer.shutdownNow();
        }
        synchronized (writeLock) {
            if (closed) {
                return;
            }
            closed = true;
            synchronized (readLock) {
                try {
                    reader.close();
                    // The group still waiting for its timer: a clean shutdown loses nothing.
                    commitLocked();
                    writer.close();
                } catch (SQLException e) {
                    LOG.warn("Closing the journal {}: {}", file, e.getMessage());
                }
            }
        }
    }
}
