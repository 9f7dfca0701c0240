package io.sightline.domain.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.session.SessionEvents;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BinaryBatchTest {

    private final EventCodec codec = new EventCodec();

    private List<String> rows(List<EventEnvelope> events) {
        List<String> rows = new ArrayList<>();
        for (EventEnvelope e : events) {
            rows.add(codec.encode(e).toString());
        }
        return rows;
    }

    private BinaryBatch.Envelope envelope(List<EventEnvelope> events) {
        byte[] cbor = BinaryBatch.eventsCbor(rows(events));
        return new BinaryBatch.Envelope("b-1", "dev-1", "s", events.get(0).sequence(), BatchCanonicalForm.VERSION_COMPRESSED_DIGEST,
                new byte[64], BinaryBatch.COMPRESSION_ZSTD, events.size(), cbor.length, BinaryBatch.zstd(cbor));
    }

    private List<EventEnvelope> streamed(byte[] cbor) throws IOException {
        List<EventEnvelope> out = new ArrayList<>();
        try (JsonParser p = BinaryBatch.cborFactory().createParser(cbor)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_ARRAY);
            while (p.nextToken() == JsonToken.START_OBJECT) {
                EventEnvelope e = codec.decodePlainOrNull(p);
                assertThat(e).as("the streaming decoder reads what the edge writes").isNotNull();
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void theEventsComeBackAsTheSameRecordsAsFromJsonThroughBothDecoders() throws IOException {
        List<EventEnvelope> events = SessionEvents.opening("s", 40);
        BinaryBatch.Envelope sent = envelope(events);
        byte[] body = BinaryBatch.encode(sent);
        assertThat(BinaryBatch.isBinary(body)).isTrue();
        assertThat(BatchCompression.isDeflated(body)).as("never taken for zlib").isFalse();
        BinaryBatch.Envelope read = BinaryBatch.decode(body);
        assertThat(read.deviceId()).isEqualTo("dev-1");
        assertThat(read.sessionId()).isEqualTo("s");
        assertThat(read.eventCount()).isEqualTo(40);
        assertThat(read.events()).isEqualTo(sent.events());
        byte[] cbor = BinaryBatch.decompress(read, 1 << 20);
        assertThat(streamed(cbor)).isEqualTo(events);
        JsonNode tree = BinaryBatch.cborMapper().readTree(cbor);
        List<EventEnvelope> viaTree = new ArrayList<>();
        tree.forEach(n -> viaTree.add(codec.decode(n)));
        assertThat(viaTree).isEqualTo(events);
        assertThat(codec.decodeBatch(codec.encodeBatch(events))).isEqualTo(viaTree);
        // Smaller than the JSON before compression too: no quotes, separators or decimal digits.
        assertThat(cbor.length).isLessThan(codec.encodeBatch(events).length());
    }

    @Test
    void theSignedBytesBindTheCompressedEventsAndHowTheyAreRead() {
        BinaryBatch.Envelope e = envelope(SessionEvents.opening("s", 5));
        byte[] base = BatchCanonicalForm.compressedDigestBytes("s", 0, "zstd", 5, e.eventsLength(), e.events());
        byte[] altered = e.events().clone();
        altered[altered.length - 1] ^= 1;
        assertThat(BatchCanonicalForm.compressedDigestBytes("s", 0, "zstd", 5, e.eventsLength(), altered)).isNotEqualTo(base);
        assertThat(BatchCanonicalForm.compressedDigestBytes("s", 0, "zstd", 4, e.eventsLength(), e.events())).isNotEqualTo(base);
        assertThat(BatchCanonicalForm.compressedDigestBytes("s", 0, "zstd", 5, e.eventsLength() + 1, e.events())).isNotEqualTo(base);
        assertThat(BatchCanonicalForm.compressedDigestBytes("s", 1, "zstd", 5, e.eventsLength(), e.events())).isNotEqualTo(base);
        assertThat(BatchCanonicalForm.compressedDigestBytes("s", 0, "zstx", 5, e.eventsLength(), e.events())).isNotEqualTo(base);
        assertThat(new String(base, 0, 19, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("sightline-batch-v3\0");
    }

    private static BinaryBatch.BinaryBatchException refused(Runnable r) {
        BinaryBatch.BinaryBatchException e = catchThrowableOfType(BinaryBatch.BinaryBatchException.class, r::run);
        assertThat(e).as("refused with a BinaryBatchException").isNotNull();
        return e;
    }

    @Test
    void truncatedCorruptAndUnknownBodiesAreRefusedWithReasons() {
        byte[] body = BinaryBatch.encode(envelope(SessionEvents.opening("s", 40)));

        for (int cut : new int[] {3, 4, 10, body.length / 2, body.length - 1}) {
            var e = refused(() -> BinaryBatch.decode(Arrays.copyOf(body, cut)));
            assertThat(e.problem()).isEqualTo(BinaryBatch.Problem.MALFORMED);
        }
        byte[] future = body.clone();
        future[3] = 2;
        var unknown = refused(() -> BinaryBatch.decode(future));
        assertThat(unknown.problem()).isEqualTo(BinaryBatch.Problem.UNSUPPORTED);
        assertThat(unknown.getMessage()).contains("format version 2").contains("reads version 1");

        byte[] trailing = Arrays.copyOf(body, body.length + 1);
        assertThat(refused(() -> BinaryBatch.decode(trailing)).getMessage()).contains("bytes after");

        BinaryBatch.Envelope ok = BinaryBatch.decode(body);
        byte[] garbled = ok.events().clone();
        for (int i = 12; i < garbled.length; i += 7) {
            garbled[i] ^= 0x5a;
        }
        BinaryBatch.Envelope bad = new BinaryBatch.Envelope(ok.batchId(), ok.deviceId(), ok.sessionId(), ok.firstSequence(),
                ok.signatureVersion(), ok.signature(), ok.compression(), ok.eventCount(), ok.eventsLength(), garbled);
        BinaryBatch.BinaryBatchException corrupt = catchThrowableOfType(BinaryBatch.BinaryBatchException.class,
                () -> BinaryBatch.decompress(bad, 1 << 20));
        if (corrupt != null) {
            assertThat(corrupt.problem()).isEqualTo(BinaryBatch.Problem.MALFORMED);
        } // else zstd happened to decode the garbled frame to the declared length: the signature (cloud) refuses it.

        BinaryBatch.Envelope lz4 = new BinaryBatch.Envelope(ok.batchId(), ok.deviceId(), ok.sessionId(), ok.firstSequence(),
                ok.signatureVersion(), ok.signature(), "lz4", ok.eventCount(), ok.eventsLength(), ok.events());
        assertThat(refused(() -> BinaryBatch.decompress(lz4, 1 << 20)).problem()).isEqualTo(BinaryBatch.Problem.UNSUPPORTED);
    }

    @Test
    void aDecompressionBombIsRefusedBeforeAndWhileDecompressing() {
        byte[] zeros = new byte[64 << 20];
        byte[] bomb = BinaryBatch.zstd(zeros);
        assertThat(bomb.length).as("64 MB of zeros compress to a few kB").isLessThan(64 * 1024);
        BinaryBatch.Envelope honest = new BinaryBatch.Envelope(null, "d", "s", 0, 3, new byte[64], "zstd", 1, zeros.length, bomb);
        var declared = refused(() -> BinaryBatch.decompress(honest, 1 << 20));
        assertThat(declared.problem()).isEqualTo(BinaryBatch.Problem.TOO_LARGE);
        assertThat(declared.getMessage()).contains("request limit");
        // A head that understates the size: the frame's own header disagrees, or the output buffer of the declared size overflows.
        BinaryBatch.Envelope lying = new BinaryBatch.Envelope(null, "d", "s", 0, 3, new byte[64], "zstd", 1, 1000, bomb);
        assertThat(refused(() -> BinaryBatch.decompress(lying, 1 << 20)).problem()).isEqualTo(BinaryBatch.Problem.MALFORMED);
    }
}
