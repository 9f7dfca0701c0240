package io.sightline.domain.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.session.BatchRejectedException;
import io.sightline.domain.session.RejectionReason;
import io.sightline.domain.session.SessionEvents;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    private final EventCodec codec = new EventCodec();

    @Test
    void roundTripsEveryEventOfARealisticSession() {
        List<EventEnvelope> session = SessionEvents.opening("s", 12);
        assertThat(codec.decodeBatch(codec.encodeBatch(session))).isEqualTo(session);
    }

    @Test
    void theStreamedWireJsonIsTheTreesTextForEveryEventOfASession() throws IOException {
        List<EventEnvelope> session = new ArrayList<>(SessionEvents.opening("s", 40));
        session.add(new EventEnvelope("s/t", 99, 5, SessionEvents.frame(0), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        for (EventEnvelope e : session) {
            assertThat(codec.encodeJson(e)).as(e.eventId()).isEqualTo(codec.mapper().writeValueAsString(codec.encode(e)));
        }
    }

    private static BatchRejectedException rejected(Runnable r) {
        try {
            r.run();
        } catch (BatchRejectedException e) {
            assertThat(e.reason()).isEqualTo(RejectionReason.MALFORMED_EVENT);
            return e;
        }
        throw new AssertionError("expected a MALFORMED_EVENT rejection");
    }

    @Test
    void traceparentTravelsWithTheEventAndIsValidated() {
        EventEnvelope e = new EventEnvelope("s/0", 0, 5, SessionEvents.frame(0), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(codec.decodeBatch(codec.encodeBatch(List.of(e)))).containsExactly(e);
        String bad = codec.encodeBatch(List.of(e)).replace("00f067aa0ba902b7", "not-a-span-id!!!");
        assertThat(rejected(() -> codec.decodeBatch(bad)).getMessage()).contains("traceparent");
    }

    /** Revision 3's count of frames not kept (ADR-0041) round-trips, and an older edge's clip without it ingests as 0. */
    @Test
    void anOlderEdgesClipWithoutItsFramesNotKeptIngestsAsNone() {
        io.sightline.domain.event.EvidenceClipRecorded clip = new io.sightline.domain.event.EvidenceClipRecorded("a".repeat(64),
                "video/mp4", 1000, "encode", 12, 40, 25.0, 0, 51, List.of("al-1"), 9, List.of(), 12L);
        EventEnvelope e = new EventEnvelope("s/clip", 7, 9, clip, null);
        String json = codec.encodeBatch(List.of(e));
        assertThat(json).contains("\"windowFramesNotKept\":12");
        assertThat(codec.decodeBatch(json)).containsExactly(e);
        String older = json.replace(",\"windowFramesNotKept\":12", "").replace(",\"decidingStills\":[]", "");
        assertThat(older).doesNotContain("windowFramesNotKept").doesNotContain("decidingStills");
        io.sightline.domain.event.EvidenceClipRecorded decoded = (io.sightline.domain.event.EvidenceClipRecorded) codec.decodeBatch(older)
                .get(0).payload();
        assertThat(decoded.windowFramesNotKept()).isZero();
        assertThat(decoded.decidingStills()).isEmpty();
        assertThat(rejected(() -> codec.decodeBatch(json.replace("\"windowFramesNotKept\":12", "\"windowFramesNotKept\":-1")))
                .getMessage()).contains("windowFramesNotKept");
    }

    @Test
    void unknownTypeIsNamed() {
        var e = rejected(() -> codec.decodeBatch("[{\"eventId\":\"a\",\"sequence\":3,\"occurredAtNanos\":1,\"type\":\"Nope\",\"payload\":{}}]"));
        assertThat(e.getMessage()).contains("unknown type 'Nope'").contains("sequence 3");
        assertThat(e.offendingSequence()).isEqualTo(3);
    }

    @Test
    void missingRequiredFieldIsNamedEvenInsideNestedRecords() {
        String noBox = "[{\"eventId\":\"a\",\"sequence\":4,\"occurredAtNanos\":1,\"type\":\"DetectionObserved\",\"payload\":"
                + "{\"detectionId\":\"d\",\"frameId\":\"f\",\"classId\":2,\"className\":\"car\",\"score\":0.5,"
                + "\"modelName\":\"m\",\"modelVersion\":\"1\",\"modelSha256\":\"x\",\"causes\":[\"f\"]}}]";
        assertThat(rejected(() -> codec.decodeBatch(noBox)).getMessage()).contains("boxPx");
        String nullCorner = noBox.replace("\"modelName\"", "\"boxPx\":{\"x1\":1,\"y1\":2,\"x2\":null,\"y2\":4},\"modelName\"");
        assertThat(rejected(() -> codec.decodeBatch(nullCorner)).getMessage()).contains("DetectionObserved");
    }

    @Test
    void unknownFieldAndBrokenJsonAndNegativeBoxAreRefused() {
        assertThat(rejected(() -> codec.decodeBatch("[{\"eventId\":\"a\",\"sequence\":0,\"occurredAtNanos\":1,\"type\":\"FramesDropped\","
                + "\"payload\":{\"stage\":\"s\",\"droppedCount\":1,\"firstFrameIndex\":1,\"lastFrameIndex\":1,\"reason\":\"r\","
                + "\"droppedAtNanos\":1,\"droppedCountt\":2}}]")).getMessage()).contains("droppedCountt");
        assertThat(rejected(() -> codec.decodeBatch("[{\"eventId\":")).getMessage()).contains("not valid JSON");
        assertThat(rejected(() -> codec.decodeBatch("{}")).getMessage()).contains("JSON array");
        String negativeBox = "[{\"eventId\":\"a\",\"sequence\":4,\"occurredAtNanos\":1,\"type\":\"DetectionObserved\",\"payload\":"
                + "{\"detectionId\":\"d\",\"frameId\":\"f\",\"classId\":2,\"className\":\"car\",\"score\":0.5,"
                + "\"boxPx\":{\"x1\":10,\"y1\":2,\"x2\":5,\"y2\":4},"
                + "\"modelName\":\"m\",\"modelVersion\":\"1\",\"modelSha256\":\"x\",\"causes\":[\"f\"]}}]";
        assertThat(rejected(() -> codec.decodeBatch(negativeBox)).getMessage()).contains("negative size");
    }

    @Test
    void envelopeFieldsAreRequired() {
        assertThatThrownBy(() -> codec.decodeBatch("[{\"sequence\":1,\"occurredAtNanos\":1,\"type\":\"FrameCaptured\",\"payload\":{}}]"))
                .hasMessageContaining("'eventId'");
        assertThatThrownBy(() -> codec.decodeBatch("[{\"eventId\":\"a\",\"occurredAtNanos\":1,\"type\":\"FrameCaptured\",\"payload\":{}}]"))
                .hasMessageContaining("'sequence'");
        assertThatThrownBy(() -> codec.decodeBatch("[{\"eventId\":\"a\",\"sequence\":1,\"type\":\"FrameCaptured\",\"payload\":{}}]"))
                .hasMessageContaining("'occurredAtNanos'");
    }

    /** The streaming decode over an array; null when any event is not in the plain form. */
    private List<EventEnvelope> plain(String json) {
        try (JsonParser p = codec.mapper().getFactory().createParser(json)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            if (p.nextToken() != JsonToken.START_ARRAY) {
                return null;
            }
            List<EventEnvelope> out = new ArrayList<>();
            while (p.nextToken() == JsonToken.START_OBJECT) {
                EventEnvelope e = codec.decodePlainOrNull(p);
                if (e == null) {
                    return null;
                }
                out.add(e);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void streamingDecodeAgreesWithTheTreeOnWhatTheEncoderWrites() {
        List<EventEnvelope> session = new ArrayList<>(SessionEvents.opening("s", 12));
        session.add(new EventEnvelope("s/t", 99, 5, SessionEvents.frame(99), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        String json = codec.encodeBatch(session);
        assertThat(plain(json)).isEqualTo(codec.decodeBatch(json)).isEqualTo(session);
    }

    @Test
    void streamingDecodeLeavesEveryOtherFormToTheTreePath() {
        String frame = codec.encodeBatch(List.of(new EventEnvelope("a", 0, 1, SessionEvents.frame(0), null)));
        assertThat(plain(frame)).hasSize(1);
        List<String> refusedByBoth = List.of(
                frame.replace("\"type\":\"FrameCaptured\"", "\"type\":\"NoSuchEvent\""),
                frame.replace("\"sequence\":0", "\"sequence\":-1"),
                frame.replace("\"sequence\":0", "\"sequence\":\"0\""),
                frame.replace("\"occurredAtNanos\":1", "\"occurredAtNanos\":1.5"),
                frame.replace("\"eventId\":\"a\"", "\"eventId\":\" \""),
                frame.replace("\"payload\":{", "\"payload\":{\"extra\":1,"),
                frame.replace("\"traceparent\":null", "").replace("\"payload\":{", "\"traceparent\":7,\"payload\":{"),
                frame.replace("\"frameIndex\":0", "\"frameIndex\":null"));
        for (String json : refusedByBoth) {
            assertThat(json).isNotEqualTo(frame);
            assertThatThrownBy(() -> codec.decodeBatch(json)).as(json).isInstanceOf(BatchRejectedException.class);
            assertThat(plain(json)).as(json).isNull();
        }
        // Accepted by the tree (it fills an absent optional field, or keeps the last of a repeated key),
        // but not plain: the streaming path must defer rather than guess.
        String withoutOptional = frame.replace(",\"evidenceSha256\":null", "");
        String repeatedKey = frame.replace("\"eventId\":\"a\"", "\"eventId\":\"b\",\"eventId\":\"a\"");
        String typeAfterPayload = frame.replace("\"type\":\"FrameCaptured\",", "").replace("}}]", "},\"type\":\"FrameCaptured\"}]");
        for (String json : List.of(withoutOptional, repeatedKey, typeAfterPayload)) {
            assertThat(json).isNotEqualTo(frame);
            assertThat(codec.decodeBatch(json)).as(json).hasSize(1);
            assertThat(plain(json)).as(json).isNull();
        }
    }
}
