package io.sightline.domain.upcasting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.domain.event.FrameCaptured;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.axonframework.serialization.upcasting.event.SingleEventUpcaster;

/**
 * Revision 2 of {@code FrameCaptured} names the evidence JPEG of the frame ({@code evidenceSha256},
 * ADR-0008). Frames stored before it had no evidence, so they get {@code null}. Runs after
 * {@link FrameCapturedMicrosUpcaster}: a revision-0 frame reaches revision 2 through both.
 */
public class FrameCapturedEvidenceUpcaster extends SingleEventUpcaster {

    private static final SimpleSerializedType REVISION_1 = new SimpleSerializedType(FrameCaptured.class.getName(), "1");
    private static final String REVISION_2 = "2";

    @Override
    protected boolean canUpcast(IntermediateEventRepresentation representation) {
        return REVISION_1.equals(representation.getType());
    }

    @Override
    protected IntermediateEventRepresentation doUpcast(IntermediateEventRepresentation representation) {
        return representation.upcastPayload(
                new SimpleSerializedType(FrameCaptured.class.getName(), REVISION_2),
                JsonNode.class,
                node -> {
                    ObjectNode payload = (ObjectNode) node;
                    if (!payload.has("evidenceSha256")) {
                        payload.putNull("evidenceSha256");
                    }
                    return payload;
                });
    }
}
