package io.sightline.domain.session;

/** Why a batch was refused. Persisted and returned by name: never rename or reuse one. */
public enum RejectionReason {
    /** The batch starts after the next expected sequence: the edge must resend from that sequence. */
    SEQUENCE_GAP,
    /** The batch's own sequences are not consecutive. */
    NON_CONTIGUOUS_BATCH,
    /** An event's time is earlier than the previous event of the session. */
    TIME_REGRESSION,
    /** A detection names a model with no prior ModelActivated in the session. */
    UNACTIVATED_MODEL,
    /** The first event of a session must be DriveSessionStarted, and only the first. */
    SESSION_NOT_STARTED,
    /** DriveSessionStarted names another session than the one appended to. */
    SESSION_MISMATCH,
    /** The session already ended. */
    SESSION_ENDED,
    /** Unknown event type, missing field or unreadable payload. */
    MALFORMED_EVENT,
    /** The batch is empty or larger than the limit. */
    BATCH_SIZE,
    /** A declared tier gap overlaps an alert's causal window (T−30 s … T+10 s), or a gap is inconsistent with the session. */
    TIER_GAP_UNJUSTIFIED
}
