package io.sightline.domain.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EvidenceMessageTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, 1, 2, 3, (byte) 0xFF, (byte) 0xD9};

    @Test
    void roundTripsTheClaimAndTheExactBytes() {
        EvidenceMessage m = new EvidenceMessage("ab".repeat(32), "dev-1", "s-1", "f-9", "c2lnbmF0dXJl", jpeg);
        EvidenceMessage back = EvidenceMessage.parse(m.toBytes(mapper), mapper);
        assertThat(back.sha256()).isEqualTo(m.sha256());
        assertThat(back.deviceId()).isEqualTo("dev-1");
        assertThat(back.sessionId()).isEqualTo("s-1");
        assertThat(back.frameId()).isEqualTo("f-9");
        assertThat(back.signature()).isEqualTo("c2lnbmF0dXJl");
        assertThat(back.jpeg()).isEqualTo(jpeg);
    }

    @Test
    void anythingElseIsRefusedNamingTheProblem() {
        byte[] good = new EvidenceMessage("ab".repeat(32), "dev-1", "s-1", "f-9", "sig", jpeg).toBytes(mapper);
        assertThatThrownBy(() -> EvidenceMessage.parse("plain text".getBytes(StandardCharsets.UTF_8), mapper))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SLEV1");
        assertThatThrownBy(() -> EvidenceMessage.parse(Arrays.copyOf(good, 8), mapper)).hasMessageContaining("SLEV1");
        byte[] tooLong = good.clone();
        ByteBuffer.wrap(tooLong, 6, 4).putInt(good.length);
        assertThatThrownBy(() -> EvidenceMessage.parse(tooLong, mapper)).hasMessageContaining("header length");
        byte[] notJson = good.clone();
        notJson[10] = '#';
        assertThatThrownBy(() -> EvidenceMessage.parse(notJson, mapper)).hasMessageContaining("not JSON");
        byte[] array = ByteBuffer.allocate(6 + 4 + 2).put("SLEV1\0".getBytes(StandardCharsets.US_ASCII)).putInt(2)
                .put("[]".getBytes(StandardCharsets.US_ASCII)).array();
        assertThatThrownBy(() -> EvidenceMessage.parse(array, mapper)).hasMessageContaining("JSON object");
    }
}
