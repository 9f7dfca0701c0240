package io.sightline.cloud.trace;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Latency percentiles for benchmark harnesses (never for assertions): an HdrHistogram from 1 µs
 * to 60 s at 3 significant digits, so p99 is exact to 0.1 % however skewed the tail.
 */
public final class LatencyRecorder {

    private final String name;
    private final Histogram histogram = new Histogram(1_000L, 60_000_000_000L, 3);

    public LatencyRecorder(String name) {
        this.name = name;
    }

    public void recordNanos(long nanos) {
        histogram.recordValue(Math.max(1_000L, Math.min(nanos, histogram.getHighestTrackableValue())));
    }

    public long count() {
        return histogram.getTotalCount();
    }

    public double percentileMs(double percentile) {
        return histogram.getValueAtPercentile(percentile) / 1e6;
    }

    public double meanMs() {
        return histogram.getMean() / 1e6;
    }

    public double maxMs() {
        return histogram.getMaxValue() / 1e6;
    }

    /** One line: name, count, p50, p90, p99, p99.9, max and mean in ms. */
    public String summary() {
        return String.format(Locale.ROOT, "%-34s n=%-6d p50 %7.3f ms  p90 %7.3f ms  p99 %7.3f ms  p99.9 %7.3f ms  max %7.3f ms  mean %7.3f ms",
                name, count(), percentileMs(50), percentileMs(90), percentileMs(99), percentileMs(99.9), maxMs(), meanMs());
    }
}
