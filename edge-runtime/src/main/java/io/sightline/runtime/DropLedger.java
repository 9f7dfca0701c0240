package io.sightline.runtime;

import io.sightline.domain.event.FramesDropped;

/**
 * Counts the frames a stage dropped and turns them into FramesDropped events: one event per run of
 * drops, emitted before the next frame that made it through, so the journal shows where the gap is.
 * Thread-safe: the producer records, the consumer drains.
 */
public final class DropLedger {

    private final String stage;
    private final String reason;
    private long total;
    private long pending;
    private long firstIndex = -1;
    private long lastIndex = -1;

    public DropLedger(String stage, String reason) {
        this.stage = stage;
        this.reason = reason;
    }

    public synchronized void record(long frameIndex) {
        total++;
        pending++;
        if (firstIndex < 0) {
            firstIndex = frameIndex;
        }
        lastIndex = frameIndex;
    }

    /** The drops since the last call as one event, or null when there were none. */
    public synchronized FramesDropped drain(long atNanos) {
        if (pending == 0) {
            return null;
        }
        FramesDropped e = new FramesDropped(stage, pending, firstIndex, lastIndex, reason, atNanos);
        pending = 0;
        firstIndex = -1;
        lastIndex = -1;
        return e;
    }

    public synchronized long total() {
        return total;
    }
}
