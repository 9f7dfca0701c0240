package io.sightline.domain.upcasting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.axonframework.serialization.upcasting.event.SingleEventUpcaster;

/**
 * One revision step of an event that only added a field: a payload stored at the older revision
 * gets the field with the value every such event had (it did not exist yet), unless it already has
 * it; nothing else moves. The events' own subclasses say which field and why that value.
 */
public abstract class AddedFieldUpcaster extends SingleEventUpcaster {

    private final SimpleSerializedType from;
    private final SimpleSerializedType to;
    private final String field;
    private final JsonNode valueBefore;

    protected AddedFieldUpcaster(Class<?> eventType, String fromRevision, String toRevision, String field, JsonNode valueBefore) {
        this.from = new SimpleSerializedType(eventType.getName(), fromRevision);
        this.to = new SimpleSerializedType(eventType.getName(), toRevision);
        this.field = field;
        this.valueBefore = valueBefore;
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
                payload.set(field, valueBefore.deepCopy());
            }
            return payload;
        });
    }
}
