package io.sightline.domain.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.domain.event.EventCatalog;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.OptionalField;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.session.BatchRejectedException;
import io.sightline.domain.session.RejectionReason;
import java.io.IOException;
import java.lang.reflect.Method;
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
    private final Map<Class<?>, Method[]> requiredAccessors = new ConcurrentHashMap<>();
    private final Map<Class<?>, String[]> optionalFields = new ConcurrentHashMap<>();
    private final Map<Class<?>, ObjectReader> readers = new ConcurrentHashMap<>();

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

    /**
     * The wire JSON of one event, the same text as {@code mapper().writeValueAsString(encode(e))},
     * written straight from the record: the edge journal writes every event of every frame, and
     * building a tree first (serialising the payload into a token buffer, reading it back as nodes,
     * then writing the nodes) tripled the work on the journal's thread (ADR-0039).
     */
    public String encodeJson(EventEnvelope envelope) {
        java.io.StringWriter out = new java.io.StringWriter(256);
        try (com.fasterxml.jackson.core.JsonGenerator g = mapper.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("eventId", envelope.eventId());
            g.writeNumberField("sequence", envelope.sequence());
            g.writeNumberField("occurredAtNanos", envelope.occurredAtNanos());
            g.writeStringField("type", EventCatalog.nameOf(envelope.payload()));
            g.writeFieldName("payload");
            mapper.writeValue(g, envelope.payload());
            if (envelope.traceparent() != null) {
                g.writeStringField("traceparent", envelope.traceparent());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode event " + envelope.eventId() + ": " + e.getMessage(), e);
        }
        return out.toString();
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
     * Reads one event straight from a parser positioned on its {@code START_OBJECT}, without the
     * intermediate tree {@link #decode(JsonNode)} builds, and leaves the parser on its
     * {@code END_OBJECT}. It accepts only the plain form this codec's own encoder writes (every
     * payload field present, integral numbers as integers); for anything else, including every
     * input {@link #decode(JsonNode)} would refuse, it returns {@code null}, and the caller decodes
     * the batch through the tree, which decides and explains. It is never more lenient than the tree
     * path: strict duplicate-key detection must be on (a repeated key returns {@code null}). After a
     * {@code null} the parser's position is unspecified: the caller abandons the pass.
     */
    public EventEnvelope decodePlainOrNull(JsonParser p) throws IOException {
        try {
            return readPlain(p);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private EventEnvelope readPlain(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT || !p.isEnabled(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)) {
            return null;
        }
        String eventId = null;
        String type = null;
        String traceparent = null;
        long sequence = -1;
        long occurredAtNanos = 0;
        boolean hasOccurredAt = false;
        SightlineEvent event = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "eventId" -> {
                    if (v != JsonToken.VALUE_STRING || (eventId = p.getText()).isBlank()) {
                        return null;
                    }
                }
                case "sequence" -> {
                    if (!isLong(p, v) || (sequence = p.getLongValue()) < 0) {
                        return null;
                    }
                }
                case "occurredAtNanos" -> {
                    if (!isLong(p, v)) {
                        return null;
                    }
                    occurredAtNanos = p.getLongValue();
                    hasOccurredAt = true;
                }
                case "type" -> {
                    if (v != JsonToken.VALUE_STRING) {
                        return null;
                    }
                    type = p.getText();
                }
                case "traceparent" -> {
                    if (v == JsonToken.VALUE_STRING) {
                        traceparent = p.getText();
                    } else if (v != JsonToken.VALUE_NULL) {
                        return null;
                    }
                }
                case "payload" -> {
                    // The type must come first to read the payload without buffering it; the encoder writes it first.
                    Class<? extends SightlineEvent> cls = type == null ? null : EventCatalog.byName(type).orElse(null);
                    if (cls == null || v != JsonToken.START_OBJECT) {
                        return null;
                    }
                    try {
                        event = readers.computeIfAbsent(cls, mapper::readerFor).readValue(p);
                    } catch (JsonProcessingException | IllegalArgumentException e) {
                        return null;
                    }
                    if (event == null || !hasRequiredFields(event)) {
                        return null;
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT || eventId == null || sequence < 0 || !hasOccurredAt || event == null) {
            return null;
        }
        try {
            return new EventEnvelope(eventId, sequence, occurredAtNanos, event, traceparent);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isLong(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.VALUE_NUMBER_INT) {
            return false;
        }
        JsonParser.NumberType t = p.getNumberType();
        return t == JsonParser.NumberType.INT || t == JsonParser.NumberType.LONG;
    }

    private boolean hasRequiredFields(Object record) {
        try {
            requireFields(record, -1, "");
            return true;
        } catch (BatchRejectedException e) {
            return false;
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
        for (Method accessor : requiredAccessors.computeIfAbsent(record.getClass(), EventCodec::requiredAccessors)) {
            Object value;
            try {
                value = accessor.invoke(record);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (value == null) {
                throw malformed(sequence, "event at sequence " + sequence + " (" + type + ") is missing required field '"
                        + accessor.getName() + "'");
            }
            if (value instanceof Record) {
                requireFields(value, sequence, type);
            }
        }
    }

    /**
     * The accessors of a record's required components (not primitive, boxed numeric or
     * {@link OptionalField}), made accessible once: the access check on every reflective call showed
     * in the cloud's ingest profile.
     */
    private static Method[] requiredAccessors(Class<?> type) {
        RecordComponent[] rc = type.getRecordComponents();
        if (rc == null) {
            return new Method[0];
        }
        List<Method> out = new ArrayList<>();
        for (RecordComponent c : rc) {
            Class<?> t = c.getType();
            if (t.isPrimitive() || t == Double.class || t == Long.class || t == Integer.class || c.isAnnotationPresent(OptionalField.class)) {
                continue;
            }
            Method accessor = c.getAccessor();
            accessor.setAccessible(true);
            out.add(accessor);
        }
        return out.toArray(Method[]::new);
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
