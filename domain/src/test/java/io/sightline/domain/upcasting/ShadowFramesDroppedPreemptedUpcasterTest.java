package io.sightline.domain.upcasting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.domain.event.ShadowFramesDropped;
import java.util.List;
import java.util.stream.Stream;
import org.axonframework.serialization.json.JacksonSerializer;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.junit.jupiter.api.Test;

class ShadowFramesDroppedPreemptedUpcasterTest {

    private static final String V1 = "{\"modelSha256\":\"ab\",\"shadowBusyCount\":2,\"championBacklogCount\":0,\"sampledOutCount\":5,"
            + "\"shadowFailedCount\":1,\"firstFrameIndex\":10,\"lastFrameIndex\":30,\"sampleEvery\":3,\"droppedAtNanos\":9}";

    private final JacksonSerializer serializer = StoredEvent.SERIALIZER;

    private IntermediateEventRepresentation stored(String json, String revision) {
        return StoredEvent.of(ShadowFramesDropped.class, json, revision);
    }

    @Test
    void revisionOneBecomesRevisionTwoWithNoPreemption() {
        List<IntermediateEventRepresentation> out = new ShadowFramesDroppedPreemptedUpcaster().upcast(Stream.of(stored(V1, "1"))).toList();
        assertThat(out.get(0).getType().getRevision()).isEqualTo("2");
        ShadowFramesDropped d = serializer.deserialize(out.get(0).getData(JsonNode.class));
        assertThat(d).isEqualTo(new ShadowFramesDropped("ab", 2, 0, 5, 1, 0, 10, 30, 3, 9));
    }

    @Test
    void revisionTwoKeepsItsCount() {
        IntermediateEventRepresentation current = stored(V1.replace("}", ",\"shadowPreemptedCount\":4}"), "2");
        List<IntermediateEventRepresentation> out = new ShadowFramesDroppedPreemptedUpcaster().upcast(Stream.of(current)).toList();
        assertThat(out.get(0)).isSameAs(current);
        assertThat(((ShadowFramesDropped) serializer.deserialize(out.get(0).getData(JsonNode.class))).shadowPreemptedCount()).isEqualTo(4);
    }
}
