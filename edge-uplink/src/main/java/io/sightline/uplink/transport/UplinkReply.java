package io.sightline.uplink.transport;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The cloud's answer to one batch.
 *
 * @param nextExpectedSequence for ACKNOWLEDGED, everything below it is stored; for GAP, where to
 *                             resend from; -1 when the cloud did not say
 * @param reason               the cloud's reason code for a refusal (e.g. SEQUENCE_GAP, BAD_SIGNATURE)
 */
public record UplinkReply(Status status, String sessionId, long firstSequence, long nextExpectedSequence,
                          int storedCount, int duplicateCount, String reason, String detail) {

    public enum Status {
        /** Stored (or already stored): record {@code nextExpectedSequence} as acknowledged. */
        ACKNOWLEDGED,
        /** The batch started past the session's end in the cloud: resend from {@code nextExpectedSequence}. */
        GAP,
        /** Refused for a reason a resend cannot fix (malformed, bad signature, rule violation). */
        REJECTED,
        /** The cloud could not decide now (store conflict, overload): send the same batch again later. */
        RETRY
    }

    public static UplinkReply acknowledged(String sessionId, long firstSequence, long nextExpected, int stored, int duplicates) {
        return new UplinkReply(Status.ACKNOWLEDGED, sessionId, firstSequence, nextExpected, stored, duplicates, null, null);
    }

    public static UplinkReply gap(String sessionId, long firstSequence, long nextExpected, String detail) {
        return new UplinkReply(Status.GAP, sessionId, firstSequence, nextExpected, 0, 0, "SEQUENCE_GAP", detail);
    }

    public static UplinkReply rejected(String sessionId, long firstSequence, String reason, String detail) {
        return new UplinkReply(Status.REJECTED, sessionId, firstSequence, -1, 0, 0, reason, detail);
    }

    /** Reads the reply body the cloud sends over MQTT (and HTTP 200): see {@code IngestReplies} in query-api. */
    public static UplinkReply fromJson(JsonNode n) {
        Status status = Status.valueOf(n.path("status").asText("REJECTED"));
        return new UplinkReply(status, n.path("sessionId").asText(null), n.path("firstSequence").asLong(-1),
                n.path("nextExpectedSequence").asLong(-1), n.path("storedCount").asInt(0), n.path("duplicateCount").asInt(0),
                n.hasNonNull("reason") ? n.get("reason").asText() : null, n.hasNonNull("detail") ? n.get("detail").asText() : null);
    }
}
