package io.sightline.domain.upcasting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.domain.event.FrameCaptured;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.axonframework.serialization.upcasting.event.SingleEventUpcaster;

/**
 * The first edge prototype stored {@code FrameCaptured} without a revision, with the container
 * time in microseconds ({@code captureTimeMicros}, FFmpeg's unit) and the size as
 * {@code width}/{@code height}. Revision 1 keeps SI-style units in field names: nanoseconds and
 * pixels. Field names are never reused, so the old ones are renamed, not repurposed.
 */
public class FrameCapturedMicrosUpcaster extends SingleEventUpcaster {

    private static final SimpleSerializedType REVISION_0 = new SimpleSerializedType(FrameCaptured.class.getName(), null);
    private static final String REVISION_1 = "1";

    @Override
    protected boolean canUpcast(IntermediateEventRepresentation representation) {
        return REVISION_0.equals(representation.getType());
    }

    @Override
    protected IntermediateEventRepresentation doUpcast(IntermediateEventRepresentation representation) {
        return representation.upcastPayload(
                new SimpleSerializedType(FrameCaptured.class.getName(), REVISION_1),
                JsonNode.class,
                node -> {
                    ObjectNode payload = (ObjectNode) node;
                    JsonNode micros = payload.remove("captureTimeMicros");
                    if (micros != null) {
                        payload.put("captureTimeNanos", Math.multiplyExact(micros.asLong(), 1_000L));
                    }
                    JsonNode width = payload.remove("width");
                    if (width != null) {
                        payload.put("widthPx", width.asInt());
                    }
                    JsonNode height = payload.remove("height");
                    if (height != null) {
                        payload.put("heightPx", height.asInt());
                    }
                    return payload;
                });
    }
}
