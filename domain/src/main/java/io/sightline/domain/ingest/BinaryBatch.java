package io.sightline.domain.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * The binary batch body (ADR-0030): the same events as the JSON body, encoded as one CBOR array
 * (RFC 8949) and compressed as one zstd frame (RFC 8878). Without CBOR's stringref extension: it
 * halves the uncompressed CBOR, but on the tiered upload's small batches its varying indices
 * compressed worse than the repeated names they replace (16.72 against 15.39 MB per hour,
 * docs/benchmarks.md).
 *
 * <p>Layout: {@code "SLB"} · one byte of format version ({@value #FORMAT_VERSION}) · a CBOR map
 * with small integer keys ({@link #KEY_BATCH_ID} …): batchId, deviceId, sessionId, firstSequence,
 * signatureVersion (3), signature (bytes), compression ("zstd"), eventCount, eventsLength, events
 * (bytes), where events is the compressed CBOR array and eventsLength its size once decompressed.
 * Integer keys because the head is not compressed and the uploader sends about 9,000 batches per
 * tiered hour, most of them one frame's events: names would cost 0.8 MB an hour. The head is not
 * compressed, so the cloud finds the device and checks the signature, which covers the compressed
 * events through their SHA-256 ({@link BatchCanonicalForm#compressedDigestBytes}), before it
 * decompresses anything: a body that is not the device's own never costs a decompression. A JSON
 * body starts with '{' and a zlib one with a byte whose low nibble is 8; 'S' is neither, so all
 * three are told apart by their first bytes (MQTT carries no content type).
 *
 * <p>The events are the journal's wire JSON re-encoded token for token
 * ({@link JsonGenerator#copyCurrentStructure}): integers stay integers and doubles stay the same
 * 64-bit doubles, so the cloud decodes the same records it would from the JSON.
 */
public final class BinaryBatch {

    public static final int FORMAT_VERSION = 1;
    public static final String COMPRESSION_ZSTD = "zstd";
    /** The HTTP content type the edge sends; the cloud reads the body's magic, so it is informative. */
    public static final String CONTENT_TYPE = "application/vnd.sightline.batch+cbor";
    private static final byte[] MAGIC = {'S', 'L', 'B'};
    static final int KEY_BATCH_ID = 1;
    static final int KEY_DEVICE_ID = 2;
    static final int KEY_SESSION_ID = 3;
    static final int KEY_FIRST_SEQUENCE = 4;
    static final int KEY_SIGNATURE_VERSION = 5;
    static final int KEY_SIGNATURE = 6;
    static final int KEY_COMPRESSION = 7;
    static final int KEY_EVENT_COUNT = 8;
    static final int KEY_EVENTS_LENGTH = 9;
    static final int KEY_EVENTS = 10;

    private static final JsonFactory JSON = new JsonFactory();
    private static final CBORFactory CBOR = new CBORFactory();
    private static final ObjectMapper CBOR_MAPPER = new ObjectMapper(CBOR);

    private BinaryBatch() {
    }

    /**
     * A decoded head.
     *
     * @param events the compressed CBOR array of events, as signed
     */
    public record Envelope(String batchId, String deviceId, String sessionId, long firstSequence, int signatureVersion,
                           byte[] signature, String compression, int eventCount, int eventsLength, byte[] events) {
    }

    /** Why a body is refused: a format this build does not read, events past the request limit, or anything else. */
    public enum Problem {
        MALFORMED, UNSUPPORTED, TOO_LARGE
    }

    /** A binary body that cannot be read, with a message for the sender. */
    public static final class BinaryBatchException extends IllegalArgumentException {
        private final Problem problem;

        public BinaryBatchException(Problem problem, String message) {
            super(message);
            this.problem = problem;
        }

        public Problem problem() {
            return problem;
        }
    }

    public static boolean isBinary(byte[] body) {
        return body.length >= MAGIC.length && body[0] == MAGIC[0] && body[1] == MAGIC[1] && body[2] == MAGIC[2];
    }

    /** The CBOR factory the events are written with, for the cloud's streaming decoder. */
    public static CBORFactory cborFactory() {
        return CBOR;
    }

    /** For reading the events as a tree when the streaming decoder declines (the tree path explains refusals). */
    public static ObjectMapper cborMapper() {
        return CBOR_MAPPER;
    }

    /** The journal's wire JSON rows as one CBOR array, token for token. */
    public static byte[] eventsCbor(List<String> wireJsonRows) {
        int estimate = 64;
        for (String row : wireJsonRows) {
            estimate += row.length() / 2;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(estimate);
        try (JsonGenerator g = CBOR.createGenerator(out)) {
            g.writeStartArray(wireJsonRows, wireJsonRows.size());
            for (String row : wireJsonRows) {
                try (JsonParser p = JSON.createParser(row)) {
                    if (p.nextToken() != JsonToken.START_OBJECT) {
                        throw new IllegalArgumentException("a journal row is not a JSON object: " + abbreviate(row));
                    }
                    g.copyCurrentStructure(p);
                    if (p.nextToken() != null) {
                        throw new IllegalArgumentException("a journal row has text after its object: " + abbreviate(row));
                    }
                }
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new IllegalArgumentException("a journal row is not JSON: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    public static byte[] zstd(byte[] raw) {
        ZstdCompressor compressor = new ZstdCompressor();
        byte[] out = new byte[compressor.maxCompressedLength(raw.length)];
        int n = compressor.compress(raw, 0, raw.length, out, 0, out.length);
        return Arrays.copyOf(out, n);
    }

    /**
     * The events of {@code e} decompressed, refusing before any allocation a declared size over
     * {@code maxBytes}, and any frame that would write more than it declared (a decompression bomb
     * is bounded by the declared size, which is bounded by the limit).
     */
    public static byte[] decompress(Envelope e, long maxBytes) {
        if (!COMPRESSION_ZSTD.equals(e.compression())) {
            throw new BinaryBatchException(Problem.UNSUPPORTED, "compression '" + e.compression() + "' is unknown; this cloud reads "
                    + COMPRESSION_ZSTD);
        }
        if (e.eventsLength() > maxBytes) {
            throw new BinaryBatchException(Problem.TOO_LARGE, "the events decompress to " + e.eventsLength() + " bytes, past the "
                    + maxBytes + "-byte request limit; send fewer events per batch");
        }
        byte[] out;
        int n;
        try {
            long framed = ZstdDecompressor.getDecompressedSize(e.events(), 0, e.events().length);
            if (framed >= 0 && framed != e.eventsLength()) {
                throw new BinaryBatchException(Problem.MALFORMED, "the zstd frame holds " + framed + " bytes but the head declares "
                        + e.eventsLength());
            }
            out = new byte[e.eventsLength()];
            n = new ZstdDecompressor().decompress(e.events(), 0, e.events().length, out, 0, out.length);
        } catch (BinaryBatchException ex) {
            throw ex;
        } catch (RuntimeException ex) {
            // MalformedInputException for what the decoder recognises, anything else for what it does not: hostile input either way.
            throw new BinaryBatchException(Problem.MALFORMED, "the events are not a valid zstd frame of at most the declared "
                    + e.eventsLength() + " bytes: " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
        }
        if (n != e.eventsLength()) {
            throw new BinaryBatchException(Problem.MALFORMED, "the events decompress to " + n + " bytes but the head declares "
                    + e.eventsLength());
        }
        return out;
    }

    public static byte[] encode(Envelope e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(e.events().length + 512);
        out.write(MAGIC, 0, MAGIC.length);
        out.write(FORMAT_VERSION);
        try (CBORGenerator g = CBOR.createGenerator(out)) {
            g.writeStartObject();
            if (e.batchId() != null) {
                g.writeFieldId(KEY_BATCH_ID);
                g.writeString(e.batchId());
            }
            g.writeFieldId(KEY_DEVICE_ID);
            g.writeString(e.deviceId());
            g.writeFieldId(KEY_SESSION_ID);
            g.writeString(e.sessionId());
            g.writeFieldId(KEY_FIRST_SEQUENCE);
            g.writeNumber(e.firstSequence());
            g.writeFieldId(KEY_SIGNATURE_VERSION);
            g.writeNumber(e.signatureVersion());
            g.writeFieldId(KEY_SIGNATURE);
            g.writeBinary(e.signature());
            g.writeFieldId(KEY_COMPRESSION);
            g.writeString(e.compression());
            g.writeFieldId(KEY_EVENT_COUNT);
            g.writeNumber(e.eventCount());
            g.writeFieldId(KEY_EVENTS_LENGTH);
            g.writeNumber(e.eventsLength());
            g.writeFieldId(KEY_EVENTS);
            g.writeBinary(e.events());
            g.writeEndObject();
        } catch (IOException ex) {
            throw new IllegalStateException("cannot encode a binary batch", ex);
        }
        return out.toByteArray();
    }

    /** Reads the head of a body {@link #isBinary} said is binary; the events stay compressed. */
    public static Envelope decode(byte[] body) {
        if (!isBinary(body) || body.length < MAGIC.length + 1) {
            throw new BinaryBatchException(Problem.MALFORMED, "the body is not a binary batch (it does not start with \"SLB\" and a"
                    + " format version)");
        }
        int version = body[MAGIC.length] & 0xff;
        if (version != FORMAT_VERSION) {
            throw new BinaryBatchException(Problem.UNSUPPORTED, "binary batch format version " + version + " is unknown; this cloud"
                    + " reads version " + FORMAT_VERSION + ". Upgrade the cloud, or have the edge send JSON (without --binary)");
        }
        String batchId = null;
        String deviceId = null;
        String sessionId = null;
        String compression = null;
        long first = -1;
        int signatureVersion = -1;
        long eventCount = -1;
        long eventsLength = -1;
        byte[] signature = null;
        byte[] events = null;
        int offset = MAGIC.length + 1;
        try (JsonParser p = new CBORFactory().createParser(body, offset, body.length - offset)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BinaryBatchException(Problem.MALFORMED, "the binary batch head is not a CBOR map");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                // Jackson reports a CBOR integer key as its decimal text.
                int key = fieldId(p.currentName());
                JsonToken v = p.nextToken();
                switch (key) {
                    case KEY_BATCH_ID -> batchId = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case KEY_DEVICE_ID -> deviceId = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case KEY_SESSION_ID -> sessionId = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case KEY_COMPRESSION -> compression = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case KEY_FIRST_SEQUENCE -> first = integral(p, v);
                    case KEY_SIGNATURE_VERSION -> signatureVersion = (int) Math.min(Integer.MAX_VALUE, integral(p, v));
                    case KEY_EVENT_COUNT -> eventCount = integral(p, v);
                    case KEY_EVENTS_LENGTH -> eventsLength = integral(p, v);
                    case KEY_SIGNATURE -> signature = v == JsonToken.VALUE_EMBEDDED_OBJECT ? p.getBinaryValue() : null;
                    case KEY_EVENTS -> events = v == JsonToken.VALUE_EMBEDDED_OBJECT ? p.getBinaryValue() : null;
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new BinaryBatchException(Problem.MALFORMED, "the binary batch head is not one complete CBOR map: the body is"
                        + " truncated or has bytes after it");
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof BinaryBatchException b) {
                throw b;
            }
            throw new BinaryBatchException(Problem.MALFORMED, "the binary batch head is not valid CBOR (truncated or corrupt): "
                    + e.getMessage());
        }
        StringBuilder missing = new StringBuilder();
        if (deviceId == null || deviceId.isBlank()) {
            missing.append(", deviceId (key 2, text)");
        }
        if (sessionId == null || sessionId.isBlank() || sessionId.length() > 255) {
            missing.append(", sessionId (key 3, text, at most 255 characters)");
        }
        if (first < 0) {
            missing.append(", firstSequence (key 4, integer >= 0)");
        }
        if (signatureVersion != BatchCanonicalForm.VERSION_COMPRESSED_DIGEST) {
            missing.append(", signatureVersion (key 5, " + BatchCanonicalForm.VERSION_COMPRESSED_DIGEST + ")");
        }
        if (signature == null || signature.length == 0) {
            missing.append(", signature (key 6, bytes)");
        }
        if (compression == null) {
            missing.append(", compression (key 7, text)");
        }
        if (eventCount <= 0 || eventCount > Integer.MAX_VALUE) {
            missing.append(", eventCount (key 8, integer > 0)");
        }
        if (eventsLength <= 0 || eventsLength > Integer.MAX_VALUE) {
            missing.append(", eventsLength (key 9, integer > 0)");
        }
        if (events == null || events.length == 0) {
            missing.append(", events (key 10, bytes)");
        }
        if (missing.length() > 0) {
            throw new BinaryBatchException(Problem.MALFORMED, "binary batch head missing or invalid: " + missing.substring(2));
        }
        return new Envelope(batchId, deviceId, sessionId, first, signatureVersion, signature, compression, (int) eventCount,
                (int) eventsLength, events);
    }

    private static int fieldId(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static long integral(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            return -1;
        }
        return p.getLongValue();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }
}
