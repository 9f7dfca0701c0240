package io.sightline.domain.upcasting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.domain.event.EvidenceClipRecorded;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.axonframework.serialization.upcasting.event.SingleEventUpcaster;

/**
 * Revision 2 of {@code EvidenceClipRecorded} carries the still JPEGs of its alerts' deciding frames
 * (ADR-0041). A revision-1 clip was recorded before the edge kept any, so it gets an empty list: its
 * viewer shows the clip paused on the deciding frame, as it did.
 */
public class EvidenceClipRecordedStillsUpcaster extends SingleEventUpcaster {

    private static final SimpleSerializedType REVISION_1 = new SimpleSerializedType(EvidenceClipRecorded.class.getName(), "1");
    private static final String REVISION_2 = "2";

    @Override
    protected boolean canUpcast(IntermediateEventRepresentation representation) {
        return REVISION_1.equals(representation.getType());
    }

    @Override
    protected IntermediateEventRepresentation doUpcast(IntermediateEventRepresentation representation) {
        return representation.upcastPayload(
                new SimpleSerializedType(EvidenceClipRecorded.class.getName(), REVISION_2),
                JsonNode.class,
                node -> {
                    ObjectNode payload = (ObjectNode) node;
                    if (!payload.has("decidingStills")) {
                        payload.putArray("decidingStills");
                    }
                    return payload;
                });
    }
}
