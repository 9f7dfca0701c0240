package io.sightline.domain.upcasting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.domain.event.ModelActivated;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.axonframework.serialization.upcasting.event.SingleEventUpcaster;

/**
 * Revision 2 of {@code ModelActivated} names what caused an activation within a run (the cloud's
 * {@code VehicleAssigned} the edge followed, ADR-0035). Every revision-1 activation happened at the
 * start of a session, which nothing caused, so it gets an empty list.
 */
public class ModelActivatedCausesUpcaster extends SingleEventUpcaster {

    private static final SimpleSerializedType REVISION_1 = new SimpleSerializedType(ModelActivated.class.getName(), "1");
    private static final String REVISION_2 = "2";

    @Override
    protected boolean canUpcast(IntermediateEventRepresentation representation) {
        return REVISION_1.equals(representation.getType());
    }

    @Override
    protected IntermediateEventRepresentation doUpcast(IntermediateEventRepresentation representation) {
        return representation.upcastPayload(
                new SimpleSerializedType(ModelActivated.class.getName(), REVISION_2),
                JsonNode.class,
                node -> {
                    ObjectNode payload = (ObjectNode) node;
                    if (!payload.has("causes")) {
                        payload.putArray("causes");
                    }
                    return payload;
                });
    }
}
