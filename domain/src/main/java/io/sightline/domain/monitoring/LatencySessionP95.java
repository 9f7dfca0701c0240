package io.sightline.domain.monitoring;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A session's p95 of one stage from its windows' p95s (ADR-0023). Windows carry only percentiles,
 * not their histograms, so the exact session p95 cannot be rebuilt; this takes the count-weighted
 * median of the window p95s. Each window's p95 estimates the same quantile when the session is
 * steady; the median keeps one disturbed window (a minute with a build running beside the vehicle
 * process, a GC pause) from moving the session, and the weights keep a 3-frame partial last window
 * from counting as much as a full one.
 */
public final class LatencySessionP95 {

    /** One window's figures for the stage: its EdgeWindowSummarized event, frames and p95. */
    public record Window(String eventId, long count, long p95Micros) {
    }

    /**
     * @param p95Micros count-weighted median of the window p95s
     * @param frames    frames the stage handled over the session
     * @param windows   windows with at least one frame
     */
    public record Result(long p95Micros, long frames, int windows) {
    }

    private LatencySessionP95() {
    }

    /** The session's p95, or null when no window handled a frame of the stage. */
    public static Result of(List<Window> windows) {
        List<Window> counted = new ArrayList<>();
        long total = 0;
        for (Window w : windows) {
            if (w.count() > 0) {
                counted.add(w);
                total += w.count();
            }
        }
        if (counted.isEmpty()) {
            return null;
        }
        counted.sort(Comparator.comparingLong(Window::p95Micros).thenComparing(Window::eventId));
        // The lower weighted median: the first p95 at which half the frames are covered.
        long covered = 0;
        for (Window w : counted) {
            covered += w.count();
            if (2 * covered >= total) {
                return new Result(w.p95Micros(), total, counted.size());
            }
        }
        throw new IllegalStateException("unreachable: the cumulative count reaches the total");
    }
}
