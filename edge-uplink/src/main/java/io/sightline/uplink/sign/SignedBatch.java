package io.sightline.uplink.sign;

import io.sightline.domain.ingest.BatchCanonicalForm;
import io.sightline.domain.ingest.BinaryBatch;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A batch ready for any transport: consecutive events of one session from {@code firstSequence},
 * signed by the device.
 *
 * @param batchId    a fresh id per send attempt, echoed in the reply so an MQTT client can match
 *                   replies; not signed, since it only correlates and grants nothing
 * @param eventsJson the canonical JSON array of wire events (see {@link BatchCanonicalForm})
 * @param signature  Base64 Ed25519 signature over {@link BatchCanonicalForm#bytes(int, String, long, byte[], int, int)}
 * @param signatureVersion which bytes the signature covers: 1 the events, 2 their SHA-256 (ADR-0012),
 *                   3 the SHA-256 of the binary body's compressed events (ADR-0030)
 * @param binary     the binary body's head and compressed events when signed with version 3, else null
 */
public record SignedBatch(String batchId, String deviceId, String sessionId, long firstSequence, int eventCount,
                          String eventsJson, String signature, int signatureVersion, BinaryBatch.Envelope binary) {

    public SignedBatch(String batchId, String deviceId, String sessionId, long firstSequence, int eventCount, String eventsJson,
                       String signature, int signatureVersion) {
        this(batchId, deviceId, sessionId, firstSequence, eventCount, eventsJson, signature, signatureVersion, null);
    }

    public boolean isBinary() {
        return binary != null;
    }

    /**
     * The body as it travels: the binary body (ADR-0030) when signed for it, else the JSON of
     * {@link #toJsonBytes}, zlib-compressed when {@code deflate} (ADR-0027). A binary body is
     * compressed already, so {@code deflate} does not apply to it.
     */
    public byte[] toWireBytes(ObjectMapper mapper, boolean deflate) {
        if (binary != null) {
            return BinaryBatch.encode(binary);
        }
        byte[] json = toJsonBytes(mapper);
        return deflate ? io.sightline.domain.ingest.BatchCompression.deflate(json) : json;
    }

    /** The HTTP content type of {@link #toWireBytes}. */
    public String contentType(boolean deflate) {
        return binary != null ? BinaryBatch.CONTENT_TYPE : deflate ? "application/octet-stream" : "application/json";
    }

    /**
     * The message body both HTTP and MQTT carry:
     * {@code {batchId, deviceId, sessionId, firstSequence, signature, events: [...]}}.
     */
    public byte[] toJsonBytes(ObjectMapper mapper) {
        if (binary != null) {
            // Its signature covers the compressed CBOR, which a JSON body does not carry: a cloud would refuse it.
            throw new IllegalStateException("batch " + batchId + " is signed for the binary body (version 3); send toWireBytes");
        }
        try {
            ObjectNode head = mapper.createObjectNode();
            head.put("batchId", batchId);
            head.put("deviceId", deviceId);
            head.put("sessionId", sessionId);
            head.put("firstSequence", firstSequence);
            head.put("signature", signature);
            if (signatureVersion != BatchCanonicalForm.VERSION_WHOLE_EVENTS) {
                // Absent means 1, so a cloud from before version 2 reads version-1 batches as it always did.
                head.put("signatureVersion", signatureVersion);
            }
            String headJson = mapper.writeValueAsString(head);
            // The events are already canonical JSON: splice them in rather than parse and write them again.
            return (headJson.substring(0, headJson.length() - 1) + ",\"events\":" + eventsJson + "}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot encode batch " + batchId, e);
        }
    }
}
