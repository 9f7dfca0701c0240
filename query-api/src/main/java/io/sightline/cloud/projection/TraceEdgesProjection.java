package io.sightline.cloud.projection;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sightline.domain.event.DerivedEvent;
import io.sightline.domain.event.EventCatalog;
import java.io.IOException;
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
    private static final String INSERT = "insert into trace_edges (event_id, cause_id, event_type, session_id, global_index)"
            + " values (?,?,?,?,?) on conflict do nothing";
    private static final JsonFactory JSON = new JsonFactory();

    private final JdbcTemplate jdbc;
    private final BatchedJdbcWriter writer;
    private final Serializer eventSerializer;

    public TraceEdgesProjection(JdbcTemplate jdbc, @Qualifier("eventSerializer") Serializer eventSerializer) {
        this.jdbc = jdbc;
        this.writer = new BatchedJdbcWriter(jdbc, NAME);
        this.eventSerializer = eventSerializer;
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
        for (String cause : causes) {
            writer.add(INSERT, message.getIdentifier(), cause, type, message.getAggregateIdentifier(), globalIndex);
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
