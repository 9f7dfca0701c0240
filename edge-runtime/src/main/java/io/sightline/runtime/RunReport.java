package io.sightline.runtime;

import io.sightline.inference.StageStats;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one edge run produced and how fast: counts by event type, drops, per-stage latency
 * (HdrHistogram, microsecond resolution) and the deepest each queue ever got.
 *
 * @param expectedTraceEdges distinct (event, cause) pairs journaled: what the trace-edges projection must hold;
 *                           -1 unless the pipeline counted them ({@code EdgePipeline.countTraceEdges})
 */
public record RunReport(String sessionId, String source, String primaryModel, String fallbackModel, boolean latestWins,
                        boolean realtime, String endReason, long framesCaptured, long framesDropped,
                        Map<String, Long> eventsByType, long eventsJournaled, long expectedTraceEdges, StageStats stages,
                        Map<String, Integer> queueMaxDepths, Map<String, Integer> queueCapacities, long wallNanos) {

    public long count(String eventType) {
        return eventsByType.getOrDefault(eventType, 0L);
    }

    public double framesPerSecond() {
        return framesCaptured / Math.max(1e-9, wallNanos / 1e9);
    }

    /** Percentile of a stage in milliseconds (NaN when the stage saw no frame). */
    public double percentileMs(String stage, double percentile) {
        return stages.percentileMs(stage, percentile);
    }

    /** The summary printed after a run. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "session %s (%s)%n", sessionId, endReason));
        sb.append(String.format(Locale.ROOT, "  source        %s%s%s%n", source, realtime ? ", real-time pacing" : ", as fast as possible",
                latestWins ? ", latest-frame-wins" : ", back-pressure (no drops)"));
        sb.append(String.format(Locale.ROOT, "  model         %s%s%n", primaryModel,
                fallbackModel == null ? "" : " (fallback " + fallbackModel + ": engaged " + count("FallbackEngaged") + "x, primary restored "
                        + count("PrimaryRestored") + "x)"));
        sb.append(String.format(Locale.ROOT, "  frames        %,d in %.1f s (%.1f frames/s), %,d dropped (FramesDropped events: %,d)%n",
                framesCaptured, wallNanos / 1e9, framesPerSecond(), framesDropped, count("FramesDropped")));
        sb.append(String.format(Locale.ROOT, "  detections    %,d%n", count("DetectionObserved")));
        sb.append(String.format(Locale.ROOT, "  tracks        %,d started, %,d lost%n", count("TrackStarted"), count("TrackLost")));
        sb.append(String.format(Locale.ROOT, "  risk          %,d assessments%n", count("RiskAssessed")));
        sb.append(String.format(Locale.ROOT, "  alerts        %,d raised, %,d cleared, %,d suppressed, %,d actuations%n",
                count("AlertRaised"), count("AlertCleared"), count("AlertSuppressed"), count("ActuationCommanded")));
        sb.append(String.format(Locale.ROOT, "  deadlines     %,d StageDeadlineMissed%n", count("StageDeadlineMissed")));
        sb.append(String.format(Locale.ROOT, "  journal       %,d events%n", eventsJournaled));
        sb.append(String.format(Locale.ROOT, "  latency (ms)  %-18s %8s %8s %8s %8s%n", "stage", "p50", "p99", "p99.9", "max"));
        for (Map.Entry<String, Histogram> e : stages.all().entrySet()) {
            Histogram h = e.getValue();
            if (h.getTotalCount() == 0) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "                %-18s %8.2f %8.2f %8.2f %8.2f%n", e.getKey(),
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                    h.getMaxValue() / 1000.0));
        }
        sb.append(String.format(Locale.ROOT, "  frame→decision p50 %.2f ms, p99 %.2f ms (budget %d ms)%n",
                percentileMs(StageBudgets.FRAME_TO_DECISION, 50), percentileMs(StageBudgets.FRAME_TO_DECISION, 99),
                StageBudgets.FRAME_TO_DECISION_BUDGET_NANOS / 1_000_000));
        StringBuilder q = new StringBuilder();
        queueMaxDepths.forEach((name, depth) -> q.append(q.length() == 0 ? "" : ", ").append(name).append(' ').append(depth)
                .append('/').append(queueCapacities.get(name)));
        sb.append(String.format(Locale.ROOT, "  queues        deepest %s%n", q));
        return sb.toString();
    }
}
