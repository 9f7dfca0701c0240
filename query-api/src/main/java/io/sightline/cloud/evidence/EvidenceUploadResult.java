package io.sightline.cloud.evidence;

/**
 * The cloud's answer to one evidence upload.
 *
 * @param httpStatus 201 stored now, 200 already held (idempotent resend), or the refusal's status
 * @param reason     machine-readable refusal reason (null when stored)
 * @param detail     what went wrong and what to do (null when stored)
 */
public record EvidenceUploadResult(int httpStatus, String reason, String detail, String sha256, String sessionId, String frameId,
                                   long sizeBytes) {

    public static final String MALFORMED_REQUEST = "MALFORMED_REQUEST";
    public static final String NOT_A_JPEG = "NOT_A_JPEG";
    public static final String TOO_LARGE = "REQUEST_TOO_LARGE";
    public static final String UNKNOWN_DEVICE = "UNKNOWN_DEVICE";
    public static final String BAD_SIGNATURE = "BAD_SIGNATURE";
    public static final String SHA256_MISMATCH = "SHA256_MISMATCH";
    public static final String SESSION_OWNED_BY_OTHER_DEVICE = "SESSION_OWNED_BY_OTHER_DEVICE";
    /** The session's events have not reached the cloud yet: the edge sends the blob again later. */
    public static final String SESSION_NOT_INGESTED = "SESSION_NOT_INGESTED";
    public static final String STORE_UNAVAILABLE = "STORE_UNAVAILABLE";
    /** Sent on another fleet's MQTT topic than its session's. */
    public static final String WRONG_FLEET = "WRONG_FLEET";

    public boolean stored() {
        return httpStatus == 200 || httpStatus == 201;
    }

    /** A refusal that a later resend of the same bytes may overcome. */
    public boolean retryable() {
        return httpStatus == 409 || httpStatus == 429 || httpStatus >= 500;
    }
}
