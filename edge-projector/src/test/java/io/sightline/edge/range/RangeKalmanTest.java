package io.sightline.edge.range;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RangeKalmanTest {

    private static final long FRAME_NANOS = 33_333_333L;

    private static RangeKalman filter() {
        return new RangeKalman(2.0, 15.0, 0.5, 5.0);
    }

    @Test
    void closingSpeedConvergesFromNoisyRangesWithoutTwoFrameDifferences() {
        RangeKalman f = filter();
        Random rng = new Random(7);
        double sigma = 1.0;
        for (int k = 0; k <= 90; k++) {
            double t = k * FRAME_NANOS * 1e-9;
            f.updateRange(k * FRAME_NANOS, 80 - 15 * t + sigma * rng.nextGaussian(), sigma);
        }
        // a two-frame difference would have σ = √2·1 m / 33 ms ≈ 42 m/s; the filter is within 1 m/s
        assertThat(f.rangeRateMps()).isCloseTo(-15, within(1.0));
        assertThat(f.rangeM()).isCloseTo(80 - 15 * 3.0, within(1.0));
        assertThat(f.rangeRateSigmaMps()).isLessThan(1.0);
        assertThat(f.ageS()).isCloseTo(3.0, within(1e-6));
    }

    @Test
    void brakingLeadShowsUpAsRangeAcceleration() {
        RangeKalman f = filter();
        Random rng = new Random(3);
        for (int k = 0; k <= 120; k++) {
            double t = k * FRAME_NANOS * 1e-9;
            double tb = Math.max(0, t - 1.0);
            double d = 30 - 0.5 * 3.0 * tb * tb;
            f.updateRange(k * FRAME_NANOS, d + 0.3 * rng.nextGaussian(), 0.3);
        }
        assertThat(f.rangeAccelMps2()).isCloseTo(-3.0, within(0.8));
        assertThat(f.rangeRateMps()).isCloseTo(-9.0, within(1.0));
    }

    @Test
    void outlierIsGatedAndAPersistentJumpRestartsTheFilter() {
        RangeKalman f = filter();
        for (int k = 0; k < 60; k++) {
            f.updateRange(k * FRAME_NANOS, 40, 0.5);
        }
        assertThat(f.updateRange(60 * FRAME_NANOS, 80, 0.5)).as("a clutter box 40 m off").isFalse();
        assertThat(f.rangeM()).isCloseTo(40, within(0.1));
        boolean accepted = false;
        for (int k = 61; k < 60 + RangeKalman.MAX_CONSECUTIVE_REJECTS; k++) {
            accepted = f.updateRange(k * FRAME_NANOS, 80, 0.5);
        }
        assertThat(accepted).isTrue();
        assertThat(f.rangeM()).isEqualTo(80);
        assertThat(f.updates()).isEqualTo(1);
    }

    @Test
    void radarRangeRateIsTakenDirectly() {
        RangeKalman f = filter();
        for (int k = 0; k < 20; k++) {
            double t = k * 0.05;
            f.updateRangeAndRate(Math.round(t * 1e9), 50 - 4 * t, 0.5, -4, 0.3);
        }
        assertThat(f.rangeRateMps()).isCloseTo(-4, within(0.05));
        assertThat(f.rangeRateSigmaMps()).isLessThan(0.3);
    }
}
