package io.sightline.inference;

import org.HdrHistogram.Histogram;

import java.util.LinkedHashMap;
import java.util.Map;

/** Per-stage latency histograms (HdrHistogram, microsecond resolution, up to 60 s). */
public final class StageStats {
    public static final String DECODE = "decode";
    public static final String PREPROCESS = "preprocess";
    public static final String INFERENCE = "inference";
    public static final String POSTPROCESS = "postprocess";

    private final Map<String, Histogram> stages = new LinkedHashMap<>();

    public StageStats(String... names) {
        for (String n : names) {
            stages.put(n, new Histogram(60_000_000L, 3));
        }
    }

    public static StageStats pipeline() {
        return new StageStats(DECODE, PREPROCESS, INFERENCE, POSTPROCESS);
    }

    public void record(String stage, long nanos) {
        stages.get(stage).recordValue(Math.max(0, Math.min(nanos / 1000, 60_000_000L)));
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
