package io.sightline.cloud.projection;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The executor a pooled processor's coordinator runs on, identical to Axon's own single-thread one
 * except for one reschedule (ADR-0014).
 *
 * <p>Axon 4.13's coordinator, finding any work package holding {@code WorkPackage.BUFFER_SIZE}
 * (1,024) events, reschedules itself after a fixed {@value #AXON_SATURATED_RESCHEDULE_MILLIS} ms.
 * During a rebuild one segment fills while the others are nearly empty, so those workers sat idle
 * for the rest of the 100 ms: trace-edges replayed at 40–47k events/s with the cores half idle.
 * The coordinator asks for no other 100 ms delay (its others are 0, 500, the token claim interval
 * and a back-off starting at 500), so that request alone is run after {@code saturatedBackoff}.
 * {@code SaturationBackoffExecutorTest} fails if Axon stops asking for it.
 */
public final class SaturationBackoffExecutor extends ScheduledThreadPoolExecutor {

    /** The delay Axon's coordinator asks for when a work package is full. */
    static final long AXON_SATURATED_RESCHEDULE_MILLIS = 100;

    private final long saturatedBackoffNanos;
    private final AtomicLong saturatedReschedules = new AtomicLong();

    public SaturationBackoffExecutor(ThreadFactory threadFactory, Duration saturatedBackoff) {
        super(1, threadFactory);
        if (saturatedBackoff.isNegative() || saturatedBackoff.toMillis() >= AXON_SATURATED_RESCHEDULE_MILLIS) {
            throw new IllegalArgumentException("sightline.projections.saturated-backoff must be between 0 and "
                    + (AXON_SATURATED_RESCHEDULE_MILLIS - 1) + " ms, was " + saturatedBackoff.toMillis() + " ms");
        }
        this.saturatedBackoffNanos = saturatedBackoff.toNanos();
        // Cancelled coordination tasks must not pile up in the queue until their (long) delay ends.
        setRemoveOnCancelPolicy(true);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        if (unit.toNanos(delay) == TimeUnit.MILLISECONDS.toNanos(AXON_SATURATED_RESCHEDULE_MILLIS)) {
            saturatedReschedules.incrementAndGet();
            return super.schedule(command, saturatedBackoffNanos, TimeUnit.NANOSECONDS);
        }
        return super.schedule(command, delay, unit);
    }

    /** How often the coordinator found a work package full (the pinning test reads it). */
    public long saturatedReschedules() {
        return saturatedReschedules.get();
    }
}
