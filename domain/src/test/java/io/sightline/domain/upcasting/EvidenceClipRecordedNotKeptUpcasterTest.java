package io.sightline.domain.upcasting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.domain.event.EvidenceClipRecorded;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.axonframework.eventhandling.GenericDomainEventEntry;
import org.axonframework.serialization.json.JacksonSerializer;
import org.axonframework.serialization.upcasting.event.InitialEventRepresentation;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.junit.jupiter.api.Test;

class EvidenceClipRecordedNotKeptUpcasterTest {

    private static final String CLIP = "a".repeat(64);
    private static final String V2 = "{\"clipSha256\":\"" + CLIP + "\",\"contentType\":\"video/mp4\",\"sizeBytes\":1000,"
            + "\"method\":\"encode\",\"firstFrameIndex\":10,\"frameCount\":40,\"frameRateHz\":25.0,\"windowFirstFrameIndex\":0,"
            + "\"windowLastFrameIndex\":49,\"alertIds\":[\"a-1\"],\"recordedAtNanos\":9,\"decidingStills\":[]}";

    private final JacksonSerializer serializer = JacksonSerializer.defaultSerializer();

    private IntermediateEventRepresentation stored(String json, String revision) {
        return new InitialEventRepresentation(new GenericDomainEventEntry<>("DriveSession", "s", 1, "e1", Instant.EPOCH,
                EvidenceClipRecorded.class.getName(), revision, json.getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8)),
                serializer);
    }

    private EvidenceClipRecorded payload(IntermediateEventRepresentation r) {
        return serializer.deserialize(r.getData(JsonNode.class));
    }

    @Test
    void revisionTwoBecomesRevisionThreeWithNoFrameGivenUpToAnEncode() {
        List<IntermediateEventRepresentation> out = new EvidenceClipRecordedNotKeptUpcaster().upcast(Stream.of(stored(V2, "2"))).toList();
        assertThat(out.get(0).getType().getRevision()).isEqualTo("3");
        assertThat(out.get(0).getData(JsonNode.class).getData().get("windowFramesNotKept").asLong(-1)).isZero();
        EvidenceClipRecorded c = payload(out.get(0));
        assertThat(c.windowFramesNotKept()).isZero();
        assertThat(c).isEqualTo(new EvidenceClipRecorded(CLIP, "video/mp4", 1000, "encode", 10, 40, 25.0, 0, 49, List.of("a-1"), 9,
                List.of()));
    }

    @Test
    void revisionOneGoesThroughBothStepsInTheStoreOrder() {
        String v1 = V2.replace(",\"decidingStills\":[]", "");
        List<IntermediateEventRepresentation> out = new EvidenceClipRecordedNotKeptUpcaster()
                .upcast(new EvidenceClipRecordedStillsUpcaster().upcast(Stream.of(stored(v1, "1")))).toList();
        assertThat(out.get(0).getType().getRevision()).isEqualTo("3");
        EvidenceClipRecorded c = payload(out.get(0));
        assertThat(c.decidingStills()).isEmpty();
        assertThat(c.windowFramesNotKept()).isZero();
    }

    @Test
    void revisionThreeKeepsItsCount() {
        IntermediateEventRepresentation current = stored(V2.replace("}", ",\"windowFramesNotKept\":7}"), "3");
        List<IntermediateEventRepresentation> out = new EvidenceClipRecordedNotKeptUpcaster().upcast(Stream.of(current)).toList();
        assertThat(out.get(0)).isSameAs(current);
        assertThat(payload(out.get(0)).windowFramesNotKept()).isEqualTo(7L);
    }

    @Test
    void aNegativeCountIsRefused() {
        assertThatThrownBy(() -> new EvidenceClipRecorded(CLIP, "video/mp4", 1000, "encode", 10, 40, 25.0, 0, 49, List.of("a-1"), 9,
                List.of(), -1L)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("windowFramesNotKept");
    }
}
