package io.sightline.inference;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.LinkedHashMap;
import java.util.Map;

/** Per-stage latency histograms (HdrHistogram, microsecond resolution, up to 60 s). */
public final class StageStats {
    public static final String DECODE = "decode";
    public static final String PREPROCESS = "preprocess";
    public static final String INFERENCE = "inference";
    public static final String POSTPROCESS = "postprocess";

    /** Microseconds: a minute is beyond any stage budget, and a latency above it is recorded as a minute. */
    static final long MAX_MICROS = 60_000_000L;

    private final Map<String, Histogram> stages = new LinkedHashMap<>();
    /**
     * Interval copies for periodic summaries, when asked for ({@link #withIntervals()}): a stage
     * records on its own thread while the summariser takes the interval on another, which a plain
     * Histogram does not allow; HdrHistogram's Recorder swaps buffers wait-free for the writer.
     */
    private Map<String, Recorder> intervals = Map.of();

    public StageStats(String... names) {
        for (String n : names) {
            stages.put(n, new Histogram(MAX_MICROS, 3));
        }
    }

    /** Also keeps each stage's values since the last {@link #intervalHistogram} call. Call before recording starts. */
    public StageStats withIntervals() {
        Map<String, Recorder> r = new LinkedHashMap<>();
        for (String n : stages.keySet()) {
            r.put(n, new Recorder(MAX_MICROS, 3));
        }
        this.intervals = r;
        return this;
    }

    /**
     * The stage's values recorded since the previous call (microseconds), into {@code recycle} when
     * it is the histogram the previous call returned (allocation-free then), or null without intervals.
     */
    public Histogram intervalHistogram(String stage, Histogram recycle) {
        Recorder r = intervals.get(stage);
        return r == null ? null : r.getIntervalHistogram(recycle);
    }

    public static StageStats pipeline() {
        return new StageStats(DECODE, PREPROCESS, INFERENCE, POSTPROCESS);
    }

    public void record(String stage, long nanos) {
        long micros = Math.max(0, Math.min(nanos / 1000, MAX_MICROS));
        stages.get(stage).recordValue(micros);
        Recorder r = intervals.get(stage);
        if (r != null) {
            r.recordValue(micros);
        }
    }

    /** Records the three detector stages of one frame: every caller of a detector reports them alike. */
    public void recordDetector(StageTimes times) {
        record(PREPROCESS, times.preprocessNanos);
        record(INFERENCE, times.inferenceNanos);
        record(POSTPROCESS, times.postprocessNanos);
    }

    public Histogram histogram(String stage) {
        return stages.get(stage);
    }

    /** Percentile in milliseconds. */
    public double percentileMs(String stage, double pct) {
        Histogram h = stages.get(stage);
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(pct) / 1000.0;
    }

    public Map<String, Histogram> all() {
        return stages;
    }

    /** One line per stage: "name p50 x ms, p99 y ms (n)". */
    public String format() {
        StringBuilder sb = new StringBuilder();
        for (var e : stages.entrySet()) {
            sb.append(String.format("  %-12s p50 %7.2f ms  p99 %7.2f ms  (n=%d)%n", e.getKey(),
                    percentileMs(e.getKey(), 50), percentileMs(e.getKey(), 99), e.getValue().getTotalCount()));
        }
        return sb.toString();
    }
}
