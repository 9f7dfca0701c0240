package io.sightline.cloud.api;

import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Precision and recall of the alerts of one fleet, per alert kind and policy version, from the
 * reviewers' verdicts ({@code alerts.verdict}) and their reports of missed hazards
 * ({@code missed_events}). Rare events give small counts, so every rate comes with its 95 % Wilson
 * score interval: 1 true positive of 1 reviewed is "precision 1.0, somewhere between 0.21 and 1.0",
 * not a perfect policy.
 */
@Component
public class AlertQuality {

    /** The normal quantile of a two-sided 95 % interval. */
    static final double Z_95 = 1.959963984540054;

    /** A rate of {@code successes} in {@code trials}, with its 95 % Wilson score interval. */
    public record Rate(long successes, long trials, double value, double low95, double high95) {
    }

    /**
     * @param precision true positives among reviewed alerts with a TRUE_POSITIVE or FALSE_POSITIVE verdict; null when none
     * @param recall    true positives among true positives plus reported misses; null when neither exists. Only misses
     *                  someone reported count, so this is an upper bound on the real recall.
     */
    public record Row(String kind, String policyVersion, long raised, long truePositives, long falsePositives, long unsure,
                      long unreviewed, long missedReported, Rate precision, Rate recall) {
    }

    public record Report(String fleetId, Long fromNanos, Long toNanos, List<Row> rows) {
    }

    private final AlertReadModel alerts;

    public AlertQuality(AlertReadModel alerts) {
        this.alerts = alerts;
    }

    /** Alerts raised, and misses that occurred, in [fromNanos, toNanos); either bound may be null. */
    public Report report(String fleetId, Long fromNanos, Long toNanos) {
        long from = fromNanos == null ? Long.MIN_VALUE : fromNanos;
        long to = toNanos == null ? Long.MAX_VALUE : toNanos;
        if (from >= to) {
            throw new IllegalArgumentException("fromNanos must be before toNanos");
        }
        List<Row> rows = new ArrayList<>();
        for (AlertReadModel.QualityCounts c : alerts.qualityCounts(fleetId, from, to)) {
            long tp = c.truePositives();
            long fp = c.falsePositives();
            long missed = c.missedReported();
            rows.add(new Row(c.kind(), c.policyVersion(), c.raised(), tp, fp, c.unsure(), c.unreviewed(), missed,
                    tp + fp == 0 ? null : wilson(tp, tp + fp), tp + missed == 0 ? null : wilson(tp, tp + missed)));
        }
        return new Report(fleetId, fromNanos, toNanos, rows);
    }

    /** The 95 % Wilson score interval of {@code successes} in {@code trials} (trials > 0). */
    static Rate wilson(long successes, long trials) {
        double n = trials;
        double p = successes / n;
        double z2 = Z_95 * Z_95;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2 * n)) / denominator;
        double halfWidth = Z_95 * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
        return new Rate(successes, trials, p, Math.max(0, centre - halfWidth), Math.min(1, centre + halfWidth));
    }
}
