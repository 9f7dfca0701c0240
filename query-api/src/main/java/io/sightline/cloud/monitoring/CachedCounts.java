package io.sightline.cloud.monitoring;

import java.util.Map;
import java.util.function.Supplier;

/**
 * Counts read from a table for gauges, re-read at most once per {@code refreshNanos} however often
 * Prometheus scrapes and however many gauges ask: one query per refresh, not one per gauge.
 */
public final class CachedCounts {

    private final Supplier<Map<String, Long>> read;
    private final long refreshNanos;
    private volatile Map<String, Long> counts = Map.of();
    private volatile long readAtNanos;
    private volatile boolean everRead;

    public CachedCounts(Supplier<Map<String, Long>> read, long refreshNanos) {
        this.read = read;
        this.refreshNanos = refreshNanos;
    }

    /** The count under {@code key}, 0 when the table has none. */
    public long get(String key) {
        long now = System.nanoTime();
        if (!everRead || now - readAtNanos > refreshNanos) {
            counts = read.get();
            readAtNanos = now;
            everRead = true;
        }
        return counts.getOrDefault(key, 0L);
    }
}
