package io.sightline.eval.stats;

/**
 * How many more runs, all clean, it would take to claim that a failure rate is below a target at
 * 95 % confidence (one-sided Clopper–Pearson upper bound ≤ target).
 *
 * @param target the rate to claim, e.g. 0.02
 * @param failures failures seen so far
 * @param runs runs so far
 * @param upperBound the one-sided 95 % upper bound now
 * @param met whether the bound already meets the target
 * @param ruleOfThreeRuns the rule of three's total for a clean record, ⌈3 / target⌉ (an approximation
 *     of the exact zero-failure figure, valid for small targets)
 * @param zeroFailureRuns the exact total for a record without failures: the least n with
 *     (1 − target)^n ≤ 0.05, i.e. Clopper–Pearson's upper bound for 0 of n at or below the target
 * @param moreCleanRuns the exact general case: the least m ≥ 0 such that the bound for
 *     {@code failures} in {@code runs + m} is at or below the target; null when beyond
 *     {@link #MAX_RUNS}
 * @param moreCleanRunsRuleOfThree the rule of three's answer, ⌈3 / target⌉ − runs (at least 0),
 *     defined only while there is no failure (null otherwise: the rule has no case for failures)
 */
public record Budget(double target, int failures, int runs, double upperBound, boolean met, long ruleOfThreeRuns,
                     long zeroFailureRuns, Long moreCleanRuns, Long moreCleanRunsRuleOfThree) {

    /** The search stops here: the interval library takes an int run count. */
    public static final long MAX_RUNS = Integer.MAX_VALUE;

    public static Budget of(int failures, int runs, double target) {
        if (!(target > 0 && target < 1)) {
            throw new IllegalArgumentException("target must be in (0, 1), got " + target);
        }
        double upper = Bounds.upper95(failures, runs);
        // the slack guards against a quotient that rounding puts just above a whole number
        long ruleOfThree = (long) Math.ceil(3 / target - 1e-9);
        long zero = leastRuns(0, target);
        Long total = leastRuns(failures, target);
        Long more = total == null ? null : Math.max(0, total - runs);
        Long moreRule = failures == 0 ? Math.max(0, ruleOfThree - runs) : null;
        return new Budget(target, failures, runs, upper, upper <= target, ruleOfThree, zero, more, moreRule);
    }

    /** The least n ≥ max(failures, 1) whose upper bound for {@code failures} of n is ≤ target; null past MAX_RUNS. */
    static Long leastRuns(int failures, double target) {
        long lo = Math.max(1, failures);
        if (ok(failures, lo, target)) {
            return lo;
        }
        long hi = lo;
        while (!ok(failures, hi, target)) {
            if (hi >= MAX_RUNS) {
                return null;
            }
            lo = hi;
            hi = Math.min(MAX_RUNS, hi * 2);
        }
        // ok(hi), !ok(lo): the bound falls as n grows with the failures fixed
        while (hi - lo > 1) {
            long mid = lo + (hi - lo) / 2;
            if (ok(failures, mid, target)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    private static boolean ok(int failures, long n, double target) {
        return Bounds.upper95(failures, (int) n) <= target;
    }
}
