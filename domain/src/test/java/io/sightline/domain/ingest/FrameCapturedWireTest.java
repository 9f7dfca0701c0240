package io.sightline.domain.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.session.BatchRejectedException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wire form of FrameCaptured revision 2: evidence is optional, and older producers still validate. */
class FrameCapturedWireTest {

    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private final EventCodec codec = new EventCodec();

    private static String frame(String extra) {
        return "[{\"eventId\":\"f1\",\"sequence\":0,\"occurredAtNanos\":1,\"type\":\"FrameCaptured\",\"payload\":{\"frameId\":\"f1\","
                + "\"frameIndex\":3,\"captureTimeNanos\":5,\"widthPx\":960,\"heightPx\":540,\"sourceId\":\"clip\"" + extra + "}}]";
    }

    @Test
    void aRevisionOneProducerWithoutTheFieldStillDecodes() {
        EventEnvelope e = codec.decodeBatch(frame("")).get(0);
        assertThat(e.payload()).isEqualTo(new FrameCaptured("f1", 3, 5, 960, 540, "clip", null));
    }

    @Test
    void evidenceRoundTripsAndNullIsAccepted() {
        FrameCaptured withEvidence = new FrameCaptured("f1", 3, 5, 960, 540, "clip", SHA);
        String json = codec.encodeBatch(List.of(new EventEnvelope("f1", 0, 1, withEvidence)));
        assertThat(codec.decodeBatch(json).get(0).payload()).isEqualTo(withEvidence);
        assertThat(codec.decodeBatch(frame(",\"evidenceSha256\":null")).get(0).payload())
                .isEqualTo(new FrameCaptured("f1", 3, 5, 960, 540, "clip"));
    }

    @Test
    void aMalformedShaIsRefusedWithTheFieldNamed() {
        assertThatThrownBy(() -> codec.decodeBatch(frame(",\"evidenceSha256\":\"ABC\"")))
                .isInstanceOf(BatchRejectedException.class).hasMessageContaining("evidenceSha256");
    }

    @Test
    void otherStringFieldsStayRequired() {
        assertThatThrownBy(() -> codec.decodeBatch(frame("").replace(",\"sourceId\":\"clip\"", "")))
                .isInstanceOf(BatchRejectedException.class).hasMessageContaining("sourceId");
    }
}
