package io.sightline.domain.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.ModelRejected;
import io.sightline.domain.event.PolicyRejected;
import io.sightline.domain.session.BatchRejectedException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An artifact refused before its registration or bytes were read (a failed download mid-run) knows no name, version,
 * path or actual sha256; the cloud must take its refusal, or the whole session's upload stops behind it (ADR-0043).
 */
class RefusalWireTest {

    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private final EventCodec codec = new EventCodec();

    @Test
    void aModelRefusedBeforeItsBytesWereReadIsAccepted() {
        ModelRejected r = new ModelRejected(null, null, null, SHA, null, "cannot download model " + SHA + ": HTTP 500", 7);
        String json = codec.encodeBatch(List.of(new EventEnvelope("s/ModelRejected/run-0", 0, 7, r)));
        assertThat(codec.decodeBatch(json).get(0).payload()).isEqualTo(r);
    }

    @Test
    void aPolicyRefusedBeforeItsBytesWereReadIsAccepted() {
        PolicyRejected r = new PolicyRejected(null, SHA, null, "cannot download policy " + SHA + ": HTTP 500", 7);
        String json = codec.encodeBatch(List.of(new EventEnvelope("s/PolicyRejected/run-0", 0, 7, r)));
        assertThat(codec.decodeBatch(json).get(0).payload()).isEqualTo(r);
    }

    @Test
    void theExpectedSha256AndTheReasonStayRequired() {
        String json = codec.encodeBatch(List.of(new EventEnvelope("s/PolicyRejected/run-0", 0, 7,
                new PolicyRejected(null, SHA, null, "why", 7))));
        assertThatThrownBy(() -> codec.decodeBatch(json.replace(",\"reason\":\"why\"", "")))
                .isInstanceOf(BatchRejectedException.class).hasMessageContaining("reason");
    }
}
