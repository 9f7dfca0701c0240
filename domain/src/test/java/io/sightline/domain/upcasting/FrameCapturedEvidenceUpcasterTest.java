package io.sightline.domain.upcasting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.domain.event.FrameCaptured;
import java.util.List;
import java.util.stream.Stream;
import org.axonframework.serialization.json.JacksonSerializer;
import org.axonframework.serialization.upcasting.event.EventUpcasterChain;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.junit.jupiter.api.Test;

class FrameCapturedEvidenceUpcasterTest {

    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private final JacksonSerializer serializer = StoredEvent.SERIALIZER;

    private IntermediateEventRepresentation stored(String json, String revision) {
        return StoredEvent.of(FrameCaptured.class, json, revision);
    }

    private FrameCaptured payload(IntermediateEventRepresentation r) {
        return serializer.deserialize(r.getData(JsonNode.class));
    }

    @Test
    void revisionOneBecomesRevisionTwoWithoutEvidence() {
        var old = stored("{\"frameId\":\"f7\",\"frameIndex\":7,\"captureTimeNanos\":5,\"widthPx\":960,\"heightPx\":540,\"sourceId\":\"c\"}", "1");
        List<IntermediateEventRepresentation> out = new FrameCapturedEvidenceUpcaster().upcast(Stream.of(old)).toList();
        assertThat(out.get(0).getType().getRevision()).isEqualTo("2");
        assertThat(out.get(0).getData(JsonNode.class).getData().has("evidenceSha256")).isTrue();
        assertThat(payload(out.get(0))).isEqualTo(new FrameCaptured("f7", 7, 5, 960, 540, "c", null));
    }

    @Test
    void revisionZeroReachesRevisionTwoThroughTheChainInOrder() {
        var old = stored("{\"frameId\":\"f7\",\"frameIndex\":7,\"captureTimeMicros\":280000,\"width\":1280,\"height\":720,\"sourceId\":\"clip\"}",
                null);
        EventUpcasterChain chain = new EventUpcasterChain(new FrameCapturedMicrosUpcaster(), new FrameCapturedEvidenceUpcaster());
        List<IntermediateEventRepresentation> out = chain.upcast(Stream.of(old)).toList();
        assertThat(out.get(0).getType().getRevision()).isEqualTo("2");
        assertThat(payload(out.get(0))).isEqualTo(new FrameCaptured("f7", 7, 280_000_000L, 1280, 720, "clip", null));
    }

    @Test
    void revisionTwoIsLeftAloneAndKeepsItsEvidence() {
        var current = stored("{\"frameId\":\"f7\",\"frameIndex\":7,\"captureTimeNanos\":5,\"widthPx\":1,\"heightPx\":2,\"sourceId\":\"c\","
                + "\"evidenceSha256\":\"" + SHA + "\"}", "2");
        List<IntermediateEventRepresentation> out = new FrameCapturedEvidenceUpcaster().upcast(Stream.of(current)).toList();
        assertThat(out.get(0)).isSameAs(current);
        assertThat(payload(out.get(0)).evidenceSha256()).isEqualTo(SHA);
    }

    @Test
    void evidenceMustBeLowerCaseSha256Hex() {
        assertThatThrownBy(() -> new FrameCaptured("f", 0, 0, 1, 1, "c", SHA.toUpperCase()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64 lower-case hex");
        assertThatThrownBy(() -> new FrameCaptured("f", 0, 0, 1, 1, "c", "abc"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new FrameCaptured("f", 0, 0, 1, 1, "c").evidenceSha256()).isNull();
    }
}
