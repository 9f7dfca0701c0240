package io.sightline.domain.session;

/**
 * The cloud's answer to a batch. The edge records {@code nextExpectedSequence} as acknowledged.
 *
 * @param storedCount         events newly stored by this batch (0 for a full duplicate)
 * @param duplicateCount      events of the batch that were already stored and were skipped
 */
public record BatchAck(String sessionId, long firstSequence, int storedCount, int duplicateCount, long nextExpectedSequence) {
}
