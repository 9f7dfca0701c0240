package io.sightline.domain.session;

/**
 * A batch was refused as a whole: nothing from it is stored. The message says what to do next.
 */
public class BatchRejectedException extends RuntimeException {

    private final RejectionReason reason;
    private final long nextExpectedSequence;
    private final long offendingSequence;

    public BatchRejectedException(RejectionReason reason, long nextExpectedSequence, long offendingSequence, String message) {
        super(reason + ": " + message);
        this.reason = reason;
        this.nextExpectedSequence = nextExpectedSequence;
        this.offendingSequence = offendingSequence;
    }

    public RejectionReason reason() {
        return reason;
    }

    /** The sequence the session expects next; the edge resends from here after a gap. */
    public long nextExpectedSequence() {
        return nextExpectedSequence;
    }

    /** The sequence of the first offending event, or -1 when the batch as a whole is at fault. */
    public long offendingSequence() {
        return offendingSequence;
    }
}
