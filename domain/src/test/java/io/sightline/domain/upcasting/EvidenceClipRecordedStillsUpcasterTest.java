package io.sightline.domain.upcasting;

import static org.assertj.core.api.Assertions.assertThat;

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

class EvidenceClipRecordedStillsUpcasterTest {

    private static final String CLIP = "a".repeat(64);
    private static final String STILL = "b".repeat(64);
    private static final String V1 = "{\"clipSha256\":\"" + CLIP + "\",\"contentType\":\"video/mp4\",\"sizeBytes\":1000,"
            + "\"method\":\"remux\",\"firstFrameIndex\":0,\"frameCount\":50,\"frameRateHz\":25.0,\"windowFirstFrameIndex\":0,"
            + "\"windowLastFrameIndex\":49,\"alertIds\":[\"a-1\"],\"recordedAtNanos\":9}";

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
    void revisionOneBecomesRevisionTwoWithNoStills() {
        List<IntermediateEventRepresentation> out = new EvidenceClipRecordedStillsUpcaster().upcast(Stream.of(stored(V1, "1"))).toList();
        assertThat(out.get(0).getType().getRevision()).isEqualTo("2");
        EvidenceClipRecorded c = payload(out.get(0));
        assertThat(c.decidingStills()).isEmpty();
        assertThat(c).isEqualTo(new EvidenceClipRecorded(CLIP, "video/mp4", 1000, "remux", 0, 50, 25.0, 0, 49, List.of("a-1"), 9, List.of()));
    }

    @Test
    void revisionTwoKeepsItsStills() {
        String v2 = V1.replace("}", ",\"decidingStills\":[{\"alertId\":\"a-1\",\"frameIndex\":30,\"sha256\":\"" + STILL
                + "\",\"sizeBytes\":4000,\"widthPx\":960,\"heightPx\":540}]}");
        IntermediateEventRepresentation current = stored(v2, "2");
        List<IntermediateEventRepresentation> out = new EvidenceClipRecordedStillsUpcaster().upcast(Stream.of(current)).toList();
        assertThat(out.get(0)).isSameAs(current);
        assertThat(payload(out.get(0)).stillOf("a-1")).isEqualTo(new EvidenceClipRecorded.DecidingStill("a-1", 30, STILL, 4000, 960, 540));
    }

    @Test
    void aStillOfAnAlertTheClipDoesNotCoverIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new EvidenceClipRecorded(CLIP, "video/mp4", 1000, "encode", 0, 50, 25.0, 0,
                        49, List.of("a-1"), 9, List.of(new EvidenceClipRecorded.DecidingStill("a-2", 30, STILL, 4000, 960, 540))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a-2");
    }
}
