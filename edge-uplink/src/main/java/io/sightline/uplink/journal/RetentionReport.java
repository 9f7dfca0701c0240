package io.sightline.uplink.journal;

/**
 * What one retention run did.
 *
 * @param deletedOutsideWindows acknowledged events deleted that no alert's causal window needed
 * @param deletedInsideWindows  acknowledged events deleted from alert windows (only when the first kind ran out)
 */
public record RetentionReport(long usedBytesBefore, long usedBytesAfter, long budgetBytes,
                              long deletedOutsideWindows, long deletedInsideWindows) {
}
