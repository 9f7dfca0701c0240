package io.sightline.domain.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The bytes a batch signature covers:
 * {@code "sightline-batch-v1\0" · u32 len · sessionId (UTF-8) · i64 firstSequence · u32 len · events JSON (UTF-8)}.
 *
 * <p>The events JSON is Jackson's compact re-serialisation of the parsed array, not the bytes as
 * received: the cloud re-derives it the same way from the request, so whitespace or re-encoding by
 * a proxy does not break a signature, while any change to a key, value or order does. Length
 * prefixes keep (session, events) pairs from being re-split into another valid pair.
 * It lives in {@code domain} because both ends need exactly these bytes: the edge signs them
 * ({@code BatchSigner}) and the cloud verifies them ({@code BatchSignatureVerifier}).
 */
public final class BatchCanonicalForm {

    private static final byte[] DOMAIN = "sightline-batch-v1\0".getBytes(StandardCharsets.US_ASCII);

    private BatchCanonicalForm() {
    }

    public static String canonicalJson(ObjectMapper mapper, String eventsJson) {
        try {
            return canonicalJson(mapper, mapper.readTree(eventsJson));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("events are not JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static String canonicalJson(ObjectMapper mapper, JsonNode events) {
        try {
            return mapper.writeValueAsString(events);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] bytes(String sessionId, long firstSequence, String canonicalEventsJson) {
        byte[] events = canonicalEventsJson.getBytes(StandardCharsets.UTF_8);
        return bytes(sessionId, firstSequence, events, 0, events.length);
    }

    /** The same bytes, with the events JSON given as a UTF-8 slice (of a received body, say), uncopied until here. */
    public static byte[] bytes(String sessionId, long firstSequence, byte[] eventsUtf8, int offset, int length) {
        byte[] session = sessionId.getBytes(StandardCharsets.UTF_8);
        // Written straight into an exact array (big-endian, as DataOutputStream would): a batch is megabytes.
        return ByteBuffer.allocate(DOMAIN.length + 4 + session.length + 8 + 4 + length)
                .put(DOMAIN).putInt(session.length).put(session).putLong(firstSequence).putInt(length).put(eventsUtf8, offset, length)
                .array();
    }
}
