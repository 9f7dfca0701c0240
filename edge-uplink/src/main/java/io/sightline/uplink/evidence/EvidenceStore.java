package io.sightline.uplink.evidence;

import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.journal.JournalException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's evidence frames (ADR-0008): one JPEG per frame, content-addressed by its sha256 under
 * {@code <journal dir>/evidence/<first two hex digits>/<sha256>.jpg}, indexed in its own SQLite
 * file ({@code evidence/index.db}) that attaches the journal read-only, so retention and upload
 * ask "inside an alert window?" with one join against the journal's {@code alert_window} rows. The
 * index is not a table of the journal: a second writer on the journal's file would make the
 * journal's read-then-write transactions fail with SQLITE_BUSY_SNAPSHOT, and its rows would count
 * against the event budget.
 *
 * <p><b>Files, not blobs.</b> A JPEG is 30–100 KB at 25 per second. In the journal's WAL with
 * {@code synchronous=FULL} every byte would be written twice and fsynced per frame, and the blobs
 * would count against the event budget, so retention would delete events to make room for
 * pictures. As files they are written once, deleted with an unlink, and the name is the check:
 * re-writing a sha that exists is skipped, and a file is renamed into place only when complete.
 * Files are not fsynced: after a power cut a file may be short, which the uploader detects (the
 * sha no longer matches) and records as lost instead of sending.
 *
 * <p><b>Retention.</b> The budget is the sum of the indexed files' sizes. Over budget, it deletes
 * frames outside every alert window (T−30 s … T+10 s, {@link EdgeJournal#ALERT_WINDOW_BEFORE_NANOS})
 * oldest first, then frames inside windows that the cloud already holds, oldest first; frames
 * inside a window that are not uploaded yet are never deleted. If they alone fill the budget, the
 * new frame is not kept ({@link #put} returns null) rather than losing evidence an alert needs.
 * The window rows are the journal's; a window that opens later (an alert 20 s after a frame) can
 * still claim a frame that retention has not reached, which is why deletion goes oldest first.
 *
 * <p>Thread safety: all methods synchronize on the store; the index has its own connection.
 */
public final class EvidenceStore implements AutoCloseable {

    public static final String CONTENT_TYPE = "image/jpeg";
    /** Alert-window clips (ADR-0037): the source's own video, indexed and budgeted like the JPEGs, stored as {@code <sha256>.mp4}. */
    public static final String CLIP_CONTENT_TYPE = "video/mp4";
    /** Retention stops at this share of the budget, so it does not run on every frame. */
    static final double RETENTION_LOW_WATER = 0.9;
    private static final int RETENTION_CHUNK_FRAMES = 200;
    private static final Logger LOG = LoggerFactory.getLogger(EvidenceStore.class);
    private static final HexFormat HEX = HexFormat.of();

    /** One indexed evidence frame. */
    public record Frame(String sha256, String sessionId, String frameId, long occurredAtNanos, long sizeBytes) {
    }

    /** Usage and what the store did since it was opened. */
    public record Stats(long usedBytes, long budgetBytes, long frames, long deletedOutsideWindows, long deletedInsideWindows,
                        long notKeptFull) {
    }

    private final Path dir;
    private final long budgetBytes;
    private final Connection db;
    private final MessageDigest sha256;
    private long usedBytes;
    private long deletedOutside;
    private long deletedInside;
    private long notKeptFull;

    private EvidenceStore(Path dir, long budgetBytes, Connection db) throws SQLException {
        this.dir = dir;
        this.budgetBytes = budgetBytes;
        this.db = db;
        this.sha256 = newDigest();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("select coalesce(sum(size_bytes), 0) from"
                + " (select sha256, max(size_bytes) as size_bytes from main.evidence group by sha256)")) {
            rs.next();
            usedBytes = rs.getLong(1);
        }
    }

    /**
     * Opens the store beside {@code journal} (its directory and database file).
     *
     * @param budgetBytes bytes of JPEG files the store may keep before retention deletes some
     */
    public static EvidenceStore open(EdgeJournal journal, long budgetBytes) {
        if (budgetBytes < 1 << 20) {
            throw new IllegalArgumentException("evidence budget must be at least 1 MiB, got " + budgetBytes + " bytes");
        }
        Path file = journal.file().toAbsolutePath();
        Path dir = file.getParent().resolve("evidence");
        try {
            Files.createDirectories(dir);
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("index.db"));
            try (Statement st = c.createStatement()) {
                st.execute("pragma busy_timeout = 10000");
                st.execute("pragma journal_mode = wal");
                // No fsync per frame: a row lost to a power cut leaves an unindexed file (removed by the sweep
                // below on the next open), while the frame's event, fsynced by the journal, still names the sha;
                // the evidence is then missing, never wrong.
                st.execute("pragma synchronous = normal");
                // Read only: the journal's writer must stay the only writer of its file.
                try (PreparedStatement attach = c.prepareStatement("attach database ? as j")) {
                    attach.setString(1, file.toString());
                    attach.execute();
                }
                st.execute("create table if not exists evidence ("
                        + " session_id text not null, frame_id text not null, sha256 text not null,"
                        + " occurred_at_nanos integer not null, size_bytes integer not null,"
                        + " uploaded integer not null default 0, upload_refused text,"
                        + " primary key (session_id, frame_id))");
                st.execute("create index if not exists evidence_time on evidence (occurred_at_nanos)");
                st.execute("create index if not exists evidence_sha on evidence (sha256)");
            }
            EvidenceStore store = new EvidenceStore(dir, budgetBytes, c);
            store.sweepUnindexed();
            return store;
        } catch (SQLException | IOException e) {
            throw new JournalException("Cannot open the evidence store at " + dir + ": " + e.getMessage()
                    + ". Check that the directory is writable.", e);
        }
    }

    /** Deletes half-written temporaries and files no index row names (a crash between file and row). */
    private void sweepUnindexed() throws IOException, SQLException {
        long removed = 0;
        try (var shards = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path shard : shards) {
                try (var files = Files.newDirectoryStream(shard)) {
                    for (Path f : files) {
                        String name = f.getFileName().toString();
                        boolean orphan = name.contains(".tmp-")
                                || ((name.endsWith(".jpg") || name.endsWith(".mp4")) && !shaIndexed(name.substring(0, name.length() - 4)));
                        if (orphan && Files.deleteIfExists(f)) {
                            removed++;
                        }
                    }
                }
            }
        }
        if (removed > 0) {
            LOG.info("Evidence store {}: removed {} files no index row names (left by a crash)", dir, removed);
        }
    }

    public Path directory() {
        return dir;
    }

    /** Where the blob of {@code sha256Hex} is kept: a clip's {@code .mp4} when there is one, else the JPEG's name. */
    public Path path(String sha256Hex) {
        Path clip = path(sha256Hex, ".mp4");
        return Files.exists(clip) ? clip : path(sha256Hex, ".jpg");
    }

    private Path path(String sha256Hex, String extension) {
        return dir.resolve(sha256Hex.substring(0, 2)).resolve(sha256Hex + extension);
    }

    /** The content type of a stored blob by its leading bytes: an MP4's {@code ftyp} box, otherwise a JPEG. */
    public static String contentTypeOf(byte[] blob) {
        boolean mp4 = blob.length >= 8 && blob[4] == 'f' && blob[5] == 't' && blob[6] == 'y' && blob[7] == 'p';
        return mp4 ? CLIP_CONTENT_TYPE : CONTENT_TYPE;
    }

    public static String sha256Hex(byte[] bytes) {
        return HEX.formatHex(newDigest().digest(bytes));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JRE has no SHA-256", e);
        }
    }

    /**
     * Keeps {@code jpeg} as the evidence of one frame and returns its sha256 hex, or null when the
     * budget is taken by un-uploaded frames inside alert windows (the frame then has no evidence).
     *
     * @param occurredAtNanos the frame's edge time, the clock the journal's alert windows use
     */
    public synchronized String put(String sessionId, String frameId, long occurredAtNanos, byte[] jpeg) {
        return put(sessionId, frameId, occurredAtNanos, jpeg, ".jpg");
    }

    /**
     * Keeps an alert window's clip (ADR-0037) under {@code key} (one per clip in the session, e.g.
     * {@code clip:<first alert id>}) at {@code occurredAtNanos}, a time inside the alert's window,
     * so the uploader sends it and retention treats it as evidence of that window; returns its
     * sha256 hex, or null when the budget is taken by un-uploaded evidence inside alert windows.
     */
    public synchronized String putClip(String sessionId, String key, long occurredAtNanos, byte[] mp4) {
        return put(sessionId, key, occurredAtNanos, mp4, ".mp4");
    }

    private String put(String sessionId, String frameId, long occurredAtNanos, byte[] jpeg, String extension) {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(frameId, "frameId");
        String sha = HEX.formatHex(sha256.digest(jpeg));
        try {
            if (usedBytes + jpeg.length > budgetBytes && !makeRoom(jpeg.length)) {
                notKeptFull++;
                if (notKeptFull == 1 || notKeptFull % 1000 == 0) {
                    LOG.warn("Evidence budget ({} bytes) is held by frames inside alert windows that are not uploaded yet;"
                            + " {} frames kept no evidence so far", budgetBytes, notKeptFull);
                }
                return null;
            }
            boolean newBlob = !shaIndexed(sha);
            Path target = path(sha, extension);
            if (newBlob || !Files.exists(target)) {
                writeAtomically(target, jpeg);
            }
            try (PreparedStatement ps = db.prepareStatement("insert or ignore into evidence"
                    + " (session_id, frame_id, sha256, occurred_at_nanos, size_bytes) values (?,?,?,?,?)")) {
                ps.setString(1, sessionId);
                ps.setString(2, frameId);
                ps.setString(3, sha);
                ps.setLong(4, occurredAtNanos);
                ps.setLong(5, jpeg.length);
                ps.executeUpdate();
            }
            if (newBlob) {
                usedBytes += jpeg.length;
            }
            return sha;
        } catch (SQLException | IOException e) {
            throw new JournalException("Cannot store the evidence of frame " + frameId + ": " + e.getMessage(), e);
        }
    }

    private boolean shaIndexed(String sha) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("select 1 from evidence where sha256 = ? limit 1")) {
            ps.setString(1, sha);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The JPEG of {@code sha256Hex}, or null when retention deleted it. */
    public byte[] read(String sha256Hex) {
        try {
            return Files.readAllBytes(path(sha256Hex));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new JournalException("Cannot read evidence " + sha256Hex + ": " + e.getMessage(), e);
        }
    }

    /** Frames inside an alert window of their session that the cloud does not hold yet, oldest first. */
    public synchronized List<Frame> pendingUploads(int limit) {
        return frames("select sha256, session_id, frame_id, occurred_at_nanos, size_bytes from evidence e"
                + " where uploaded = 0 and upload_refused is null and " + IN_WINDOW + " order by occurred_at_nanos limit ?", limit);
    }

    /** How many frames of {@code sessionId} inside its alert windows are not uploaded yet (refused ones included). */
    public synchronized long pendingUploads(String sessionId) {
        try (PreparedStatement ps = db.prepareStatement("select count(*) from evidence e where session_id = ? and uploaded = 0 and "
                + IN_WINDOW)) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new JournalException("Cannot count pending evidence of session " + sessionId + ": " + e.getMessage(), e);
        }
    }

    /** Every indexed frame of a session, oldest first (for checks and the report). */
    public synchronized List<Frame> frames(String sessionId) {
        try (PreparedStatement ps = db.prepareStatement("select sha256, session_id, frame_id, occurred_at_nanos, size_bytes from evidence"
                + " where session_id = ? order by occurred_at_nanos")) {
            ps.setString(1, sessionId);
            return collect(ps);
        } catch (SQLException e) {
            throw new JournalException("Cannot list the evidence of session " + sessionId + ": " + e.getMessage(), e);
        }
    }

    /** The cloud holds the blob: it may be deleted by retention like any frame inside a window. */
    public synchronized void markUploaded(String sessionId, String frameId) {
        update("update evidence set uploaded = 1, upload_refused = null where session_id = ? and frame_id = ?", sessionId, frameId);
    }

    /**
     * The cloud refused the blob for a reason a resend cannot fix, or the file no longer matches its
     * sha (short after a power cut); it stays on the edge and is not offered again until {@link #retryRefused}.
     */
    public synchronized void markRefused(String sessionId, String frameId, String reason) {
        update("update evidence set upload_refused = ? where session_id = ? and frame_id = ?", reason, sessionId, frameId);
    }

    /** Offers refused frames again (e.g. after the device key was registered). */
    public synchronized void retryRefused() {
        update("update evidence set upload_refused = null where upload_refused is not null");
    }

    private void update(String sql, String... args) {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new JournalException("Cannot update the evidence index: " + e.getMessage(), e);
        }
    }

    private static final String IN_WINDOW = "exists (select 1 from j.alert_window w where w.session_id = e.session_id"
            + " and e.occurred_at_nanos between w.from_nanos and w.to_nanos)";

    /** Runs retention now; returns the bytes used after it. */
    public synchronized long enforceRetention() {
        try {
            makeRoom(0);
            return usedBytes;
        } catch (SQLException e) {
            throw new JournalException("Evidence retention failed: " + e.getMessage(), e);
        }
    }

    /** Deletes per the retention order until {@code incoming} more bytes fit under the low-water mark; false if they cannot. */
    private boolean makeRoom(long incoming) throws SQLException {
        long target = (long) (budgetBytes * RETENTION_LOW_WATER) - incoming;
        if (usedBytes <= target) {
            return true;
        }
        long before = usedBytes;
        long outside = deleteOldest("not " + IN_WINDOW, target);
        long inside = usedBytes > target ? deleteOldest("uploaded = 1 and " + IN_WINDOW, target) : 0;
        deletedOutside += outside;
        deletedInside += inside;
        if (outside + inside > 0) {
            LOG.info("Evidence retention: {} → {} bytes (budget {}); deleted {} frames outside alert windows and {} uploaded frames inside",
                    before, usedBytes, budgetBytes, outside, inside);
        }
        return usedBytes + incoming <= budgetBytes;
    }

    private long deleteOldest(String condition, long targetBytes) throws SQLException {
        long deleted = 0;
        while (usedBytes > targetBytes) {
            List<Frame> chunk = frames("select sha256, session_id, frame_id, occurred_at_nanos, size_bytes from evidence e where "
                    + condition + " order by occurred_at_nanos limit ?", RETENTION_CHUNK_FRAMES);
            if (chunk.isEmpty()) {
                break;
            }
            for (Frame f : chunk) {
                delete(f);
                deleted++;
                if (usedBytes <= targetBytes) {
                    break;
                }
            }
        }
        return deleted;
    }

    private void delete(Frame f) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("delete from evidence where session_id = ? and frame_id = ?")) {
            ps.setString(1, f.sessionId());
            ps.setString(2, f.frameId());
            ps.executeUpdate();
        }
        // Identical frames (a covered lens) share one file: it goes with the last row naming it.
        if (!shaIndexed(f.sha256())) {
            try {
                Files.deleteIfExists(path(f.sha256()));
            } catch (IOException e) {
                LOG.warn("Cannot delete evidence file {}: {}", path(f.sha256()), e.getMessage());
            }
            usedBytes -= f.sizeBytes();
        }
    }

    private List<Frame> frames(String sql, int limit) {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            ps.setInt(1, limit);
            return collect(ps);
        } catch (SQLException e) {
            throw new JournalException("Cannot read the evidence index: " + e.getMessage(), e);
        }
    }

    private static List<Frame> collect(PreparedStatement ps) throws SQLException {
        List<Frame> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Frame(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5)));
            }
        }
        return out;
    }

    public synchronized Stats stats() {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("select count(*) from evidence")) {
            rs.next();
            return new Stats(usedBytes, budgetBytes, rs.getLong(1), deletedOutside, deletedInside, notKeptFull);
        } catch (SQLException e) {
            throw new JournalException("Cannot read evidence statistics: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            LOG.warn("Closing the evidence index: {}", e.getMessage());
        }
    }
}
