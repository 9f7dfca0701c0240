package io.sightline.domain.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One evidence JPEG as an MQTT message, where there are no headers to carry the device's claim
 * (MQTT 3.1.1 has no user properties):
 * {@code "SLEV1\0" · u32 header length · header JSON (UTF-8) · JPEG bytes}, the header being
 * {@code {sha256, deviceId, sessionId, frameId, signature}}, the same claim the HTTP upload puts
 * in its path and headers. The signature still covers only (session, frame, sha256)
 * ({@link EvidenceCanonicalForm}); the cloud recomputes the sha256 from the JPEG bytes.
 *
 * <p>Both ends use this class: the edge to build the message, the cloud to take it apart.
 */
public record EvidenceMessage(String sha256, String deviceId, String sessionId, String frameId, String signature, byte[] jpeg) {

    private static final byte[] MAGIC = "SLEV1\0".getBytes(StandardCharsets.US_ASCII);
    /** A claim is five short ids; anything longer is not one. */
    public static final int MAX_HEADER_BYTES = 4096;

    public byte[] toBytes(ObjectMapper mapper) {
        ObjectNode header = mapper.createObjectNode();
        header.put("sha256", sha256);
        header.put("deviceId", deviceId);
        header.put("sessionId", sessionId);
        header.put("frameId", frameId);
        header.put("signature", signature);
        byte[] h;
        try {
            h = mapper.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return ByteBuffer.allocate(MAGIC.length + 4 + h.length + jpeg.length).put(MAGIC).putInt(h.length).put(h).put(jpeg).array();
    }

    /**
     * Takes a received message apart.
     *
     * @throws IllegalArgumentException naming what is wrong, for a message that is not of this form
     */
    public static EvidenceMessage parse(byte[] message, ObjectMapper mapper) {
        if (message.length < MAGIC.length + 4 || !Arrays.equals(message, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IllegalArgumentException("not an evidence message: it must start with \"SLEV1\\0\", a 4-byte header length, the"
                    + " header JSON and the JPEG bytes");
        }
        int headerLength = ByteBuffer.wrap(message, MAGIC.length, 4).getInt();
        int headerStart = MAGIC.length + 4;
        if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || headerLength > message.length - headerStart) {
            throw new IllegalArgumentException("the evidence header length " + headerLength + " is not between 1 and "
                    + Math.min(MAX_HEADER_BYTES, message.length - headerStart) + " bytes");
        }
        JsonNode header;
        try {
            header = mapper.readTree(message, headerStart, headerLength);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the evidence header is not JSON: " + e.getMessage());
        }
        if (header == null || !header.isObject()) {
            throw new IllegalArgumentException("the evidence header must be a JSON object {sha256, deviceId, sessionId, frameId, signature}");
        }
        byte[] jpeg = Arrays.copyOfRange(message, headerStart + headerLength, message.length);
        return new EvidenceMessage(text(header, "sha256"), text(header, "deviceId"), text(header, "sessionId"), text(header, "frameId"),
                text(header, "signature"), jpeg);
    }

    /** Absent or non-text fields read as null; the cloud's checks name them. */
    private static String text(JsonNode header, String field) {
        JsonNode v = header.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }
}
