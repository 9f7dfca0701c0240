package io.sightline.cloud.ingest;

/**
 * The cloud's decision on one signed batch, for any transport. It names no HTTP status: the HTTP
 * endpoint derives its status from the outcome and reason ({@link IngestController#httpStatus}),
 * MQTT carries the outcome itself (CloudArchitectureTest).
 *
 * @param outcome              named like the edge's reply statuses, which read it by name
 * @param reason               a {@link io.sightline.domain.session.RejectionReason} name or one of
 *                             this package's own ({@link #MALFORMED_REQUEST} …); {@code null} when acknowledged
 * @param nextExpectedSequence after an ack: everything below it is stored; after a gap: resend from it; else -1
 */
public record IngestResult(Outcome outcome, String reason, String detail, String batchId, String deviceId,
                           String sessionId, long firstSequence, long nextExpectedSequence, int storedCount, int duplicateCount) {

    public static final String MALFORMED_REQUEST = "MALFORMED_REQUEST";
    public static final String REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE";
    /** A binary body of a format version or compression this cloud does not read (ADR-0030). */
    public static final String UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT";
    public static final String UNKNOWN_DEVICE = "UNKNOWN_DEVICE";
    public static final String BAD_SIGNATURE = "BAD_SIGNATURE";
    public static final String SESSION_OWNED_BY_OTHER_DEVICE = "SESSION_OWNED_BY_OTHER_DEVICE";
    public static final String DEVICE_MISMATCH = "DEVICE_MISMATCH";
    public static final String WRONG_FLEET = "WRONG_FLEET";
    /** A session of another vehicle than the one the device's key is bound to (V19). */
    public static final String WRONG_VEHICLE = "WRONG_VEHICLE";
    public static final String DUPLICATE_EVENT_ID = "DUPLICATE_EVENT_ID";
    public static final String STORE_CONFLICT = "STORE_CONFLICT";
    public static final String STORE_UNAVAILABLE = "STORE_UNAVAILABLE";

    public enum Outcome {
        ACKNOWLEDGED, GAP, REJECTED, RETRY
    }

    public boolean acknowledged() {
        return outcome == Outcome.ACKNOWLEDGED;
    }
}
