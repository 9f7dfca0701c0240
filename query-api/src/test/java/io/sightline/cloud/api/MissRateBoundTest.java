package io.sightline.cloud.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

/** The miss rate's one-sided Clopper-Pearson bound, against published values, and the review budget it implies. */
class MissRateBoundTest {

    @Test
    void boundsMatchTheRuleOfThreeAndTheNhtsaExample() {
        // 0 misses in n: the exact bound is 1 - 0.05^(1/n); the rule of three approximates it by 3/n.
        assertThat(AlertQuality.upper95(0, 300)).isCloseTo(1 - Math.pow(0.05, 1.0 / 300), offset(1e-9)).isCloseTo(0.00994, offset(1e-5));
        // 7 of 7 warned: the miss rate is below 0.348 (a success rate of at least 0.652), as the NHTSA example says.
        assertThat(AlertQuality.upper95(0, 7)).isCloseTo(0.3482, offset(1e-4));
        // 1 miss in 20 (tabulated: 0.2161).
        assertThat(AlertQuality.upper95(1, 20)).isCloseTo(0.2161, offset(1e-4));
    }

    @Test
    void theBudgetIsTheFewestCleanEventsThatReachTheTarget() {
        // 0 misses: 1 - 0.05^(1/n) <= 0.01 needs n >= 299 (298.07 rounded up).
        assertThat(AlertQuality.moreEventsFor(0, 0 + 1, 0.01)).isEqualTo(298L);
        assertThat(AlertQuality.moreEventsFor(0, 299, 0.01)).isZero();
        // With one miss in 3, more clean events still get there, and one fewer does not.
        long more = AlertQuality.moreEventsFor(1, 3, 0.05);
        assertThat(AlertQuality.upper95(1, 3 + more)).isLessThanOrEqualTo(0.05);
        assertThat(AlertQuality.upper95(1, 3 + more - 1)).isGreaterThan(0.05);
        AlertQuality.MissRate m = AlertQuality.missRate(1, 3, 0.05);
        assertThat(m.value()).isCloseTo(1.0 / 3, offset(1e-12));
        assertThat(m.moreEventsForTarget()).isEqualTo(more);
        // A target no practical review count reaches is said, not looped on.
        assertThat(AlertQuality.moreEventsFor(1, 3, 1e-9)).isNull();
    }
}
