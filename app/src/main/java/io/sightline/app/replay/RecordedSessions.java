package io.sightline.app.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.app.replay.SessionReplay.Recorded;
import io.sightline.app.replay.SessionReplay.RefusedException;
import io.sightline.runtime.EdgePipeline;
import io.sightline.domain.event.EventCatalog;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.EventMetadataKeys;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.domain.session.BatchRejectedException;
import io.sightline.uplink.journal.EdgeJournal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.axonframework.serialization.Revision;

/** Where a replay reads a stored session from: the edge journal (SQLite) or the cloud store (PostgreSQL). */
public final class RecordedSessions {

    private static final int PAGE = 5000;

    private RecordedSessions() {
    }

    /** Every event of the session the journal still holds, in sequence order. */
    public static Recorded fromJournal(Path file, String sessionId) {
        if (!Files.isRegularFile(file)) {
            throw new RefusedException("no edge journal at " + file + ": pass --journal PATH (./sightline run keeps it at"
                    + " .sightline/edge/journal.db), or --jdbc-url to read the session from the cloud store");
        }
        EventCodec codec = new EventCodec();
        try (EdgeJournal journal = EdgeJournal.open(file, EdgePipeline.JOURNAL_BUDGET_BYTES)) {
            List<EdgeJournal.SessionState> sessions = journal.sessions();
            EdgeJournal.SessionState state = sessions.stream().filter(s -> s.sessionId().equals(sessionId)).findFirst()
                    .orElseThrow(() -> new RefusedException("unknown session " + sessionId + ": the journal " + file
                            + " holds " + (sessions.isEmpty() ? "no session" : "sessions "
                            + String.join(", ", sessions.stream().skip(Math.max(0, sessions.size() - 10))
                                    .map(EdgeJournal.SessionState::sessionId).toList())
                            + (sessions.size() > 10 ? " (the last 10 of " + sessions.size() + ")" : ""))
                            + "; pass one of those as --session, or another --journal / --jdbc-url"));
            List<EventEnvelope> events = new ArrayList<>();
            long from = state.retainedFromSequence();
            for (List<EdgeJournal.StoredEvent> page; !(page = journal.read(sessionId, from, PAGE, 64L << 20)).isEmpty(); ) {
                for (EdgeJournal.StoredEvent e : page) {
                    try {
                        events.add(codec.decode(codec.mapper().readTree(e.wireJson())));
                    } catch (BatchRejectedException ex) {
                        throw unreadable(sessionId, "edge journal " + file, ex);
                    } catch (IOException ex) {
                        throw new IllegalStateException("journal event " + e.eventId() + " of session " + sessionId
                                + " is not JSON: " + ex.getMessage(), ex);
                    }
                }
                from = page.get(page.size() - 1).sequence() + 1;
            }
            return new Recorded(sessionId, "edge journal " + file, events);
        }
    }

    /** An event this build cannot read (a required field such as the calibration missing): nothing is replayed. */
    private static RefusedException unreadable(String sessionId, String source, BatchRejectedException e) {
        return new RefusedException("session " + sessionId + " in " + source + " cannot be replayed: " + e.getMessage()
                + ". Replay needs every input intact (DriveSessionStarted with its calibration and policy, ModelActivated,"
                + " frames, detections, vehicle state); record the session again with ./sightline run, or read another"
                + " copy of it (--journal / --jdbc-url)");
    }

    /**
     * Every event of the session's {@code DriveSession} aggregate in the cloud store
     * ({@code domain_event_entry}), in sequence order. Payloads are read as the edge sent them;
     * a payload stored under an older revision than this build's class is refused (replay from
     * the edge journal then), since the upcasters live in the cloud's Axon serializer.
     */
    public static Recorded fromStore(String jdbcUrl, String user, String password, String sessionId) {
        EventCodec codec = new EventCodec();
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        List<EventEnvelope> events = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, props);
             PreparedStatement ps = c.prepareStatement("select event_identifier, sequence_number, payload_type, payload_revision,"
                     + " payload, meta_data from domain_event_entry where aggregate_identifier = ? order by sequence_number")) {
            ps.setString(1, sessionId);
            ps.setFetchSize(PAGE);
            c.setAutoCommit(false);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    long seq = rs.getLong(2);
                    String type = rs.getString(3);
                    String simple = type.substring(type.lastIndexOf('.') + 1);
                    Class<? extends SightlineEvent> cls = EventCatalog.byName(simple).orElse(null);
                    if (cls == null) {
                        continue; // not an edge event (a cloud-side type of a newer build): nothing to replay
                    }
                    Revision rev = cls.getAnnotation(Revision.class);
                    String stored = rs.getString(4);
                    if (rev != null && stored != null && !rev.value().equals(stored)) {
                        throw new RefusedException("session " + sessionId + " in the cloud store holds " + simple + " at sequence "
                                + seq + " under revision " + stored + ", this build's is " + rev.value()
                                + "; replay it from the edge journal (--journal) instead");
                    }
                    JsonNode payload = codec.mapper().readTree(new String(rs.getBytes(5), StandardCharsets.UTF_8));
                    long occurred = 0;
                    byte[] meta = rs.getBytes(6);
                    if (meta != null) {
                        JsonNode m = codec.mapper().readTree(new String(meta, StandardCharsets.UTF_8));
                        occurred = m.path(EventMetadataKeys.OCCURRED_AT_NANOS).asLong(0);
                        // A tiered session (ADR-0027): the edge's sequence, so a window uploaded later takes its place in time.
                        seq = m.path(EventMetadataKeys.EDGE_SEQUENCE).asLong(seq);
                    }
                    ObjectNode wire = codec.mapper().createObjectNode();
                    wire.put("eventId", id);
                    wire.put("sequence", seq);
                    wire.put("occurredAtNanos", occurred);
                    wire.put("type", simple);
                    wire.set("payload", payload);
                    try {
                        events.add(codec.decode(wire));
                    } catch (BatchRejectedException ex) {
                        throw unreadable(sessionId, "cloud store " + jdbcUrl, ex);
                    }
                }
            }
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot read session " + sessionId + " from " + jdbcUrl + ": " + e.getMessage(), e);
        }
        events.sort(java.util.Comparator.comparingLong(EventEnvelope::sequence));
        if (events.isEmpty()) {
            throw new RefusedException("unknown session " + sessionId + ": the cloud store at " + jdbcUrl + " holds no event of it;"
                    + " GET /api/v1/sessions lists the sessions, or pass --journal to read an edge journal");
        }
        return new Recorded(sessionId, "cloud store " + jdbcUrl, events);
    }
}
