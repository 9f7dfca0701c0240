package io.sightline.domain.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.domain.event.EventCatalog;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.OptionalField;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.session.BatchRejectedException;
import io.sightline.domain.session.RejectionReason;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The wire form of edge events: {@code {eventId, sequence, occurredAtNanos, type, payload}}.
 *
 * <p>Decoding is strict, because a batch that is half understood must not be half stored: an
 * unknown type, a missing or null required field, or an unknown field refuses the whole batch.
 * Boxed numeric components ({@code Double}, {@code Long}, {@code Integer}) and components marked
 * {@link OptionalField} are the catalog's optional fields; every other component is required.
 */
public final class EventCodec {

    private final ObjectMapper mapper;
    private final Map<Class<?>, RecordComponent[]> components = new ConcurrentHashMap<>();
    private final Map<Class<?>, String[]> optionalFields = new ConcurrentHashMap<>();

    public EventCodec() {
        this.mapper = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    public ObjectNode encode(EventEnvelope envelope) {
        ObjectNode node = mapper.createObjectNode();
        node.put("eventId", envelope.eventId());
        node.put("sequence", envelope.sequence());
        node.put("occurredAtNanos", envelope.occurredAtNanos());
        node.put("type", EventCatalog.nameOf(envelope.payload()));
        node.set("payload", mapper.valueToTree(envelope.payload()));
        if (envelope.traceparent() != null) {
            node.put("traceparent", envelope.traceparent());
        }
        return node;
    }

    public String encodeBatch(List<EventEnvelope> envelopes) {
        var array = mapper.createArrayNode();
        for (EventEnvelope e : envelopes) {
            array.add(encode(e));
        }
        try {
            return mapper.writeValueAsString(array);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode batch", e);
        }
    }

    public List<EventEnvelope> decodeBatch(String json) {
        JsonNode root;
        try {
            root = mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw malformed(-1, "the batch is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isArray()) {
            throw malformed(-1, "the batch must be a JSON array of events");
        }
        List<EventEnvelope> out = new ArrayList<>(root.size());
        for (JsonNode node : root) {
            out.add(decode(node));
        }
        return out;
    }

    public EventEnvelope decode(JsonNode node) {
        long sequence = node.path("sequence").isIntegralNumber() ? node.get("sequence").asLong() : -1;
        String eventId = text(node, "eventId", sequence);
        if (sequence < 0) {
            throw malformed(-1, "event " + eventId + " has no non-negative integer 'sequence'");
        }
        if (!node.path("occurredAtNanos").isIntegralNumber()) {
            throw malformed(sequence, "event at sequence " + sequence + " has no integer 'occurredAtNanos'");
        }
        String type = text(node, "type", sequence);
        Class<? extends SightlineEvent> cls = EventCatalog.byName(type)
                .orElseThrow(() -> malformed(sequence, "event at sequence " + sequence + " has unknown type '" + type
                        + "'; known types are listed in docs/events.md"));
        JsonNode payload = node.get("payload");
        if (payload == null || !payload.isObject()) {
            throw malformed(sequence, "event at sequence " + sequence + " (" + type + ") has no 'payload' object");
        }
        payload = withAbsentOptionalFields((ObjectNode) payload, cls);
        SightlineEvent event;
        try {
            event = mapper.treeToValue(payload, cls);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            String detail = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw malformed(sequence, "event at sequence " + sequence + " (" + type + ") is not a valid " + type + ": " + detail);
        }
        requireFields(event, sequence, type);
        JsonNode traceparent = node.get("traceparent");
        if (traceparent != null && !traceparent.isNull() && !traceparent.isTextual()) {
            throw malformed(sequence, "event at sequence " + sequence + " has a non-text 'traceparent'");
        }
        try {
            return new EventEnvelope(eventId, sequence, node.get("occurredAtNanos").asLong(), event,
                    traceparent == null || traceparent.isNull() ? null : traceparent.asText());
        } catch (IllegalArgumentException e) {
            throw malformed(sequence, "event at sequence " + sequence + ": " + e.getMessage());
        }
    }

    /**
     * An {@link OptionalField} added in a later revision is absent from what an older producer
     * sends; it reads as null rather than failing the strict missing-property check. The caller's
     * tree is left as received (a copy is made only when a field is absent).
     */
    private ObjectNode withAbsentOptionalFields(ObjectNode payload, Class<?> type) {
        ObjectNode out = payload;
        for (String name : optionalFields.computeIfAbsent(type, EventCodec::optionalFieldNames)) {
            if (!out.has(name)) {
                if (out == payload) {
                    out = payload.deepCopy();
                }
                out.putNull(name);
            }
        }
        return out;
    }

    private static String[] optionalFieldNames(Class<?> type) {
        RecordComponent[] rc = type.getRecordComponents();
        if (rc == null) {
            return new String[0];
        }
        return java.util.Arrays.stream(rc).filter(c -> c.isAnnotationPresent(OptionalField.class)).map(RecordComponent::getName)
                .toArray(String[]::new);
    }

    private void requireFields(Object record, long sequence, String type) {
        RecordComponent[] rc = components.computeIfAbsent(record.getClass(), Class::getRecordComponents);
        if (rc == null) {
            return;
        }
        for (RecordComponent c : rc) {
            Class<?> t = c.getType();
            if (t.isPrimitive() || t == Double.class || t == Long.class || t == Integer.class || c.isAnnotationPresent(OptionalField.class)) {
                continue;
            }
            Object value;
            try {
                value = c.getAccessor().invoke(record);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (value == null) {
                throw malformed(sequence, "event at sequence " + sequence + " (" + type + ") is missing required field '"
                        + c.getName() + "'");
            }
            if (t.isRecord()) {
                requireFields(value, sequence, type);
            }
        }
    }

    private static String text(JsonNode node, String field, long sequence) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw malformed(sequence, "event" + (sequence >= 0 ? " at sequence " + sequence : "") + " has no '" + field + "'");
        }
        return v.asText();
    }

    private static BatchRejectedException malformed(long sequence, String message) {
        return new BatchRejectedException(RejectionReason.MALFORMED_EVENT, -1, sequence, message);
    }
}
