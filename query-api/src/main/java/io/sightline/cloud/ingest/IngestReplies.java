package io.sightline.cloud.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * The reply bodies. Written with Jackson 2 by hand rather than through Spring's (Jackson 3)
 * converters, so the MQTT reply and the HTTP body are the same bytes whatever Boot's defaults.
 */
public final class IngestReplies {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    public static final String PROBLEM_TYPE_PREFIX = "urn:sightline:problem:ingest:";

    private IngestReplies() {
    }

    /**
     * {@code {batchId, sessionId, firstSequence, status, nextExpectedSequence, storedCount,
     * duplicateCount, reason, detail}}: the HTTP 200 body and every MQTT reply.
     */
    static byte[] reply(IngestResult r) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("batchId", r.batchId());
        n.put("sessionId", r.sessionId());
        n.put("firstSequence", r.firstSequence());
        n.put("status", r.outcome().name());
        n.put("nextExpectedSequence", r.nextExpectedSequence());
        n.put("storedCount", r.storedCount());
        n.put("duplicateCount", r.duplicateCount());
        if (r.reason() != null) {
            n.put("reason", r.reason());
            n.put("detail", r.detail());
        }
        return bytes(n);
    }

    /** An RFC 9457 problem detail with the ingestion fields as extension members; {@code status} is the HTTP answer's. */
    static byte[] problem(IngestResult r, int status) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("type", PROBLEM_TYPE_PREFIX + r.reason().toLowerCase(Locale.ROOT).replace('_', '-'));
        n.put("title", title(r));
        n.put("status", status);
        n.put("detail", r.detail());
        n.put("instance", "/api/v1/ingest");
        n.put("reason", r.reason());
        n.put("outcome", r.outcome().name());
        if (r.sessionId() != null) {
            n.put("sessionId", r.sessionId());
        }
        if (r.firstSequence() >= 0) {
            n.put("firstSequence", r.firstSequence());
        }
        if (r.nextExpectedSequence() >= 0) {
            n.put("nextExpectedSequence", r.nextExpectedSequence());
        }
        if (r.batchId() != null) {
            n.put("batchId", r.batchId());
        }
        return bytes(n);
    }

    private static String title(IngestResult r) {
        return switch (r.reason()) {
            case "SEQUENCE_GAP" -> "Batch starts after the session's next expected sequence; resend from nextExpectedSequence";
            case IngestResult.BAD_SIGNATURE -> "Batch signature is not valid";
            case IngestResult.UNKNOWN_DEVICE -> "Device has no registered key";
            case IngestResult.SESSION_OWNED_BY_OTHER_DEVICE -> "Session belongs to another device";
            case IngestResult.DEVICE_MISMATCH -> "Session provenance names another device";
            case IngestResult.WRONG_VEHICLE -> "Session is of another vehicle than the device's or the topic's";
            case IngestResult.DUPLICATE_EVENT_ID -> "An event id is already stored";
            case IngestResult.REQUEST_TOO_LARGE -> "Request too large";
            case IngestResult.MALFORMED_REQUEST -> "Malformed batch request";
            case IngestResult.STORE_CONFLICT, IngestResult.STORE_UNAVAILABLE -> "Try again later";
            default -> "Batch refused: " + r.reason();
        };
    }

    private static byte[] bytes(ObjectNode n) {
        try {
            return MAPPER.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
