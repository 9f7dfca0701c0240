package io.sightline.cloud.projection;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sightline.domain.event.DerivedEvent;
import io.sightline.domain.event.EventCatalog;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.Serializer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The lineage index: one row per (event, cause). The causal-trace walk reads it backwards from an
 * alert. Rows are keyed by (event, cause), so a replay writes nothing twice.
 *
 * <p>Only {@code causes} is needed, so the handler reads that one array from the stored JSON with a
 * streaming parser instead of letting Axon build the whole record: deserialising every derived
 * event held the rebuild at about half the stream read rate (docs/benchmarks.md). Anything the
 * parser does not expect falls back to the deserialised payload, so an odd row costs time, never
 * an edge.
 */
@Component
@ProcessingGroup(TraceEdgesProjection.NAME)
@ConditionalOnProperty(name = "sightline.projections.enabled", havingValue = "true", matchIfMissing = true)
public class TraceEdgesProjection {

    public static final String NAME = "trace-edges";
    /**
     * One statement per processor batch, the rows as five arrays: PostgreSQL plans and binds it once
     * instead of once per (multi-row) insert, which held the rebuild below the stream's read rate
     * (docs/benchmarks.md).
     */
    private static final String INSERT = "insert into trace_edges (event_id, cause_id, event_type, session_id, global_index)"
            + " select * from unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::bigint[]) on conflict do nothing";
    private static final String RESOURCE = TraceEdgesProjection.class.getName() + "/rows";
    private static final JsonFactory JSON = new JsonFactory();

    private final JdbcTemplate jdbc;
    private final Serializer eventSerializer;

    public TraceEdgesProjection(JdbcTemplate jdbc, @Qualifier("eventSerializer") Serializer eventSerializer) {
        this.jdbc = jdbc;
        this.eventSerializer = eventSerializer;
    }

    /** The edges of one processor batch, column by column, written when its unit of work commits. */
    private static final class Rows {
        final List<String> eventIds = new ArrayList<>();
        final List<String> causeIds = new ArrayList<>();
        final List<String> types = new ArrayList<>();
        final List<String> sessions = new ArrayList<>();
        long[] globalIndexes = new long[256];

        void add(String eventId, String causeId, String type, String session, long globalIndex) {
            int n = eventIds.size();
            if (n == globalIndexes.length) {
                globalIndexes = java.util.Arrays.copyOf(globalIndexes, n * 2);
            }
            globalIndexes[n] = globalIndex;
            eventIds.add(eventId);
            causeIds.add(causeId);
            types.add(type);
            sessions.add(session);
        }
    }

    private Rows rows() {
        return ProcessorBatch.state(RESOURCE, Rows::new, this::write);
    }

    private void write(Rows rows) {
        int n = rows.eventIds.size();
        if (n == 0) {
            return;
        }
        jdbc.execute((ConnectionCallback<Integer>) c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setArray(1, c.createArrayOf("varchar", rows.eventIds.toArray()));
                ps.setArray(2, c.createArrayOf("varchar", rows.causeIds.toArray()));
                ps.setArray(3, c.createArrayOf("varchar", rows.types.toArray()));
                ps.setArray(4, c.createArrayOf("varchar", rows.sessions.toArray()));
                // PgJDBC takes a primitive long[] as is; the JDBC interface would need a boxed Long per row.
                ps.setArray(5, c.unwrap(org.postgresql.PGConnection.class).createArrayOf("bigint", java.util.Arrays.copyOf(rows.globalIndexes, n)));
                return ps.executeUpdate();
            }
        });
    }

    /** Matched on the payload's type alone: no parameter asks for the payload, so Axon leaves it serialised. */
    @EventHandler(payloadType = DerivedEvent.class)
    void on(DomainEventMessage<?> message, TrackingToken token) {
        String type = message.getPayloadType().getSimpleName();
        long globalIndex = token.position().orElse(-1);
        List<String> causes = causesFromJson(message);
        if (causes == null) {
            DerivedEvent event = (DerivedEvent) message.getPayload();
            type = EventCatalog.nameOf(event);
            causes = event.causes();
        }
        Rows rows = rows();
        String session = io.sightline.domain.session.SessionAggregates.driveSessionOf(message.getAggregateIdentifier());
        for (String cause : causes) {
            rows.add(message.getIdentifier(), cause, type, session, globalIndex);
        }
    }

    /**
     * The {@code causes} array of the stored payload (after upcasting), or {@code null} when the
     * payload is not the expected JSON object with a string array there; the caller then
     * deserialises it.
     */
    private List<String> causesFromJson(DomainEventMessage<?> message) {
        SerializedObject<byte[]> data;
        try {
            data = message.serializePayload(eventSerializer, byte[].class);
        } catch (RuntimeException e) {
            return null;
        }
        try (JsonParser p = JSON.createParser(data.getData())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (!"causes".equals(field)) {
                    p.skipChildren();
                    continue;
                }
                if (value != JsonToken.START_ARRAY) {
                    return null;
                }
                List<String> causes = new ArrayList<>(2);
                JsonToken t;
                while ((t = p.nextToken()) == JsonToken.VALUE_STRING) {
                    causes.add(p.getText());
                }
                return t == JsonToken.END_ARRAY ? causes : null;
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    @ResetHandler
    void reset() {
        jdbc.update("truncate table trace_edges");
    }
}
