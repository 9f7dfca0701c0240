package io.sightline.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sightline.eval.stats.Bounds;
import io.sightline.eval.stats.Budget;
import org.junit.jupiter.api.Test;

/** Clopper–Pearson figures against values known in closed form or published. */
class BoundsTest {

    @Test
    void sevenOfSevenShowsOnlySixtyFivePercent() {
        // issue 15: the NHTSA test passed 7 of 7 shows a success rate >= 0.65; closed form 0.05^(1/7)
        assertThat(Bounds.lower95(7, 7)).isCloseTo(0.652, within(0.0005));
        assertThat(Bounds.lower95(7, 7)).isCloseTo(Math.pow(0.05, 1.0 / 7), within(1e-9));
        assertThat(Bounds.upper95(7, 7)).isEqualTo(1.0);
    }

    @Test
    void noFailureInThreeHundredBoundsTheRateBelowOnePercent() {
        assertThat(Bounds.upper95(0, 300)).isCloseTo(0.00994, within(0.00001));
        assertThat(Bounds.upper95(0, 300)).isCloseTo(1 - Math.pow(0.05, 1.0 / 300), within(1e-12));
        assertThat(Bounds.lower95(0, 300)).isEqualTo(0.0);
    }

    @Test
    void generalCaseMatchesTheBetaQuantile() {
        // 2 failures in 100: one-sided 95 % upper bound 0.06162 (the p with P(X <= 2 | 100, p) = 0.05)
        assertThat(Bounds.upper95(2, 100)).isCloseTo(0.06162, within(0.00001));
        // 5 of 20: the two-sided 90 % interval (0.10408, 0.45558), from the binomial tails
        assertThat(Bounds.lower95(5, 20)).isCloseTo(0.1040, within(0.0002));
        assertThat(Bounds.upper95(5, 20)).isCloseTo(0.4556, within(0.0002));
    }

    @Test
    void budgetByTheRuleOfThreeAndExactly() {
        Budget clean = Budget.of(0, 0 + 100, 0.02);
        assertThat(clean.ruleOfThreeRuns()).isEqualTo(150);
        assertThat(clean.moreCleanRunsRuleOfThree()).isEqualTo(50);
        // exact: least n with 0.98^n <= 0.05 is 149
        assertThat(clean.zeroFailureRuns()).isEqualTo(149);
        assertThat(clean.moreCleanRuns()).isEqualTo(49);
        assertThat(clean.met()).isFalse();
        assertThat(Budget.of(0, 149, 0.02).met()).isTrue();
        assertThat(Budget.of(0, 149, 0.02).moreCleanRuns()).isZero();

        Budget withFailures = Budget.of(2, 100, 0.02);
        assertThat(withFailures.moreCleanRunsRuleOfThree()).isNull();
        long total = 100 + withFailures.moreCleanRuns();
        assertThat(Bounds.upper95(2, (int) total)).isLessThanOrEqualTo(0.02);
        assertThat(Bounds.upper95(2, (int) total - 1)).isGreaterThan(0.02);
        // 2 failures need about 6.3 / p runs in all (Poisson 95 % bound for 2 events is 6.30)
        assertThat((double) total).isCloseTo(6.30 / 0.02, within(6.0));
    }
}
