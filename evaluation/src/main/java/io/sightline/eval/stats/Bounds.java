package io.sightline.eval.stats;

import org.apache.commons.statistics.interval.BinomialConfidenceInterval;

/**
 * One-sided Clopper–Pearson bounds on a binomial proportion, from Apache Commons Statistics. A
 * one-sided bound at confidence c is the matching end of the two-sided interval at confidence
 * 2c − 1 (each end of a Clopper–Pearson interval leaves out half of the error rate), so the
 * one-sided 95 % upper bound is the upper end of the two-sided 90 % interval.
 */
public final class Bounds {

    /** The confidence of every bound the evaluation reports. */
    public static final double CONFIDENCE = 0.95;

    private Bounds() {
    }

    /** One-sided upper bound on the rate of {@code events} in {@code n} runs at {@code confidence}. */
    public static double upper(int events, int n, double confidence) {
        check(events, n, confidence);
        return BinomialConfidenceInterval.CLOPPER_PEARSON.fromErrorRate(n, events, 2 * (1 - confidence)).getUpperBound();
    }

    /** One-sided lower bound on the rate of {@code events} in {@code n} runs at {@code confidence}. */
    public static double lower(int events, int n, double confidence) {
        check(events, n, confidence);
        return BinomialConfidenceInterval.CLOPPER_PEARSON.fromErrorRate(n, events, 2 * (1 - confidence)).getLowerBound();
    }

    public static double upper95(int events, int n) {
        return upper(events, n, CONFIDENCE);
    }

    public static double lower95(int events, int n) {
        return lower(events, n, CONFIDENCE);
    }

    private static void check(int events, int n, double confidence) {
        if (n <= 0 || events < 0 || events > n) {
            throw new IllegalArgumentException("need 0 <= events <= n and n > 0, got " + events + " of " + n);
        }
        if (!(confidence > 0.5 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0.5, 1), got " + confidence);
        }
    }
}
