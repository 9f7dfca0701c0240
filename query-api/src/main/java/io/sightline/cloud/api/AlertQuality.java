package io.sightline.cloud.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.statistics.interval.BinomialConfidenceInterval;
import org.apache.commons.statistics.interval.Interval;
import org.springframework.stereotype.Component;

/**
 * Precision, recall and miss rate of the alerts of one fleet, per alert kind and policy version,
 * from the reviewers' verdicts ({@code alerts.verdict}) and their reports of missed hazards
 * ({@code missed_events}), and the alert rate per hour of driving and per 100 km from the sessions'
 * exposure. Rare events give small counts, so every rate comes with its interval: 1 true positive of
 * 1 reviewed is "precision 1.0, somewhere between 0.21 and 1.0", not a perfect policy. The intervals
 * come from Apache Commons Statistics, never from hand-written formulas.
 */
@Component
public class AlertQuality {

    /** Two-sided error of the rates' intervals (95 % Wilson score intervals). */
    static final double ALPHA = 0.05;
    /** The miss rate's bound is one-sided at 95 %: the upper end of a two-sided 90 % Clopper-Pearson interval. */
    static final double ONE_SIDED_ALPHA = 0.05;
    /** The miss-rate bound a budget is computed for when the request names none. */
    public static final double DEFAULT_TARGET_MISS_RATE = 0.05;
    /** Beyond this many more reviewed events, the budget reports none (the target is out of practical reach). */
    static final long MAX_BUDGET = 100_000_000L;

    /** A rate of {@code successes} in {@code trials}, with its 95 % Wilson score interval. */
    public record Rate(long successes, long trials, double value, double low95, double high95) {
    }

    /**
     * The miss rate: reported misses among true positives plus reported misses.
     *
     * @param upper95            one-sided 95 % Clopper-Pearson upper bound
     * @param targetMissRate     the bound the budget is for
     * @param moreEventsForTarget how many more reviewed hazards, all caught, would bring {@code upper95} to the target;
     *                            0 when it is there already, null when beyond {@value #MAX_BUDGET}
     */
    public record MissRate(long misses, long trials, double value, double upper95, double targetMissRate, Long moreEventsForTarget) {
    }

    /**
     * @param precision        true positives among reviewed alerts with a TRUE_POSITIVE or FALSE_POSITIVE verdict; null when none
     * @param recall           true positives among true positives plus reported misses; null when neither exists. It counts only
     *                         reviewed true positives and reported misses: an upper bound on the real recall only when every alert
     *                         has been reviewed, since unreported misses inflate it and unreviewed true positives deflate it
     * @param missRate         1 - recall, with its one-sided bound and the reviews a target bound needs; null when recall is
     * @param alertsPerDrivingHour raised alerts per hour of driving of the policy version's sessions; null without driving time
     * @param alertsPer100Km   raised alerts per 100 km driven; null without distance
     */
    public record Row(String kind, String policyVersion, long raised, long truePositives, long falsePositives, long unsure,
                      long unreviewed, long missedReported, Rate precision, Rate recall, MissRate missRate, double drivingHours,
                      double distanceKm, Double alertsPerDrivingHour, Double alertsPer100Km) {
    }

    public record Report(String fleetId, Long fromNanos, Long toNanos, double targetMissRate, List<Row> rows) {
    }

    private final AlertReadModel alerts;
    private final SessionReadModel sessions;

    public AlertQuality(AlertReadModel alerts, SessionReadModel sessions) {
        this.alerts = alerts;
        this.sessions = sessions;
    }

    /** Alerts raised, misses that occurred and sessions started in [fromNanos, toNanos); either bound may be null. */
    public Report report(String fleetId, Long fromNanos, Long toNanos) {
        return report(fleetId, fromNanos, toNanos, DEFAULT_TARGET_MISS_RATE);
    }

    public Report report(String fleetId, Long fromNanos, Long toNanos, double targetMissRate) {
        long from = fromNanos == null ? Long.MIN_VALUE : fromNanos;
        long to = toNanos == null ? Long.MAX_VALUE : toNanos;
        if (from >= to) {
            throw new IllegalArgumentException("fromNanos must be before toNanos");
        }
        if (!(targetMissRate > 0 && targetMissRate < 1)) {
            throw new IllegalArgumentException("targetMissRate must be between 0 and 1 (exclusive), was " + targetMissRate);
        }
        Map<String, SessionReadModel.Exposure> exposure = sessions.exposure(fleetId, from, to);
        List<Row> rows = new ArrayList<>();
        for (AlertReadModel.QualityCounts c : alerts.qualityCounts(fleetId, from, to)) {
            long tp = c.truePositives();
            long fp = c.falsePositives();
            long missed = c.missedReported();
            SessionReadModel.Exposure e = exposure.getOrDefault(c.policyVersion(), new SessionReadModel.Exposure(0, 0, 0));
            double hours = e.drivingNanos() / 3.6e12;
            double km = e.distanceM() / 1000;
            rows.add(new Row(c.kind(), c.policyVersion(), c.raised(), tp, fp, c.unsure(), c.unreviewed(), missed,
                    tp + fp == 0 ? null : wilson(tp, tp + fp), tp + missed == 0 ? null : wilson(tp, tp + missed),
                    tp + missed == 0 ? null : missRate(missed, tp + missed, targetMissRate), hours, km,
                    hours > 0 ? c.raised() / hours : null, km > 0 ? c.raised() / km * 100 : null));
        }
        return new Report(fleetId, fromNanos, toNanos, targetMissRate, rows);
    }

    /** The 95 % Wilson score interval of {@code successes} in {@code trials} (trials > 0). */
    static Rate wilson(long successes, long trials) {
        Interval i = BinomialConfidenceInterval.WILSON_SCORE.fromErrorRate(toInt(trials), toInt(successes), ALPHA);
        return new Rate(successes, trials, (double) successes / trials, i.getLowerBound(), i.getUpperBound());
    }

    /** One-sided 95 % Clopper-Pearson upper bound on a rate of {@code events} in {@code trials}. */
    static double upper95(long events, long trials) {
        return BinomialConfidenceInterval.CLOPPER_PEARSON.fromErrorRate(toInt(trials), toInt(events), 2 * ONE_SIDED_ALPHA).getUpperBound();
    }

    static MissRate missRate(long misses, long trials, double target) {
        double upper = upper95(misses, trials);
        return new MissRate(misses, trials, (double) misses / trials, upper, target, moreEventsFor(misses, trials, target));
    }

    /**
     * The fewest additional reviewed hazards, every one of them warned, that bring the one-sided
     * upper bound to {@code target}: the bound falls as trials grow with the misses fixed, so a
     * doubling search followed by bisection finds it in O(log n) evaluations.
     */
    static Long moreEventsFor(long misses, long trials, double target) {
        if (upper95(misses, trials) <= target) {
            return 0L;
        }
        long hi = 1;
        while (upper95(misses, trials + hi) > target) {
            hi *= 2;
            if (hi > MAX_BUDGET) {
                return null;
            }
        }
        long lo = hi / 2;
        while (hi - lo > 1) {
            long mid = (lo + hi) >>> 1;
            if (upper95(misses, trials + mid) > target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }

    private static int toInt(long n) {
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many events for an interval: " + n);
        }
        return (int) n;
    }
}
