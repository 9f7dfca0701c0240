package io.sightline.cloud.trace;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventMetadataKeys;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.explain.EventLookup;
import io.sightline.explain.StoredEvent;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.Set;
import java.util.function.Supplier;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventUtils;
import org.axonframework.eventhandling.GenericDomainEventEntry;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.TrackedDomainEventData;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.messaging.MetaData;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.SimpleSerializedObject;
import org.axonframework.serialization.upcasting.event.EventUpcaster;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@link EventLookup} over Axon's JDBC store on PostgreSQL. Every method is one indexed statement
 * (ids go in as one array: {@code event_identifier = any(?)} on the unique index), and rows are
 * decoded through Axon's own serializer and upcaster chain, so a trace sees exactly the payloads a
 * projection would, old revisions included.
 *
 * <p>An alert is its AlertRaised event (the edge makes the ids equal), else the event the {@code alerts}
 * projection's read model maps its id to; effects come from {@code trace_edges}; the model activation from
 * {@code session_models}, with a scan of the session as the fallback while that projection lags.
 */
public class JdbcEventLookup implements EventLookup {

    static final String COLUMNS = "global_index, event_identifier, aggregate_identifier, sequence_number, type, time_stamp,"
            + " payload_type, payload_revision, payload, meta_data";
    private static final String BY_IDS = "select " + COLUMNS + " from domain_event_entry where event_identifier = any(?)";

    private final JdbcTemplate jdbc;
    private final Function<String, Optional<String>> alertEventId;
    private final Supplier<Serializer> serializer;
    private final Supplier<EventUpcaster> upcaster;

    /**
     * @param alertEventId the AlertRaised event id of an alert id, from the alerts read model, which owns that table
     * @param serializer   a supplier, like {@code upcaster}, because Axon's configuration is only complete after the Spring context started
     */
    public JdbcEventLookup(JdbcTemplate jdbc, Function<String, Optional<String>> alertEventId, Supplier<Serializer> serializer,
                           Supplier<EventUpcaster> upcaster) {
        this.jdbc = jdbc;
        this.alertEventId = alertEventId;
        this.serializer = serializer;
        this.upcaster = upcaster;
    }

    private record Row(long globalIndex, String eventId, String sessionId, long sequence, String type, String timeStamp,
                       String payloadType, String payloadRevision, byte[] payload, byte[] metaData) {
    }

    private static Row row(ResultSet rs, int i) throws SQLException {
        return new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5), rs.getString(6),
                rs.getString(7), rs.getString(8), rs.getBytes(9), rs.getBytes(10));
    }

    /** Upcasts and deserializes rows in one stream, as the storage engine does. */
    List<StoredEvent> decode(List<Row> rows) {
        if (rows.isEmpty()) {
            return List.of();
        }
        Map<String, Row> byId = new HashMap<>(rows.size() * 2);
        List<TrackedDomainEventData<byte[]>> data = new ArrayList<>(rows.size());
        for (Row r : rows) {
            byId.put(r.eventId(), r);
            data.add(new TrackedDomainEventData<>(new GlobalSequenceTrackingToken(r.globalIndex()),
                    new GenericDomainEventEntry<>(r.type(), r.sessionId(), r.sequence(), r.eventId(), r.timeStamp(), r.payloadType(),
                            r.payloadRevision(), r.payload(), r.metaData())));
        }
        List<StoredEvent> out = new ArrayList<>(rows.size());
        EventUtils.upcastAndDeserializeTrackedEvents(data.stream(), serializer.get(), upcaster.get()).forEach(m -> out.add(toStored(m, byId)));
        return out;
    }

    private static StoredEvent toStored(TrackedEventMessage<?> m, Map<String, Row> rows) {
        Row r = rows.get(m.getIdentifier());
        long occurredAt = occurredAt(m.getMetaData());
        String session = io.sightline.domain.session.SessionAggregates.driveSessionOf(
                m instanceof DomainEventMessage<?> d ? d.getAggregateIdentifier() : r.sessionId());
        long sequence = m instanceof DomainEventMessage<?> d ? d.getSequenceNumber() : r.sequence();
        // After a tier gap (ADR-0027) the store's sequence runs behind the edge's; a trace names the edge's.
        if (m.getMetaData().get(EventMetadataKeys.EDGE_SEQUENCE) instanceof Number edge) {
            sequence = edge.longValue();
        }
        return new StoredEvent(m.getIdentifier(), session, sequence, r.globalIndex(), occurredAt, (SightlineEvent) m.getPayload());
    }

    private static long occurredAt(MetaData metaData) {
        Object v = metaData.get(EventMetadataKeys.OCCURRED_AT_NANOS);
        return v instanceof Number n ? n.longValue() : Long.MIN_VALUE;
    }

    private List<StoredEvent> query(String sql, Object... args) {
        return decode(jdbc.query(sql, JdbcEventLookup::row, args));
    }

    @Override
    public Map<String, StoredEvent> findByIds(Collection<String> eventIds) {
        if (eventIds.isEmpty()) {
            return Map.of();
        }
        List<Row> rows = jdbc.query(BY_IDS, (PreparedStatement ps) -> {
            Array array = ps.getConnection().createArrayOf("varchar", eventIds.toArray());
            ps.setArray(1, array);
        }, JdbcEventLookup::row);
        Map<String, StoredEvent> out = new LinkedHashMap<>();
        for (StoredEvent e : decode(rows)) {
            out.put(e.eventId(), e);
        }
        return out;
    }

    /**
     * One statement: a recursive walk of {@code trace_edges} (primary key (event_id, cause_id)) to
     * collect the ids within {@code maxHops}, then their rows by the unique event-id index. Root
     * events (frames, vehicle state) have no edges of their own but are reached as causes.
     */
    @Override
    public Map<String, StoredEvent> prefetchUpstream(Collection<String> fromIds, int maxHops) {
        if (fromIds.isEmpty()) {
            return Map.of();
        }
        List<Row> rows = jdbc.query("with recursive up(id, hops) as ("
                + " select id, 0 from unnest(?::varchar[]) as start(id)"
                + " union select te.cause_id, up.hops + 1 from trace_edges te join up on te.event_id = up.id where up.hops < ?)"
                + " select " + COLUMNS + " from domain_event_entry where event_identifier in (select id from up)", (PreparedStatement ps) -> {
                    ps.setArray(1, ps.getConnection().createArrayOf("varchar", fromIds.toArray()));
                    ps.setInt(2, maxHops);
                }, JdbcEventLookup::row);
        Map<String, StoredEvent> out = new HashMap<>(rows.size() * 2);
        for (StoredEvent e : decode(rows)) {
            out.put(e.eventId(), e);
        }
        return out;
    }

    @Override
    public Optional<StoredEvent> findAlert(String alertId) {
        // The edge makes an alert's id its AlertRaised event's id, so one indexed statement finds it;
        // the alerts read model's mapping is asked only for an alert whose ids differ.
        Optional<StoredEvent> direct = alertRaised(alertId, alertId);
        if (direct.isPresent()) {
            return direct;
        }
        return alertEventId.apply(alertId).filter(eventId -> !eventId.equals(alertId)).flatMap(eventId -> alertRaised(eventId, alertId));
    }

    private Optional<StoredEvent> alertRaised(String eventId, String alertId) {
        return query("select " + COLUMNS + " from domain_event_entry where event_identifier = ?", eventId).stream()
                .filter(e -> e.payload() instanceof AlertRaised a && a.alertId().equals(alertId)).findFirst();
    }

    @Override
    public List<StoredEvent> findEffects(String eventId) {
        return query("select " + COLUMNS + " from domain_event_entry where event_identifier in"
                + " (select event_id from trace_edges where cause_id = ?) order by global_index", eventId);
    }

    /** One statement: the effects' ids from {@code trace_edges}' cause index, then their rows by the event-id index. */
    @Override
    public List<StoredEvent> findEffectsOfAny(Collection<String> eventIds) {
        if (eventIds.isEmpty()) {
            return List.of();
        }
        List<Row> rows = jdbc.query("select " + COLUMNS + " from domain_event_entry where event_identifier in"
                + " (select event_id from trace_edges where cause_id = any(?)) order by global_index", (PreparedStatement ps) -> {
                    ps.setArray(1, ps.getConnection().createArrayOf("varchar", eventIds.toArray()));
                }, JdbcEventLookup::row);
        return decode(rows);
    }

    @Override
    public Optional<StoredEvent> sessionStart(String sessionId) {
        return query("select " + COLUMNS + " from domain_event_entry where aggregate_identifier = ? and sequence_number = 0", sessionId)
                .stream().filter(e -> e.payload() instanceof DriveSessionStarted).findFirst();
    }

    @Override
    public Optional<StoredEvent> modelActivation(String sessionId, String modelSha256, long atOrBeforeGlobalIndex,
                                                 long atOrBeforeSequence) {
        Optional<StoredEvent> indexed = query("select " + COLUMNS + " from domain_event_entry where event_identifier = (select event_id"
                + " from session_models where session_id = ? and model_sha256 = ? and global_index <= ?"
                + " order by global_index desc limit 1)", sessionId, modelSha256, atOrBeforeGlobalIndex).stream().findFirst();
        if (indexed.isPresent()) {
            return indexed;
        }
        // The alerts processor has not indexed it yet: read the session's activations directly.
        List<StoredEvent> scanned = query("select " + COLUMNS + " from domain_event_entry where aggregate_identifier = ?"
                + " and payload_type = ? and sequence_number <= ? order by sequence_number", sessionId, ModelActivated.class.getName(),
                atOrBeforeSequence);
        StoredEvent last = null;
        for (StoredEvent e : scanned) {
            if (e.payload() instanceof ModelActivated m && m.modelSha256().equals(modelSha256)) {
                last = e;
            }
        }
        return Optional.ofNullable(last);
    }

    /**
     * Edge time is in the metadata, which no index covers; but it never decreases within a session
     * (ingestion refuses a regression), so the window's sequence bounds are found by binary search
     * over the (aggregate, sequence) unique index, about 2·log2(n) point reads.
     */
    @Override
    public List<StoredEvent> sessionEvents(String sessionId, long fromNanos, long toNanos, Set<Class<? extends SightlineEvent>> types) {
        Long maxSeq = jdbc.queryForObject("select max(sequence_number) from domain_event_entry where aggregate_identifier = ?",
                Long.class, sessionId);
        if (maxSeq == null || types.isEmpty()) {
            return List.of();
        }
        String[] names = types.stream().map(Class::getName).toArray(String[]::new);
        if (edgeSequenceOf(sessionId, maxSeq)) {
            // A session uploaded by tier (ADR-0027): a window asked for later is stored after newer events, so the
            // store is not in time order and the binary search below does not hold. Such a session holds a small
            // share of its drive, so the time filter runs over its rows of these types, and the edge's order is restored.
            List<StoredEvent> out = new ArrayList<>(decode(jdbc.query("select " + COLUMNS + " from domain_event_entry where"
                    + " aggregate_identifier = ? and payload_type = any(?) and (convert_from(meta_data, 'UTF8')::json->>'"
                    + EventMetadataKeys.OCCURRED_AT_NANOS + "')::bigint between ? and ?", (PreparedStatement ps) -> {
                        ps.setString(1, sessionId);
                        ps.setArray(2, ps.getConnection().createArrayOf("varchar", names));
                        ps.setLong(3, fromNanos);
                        ps.setLong(4, toNanos);
                    }, JdbcEventLookup::row)));
            out.sort(java.util.Comparator.comparingLong(StoredEvent::sequence));
            return out;
        }
        long first = firstAtOrAfter(sessionId, fromNanos, maxSeq);
        long last = firstAtOrAfter(sessionId, toNanos == Long.MAX_VALUE ? toNanos : toNanos + 1, maxSeq) - 1;
        if (first > last) {
            return List.of();
        }
        String[] typeNames = names;
        List<Row> rows = jdbc.query("select " + COLUMNS + " from domain_event_entry where aggregate_identifier = ?"
                + " and sequence_number between ? and ? and payload_type = any(?) order by sequence_number", (PreparedStatement ps) -> {
                    ps.setString(1, sessionId);
                    ps.setLong(2, first);
                    ps.setLong(3, last);
                    ps.setArray(4, ps.getConnection().createArrayOf("varchar", typeNames));
                }, JdbcEventLookup::row);
        return decode(rows);
    }

    /** Whether the stored event carries the edge's sequence in its metadata: it differs from the store's after a tier gap. */
    private boolean edgeSequenceOf(String sessionId, long storeSequence) {
        List<byte[]> meta = jdbc.query("select meta_data from domain_event_entry where aggregate_identifier = ? and sequence_number = ?",
                (rs, i) -> rs.getBytes(1), sessionId, storeSequence);
        if (meta.isEmpty() || meta.get(0) == null) {
            return false;
        }
        MetaData m = serializer.get().deserialize(new SimpleSerializedObject<>(meta.get(0), byte[].class, MetaData.class.getName(), null));
        return m.containsKey(EventMetadataKeys.EDGE_SEQUENCE);
    }

    /** The smallest sequence whose edge time is ≥ {@code nanos}, or maxSeq + 1. */
    private long firstAtOrAfter(String sessionId, long nanos, long maxSeq) {
        long lo = 0;
        long hi = maxSeq + 1;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (occurredAt(sessionId, mid) >= nanos) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private long occurredAt(String sessionId, long sequence) {
        List<byte[]> meta = jdbc.query("select meta_data from domain_event_entry where aggregate_identifier = ? and sequence_number = ?",
                (rs, i) -> rs.getBytes(1), sessionId, sequence);
        if (meta.isEmpty() || meta.get(0) == null) {
            return Long.MIN_VALUE;
        }
        MetaData m = serializer.get().deserialize(new SimpleSerializedObject<>(meta.get(0), byte[].class, MetaData.class.getName(), null));
        return occurredAt(m);
    }
}
