package io.sightline.domain.upcasting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Consumer;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.axonframework.serialization.upcasting.event.SingleEventUpcaster;

/**
 * One revision step of an event that gained a field: stored events of the old revision get the value that was true of
 * them when they were written (never a guess). A payload that already has the field keeps it.
 */
abstract class FieldAddedUpcaster extends SingleEventUpcaster {

    private final SimpleSerializedType from;
    private final SimpleSerializedType to;
    private final String field;
    private final Consumer<ObjectNode> addDefault;

    /** @param addDefault puts {@code field}'s value for the old revision into the payload */
    FieldAddedUpcaster(Class<?> event, String fromRevision, String toRevision, String field, Consumer<ObjectNode> addDefault) {
        this.from = new SimpleSerializedType(event.getName(), fromRevision);
        this.to = new SimpleSerializedType(event.getName(), toRevision);
        this.field = field;
        this.addDefault = addDefault;
    }

    @Override
    protected boolean canUpcast(IntermediateEventRepresentation representation) {
        return from.equals(representation.getType());
    }

    @Override
    protected IntermediateEventRepresentation doUpcast(IntermediateEventRepresentation representation) {
        return representation.upcastPayload(to, JsonNode.class, node -> {
            ObjectNode payload = (ObjectNode) node;
            if (!payload.has(field)) {
                addDefault.accept(payload);
            }
            return payload;
        });
    }
}
