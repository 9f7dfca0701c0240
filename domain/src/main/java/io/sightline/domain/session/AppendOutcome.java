package io.sightline.domain.session;

/**
 * What appending a batch produced: the acknowledgement for the edge and, when the batch crossed a
 * snapshot boundary, a copy of the session state to store as a snapshot once the batch committed.
 *
 * @param snapshot {@code null} unless a snapshot is due; its last event is {@code ack.nextExpectedSequence() - 1}
 */
public record AppendOutcome(BatchAck ack, DriveSession snapshot) {
}
