package io.sightline.cloud.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

/** The 95 % Wilson score interval against values computed independently (Wilson 1927; statsmodels' proportion_confint). */
class WilsonIntervalTest {

    @Test
    void matchesPublishedValues() {
        AlertQuality.Rate r = AlertQuality.wilson(8, 10);
        assertThat(r.value()).isEqualTo(0.8);
        assertThat(r.low95()).isCloseTo(0.4902, offset(1e-4));
        assertThat(r.high95()).isCloseTo(0.9433, offset(1e-4));
        AlertQuality.Rate half = AlertQuality.wilson(1, 2);
        assertThat(half.low95()).isCloseTo(0.0945, offset(1e-4));
        assertThat(half.high95()).isCloseTo(0.9055, offset(1e-4));
    }

    @Test
    void theEdgesStayInsideZeroToOneAndAreNotDegenerate() {
        AlertQuality.Rate none = AlertQuality.wilson(0, 10);
        assertThat(none.low95()).isEqualTo(0.0);
        assertThat(none.high95()).isCloseTo(0.2775, offset(1e-4));
        AlertQuality.Rate all = AlertQuality.wilson(1, 1);
        assertThat(all.value()).isEqualTo(1.0);
        assertThat(all.high95()).isEqualTo(1.0);
        assertThat(all.low95()).as("one success in one trial proves little").isCloseTo(0.2065, offset(1e-4));
    }
}
