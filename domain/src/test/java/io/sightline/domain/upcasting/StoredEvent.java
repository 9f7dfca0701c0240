package io.sightline.domain.upcasting;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.axonframework.eventhandling.GenericDomainEventEntry;
import org.axonframework.serialization.json.JacksonSerializer;
import org.axonframework.serialization.upcasting.event.InitialEventRepresentation;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;

/** An event as the JDBC store holds it (JSON payload under its type and revision), for upcaster tests. */
final class StoredEvent {

    static final JacksonSerializer SERIALIZER = JacksonSerializer.defaultSerializer();

    private StoredEvent() {
    }

    static IntermediateEventRepresentation of(Class<?> type, String json, String revision) {
        return new InitialEventRepresentation(new GenericDomainEventEntry<>("DriveSession", "s", 5, "e5", Instant.EPOCH,
                type.getName(), revision, json.getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8)), SERIALIZER);
    }

    /** The payload after upcasting, as the store's serializer reads it. */
    static <T> T payload(IntermediateEventRepresentation r) {
        return SERIALIZER.deserialize(r.getData(JsonNode.class));
    }
}
