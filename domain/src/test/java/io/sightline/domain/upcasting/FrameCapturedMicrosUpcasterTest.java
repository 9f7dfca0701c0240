package io.sightline.domain.upcasting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.domain.event.FrameCaptured;
import java.util.List;
import java.util.stream.Stream;
import org.axonframework.serialization.SerializedType;
import org.axonframework.serialization.json.JacksonSerializer;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.junit.jupiter.api.Test;

class FrameCapturedMicrosUpcasterTest {

    private final JacksonSerializer serializer = StoredEvent.SERIALIZER;

    private IntermediateEventRepresentation stored(String json, String revision) {
        return StoredEvent.of(FrameCaptured.class, json, revision);
    }

    @Test
    void revisionZeroBecomesRevisionOneWithNanosAndPixels() {
        var old = stored("{\"frameId\":\"f7\",\"frameIndex\":7,\"captureTimeMicros\":280000,\"width\":1280,\"height\":720,\"sourceId\":\"clip\"}", null);
        List<IntermediateEventRepresentation> out = new FrameCapturedMicrosUpcaster().upcast(Stream.of(old)).toList();
        SerializedType type = out.get(0).getType();
        assertThat(type.getRevision()).isEqualTo("1");
        FrameCaptured event = serializer.deserialize(out.get(0).getData(JsonNode.class));
        assertThat(event).isEqualTo(new FrameCaptured("f7", 7, 280_000_000L, 1280, 720, "clip"));
    }

    @Test
    void revisionOneIsLeftAlone() {
        var current = stored("{\"frameId\":\"f7\",\"frameIndex\":7,\"captureTimeNanos\":5,\"widthPx\":1,\"heightPx\":2,\"sourceId\":\"c\"}", "1");
        List<IntermediateEventRepresentation> out = new FrameCapturedMicrosUpcaster().upcast(Stream.of(current)).toList();
        assertThat(out.get(0)).isSameAs(current);
    }
}
