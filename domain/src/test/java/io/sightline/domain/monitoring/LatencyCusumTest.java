package io.sightline.domain.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.domain.monitoring.LatencyCusum.Phase;
import io.sightline.domain.monitoring.LatencyCusum.State;
import io.sightline.domain.monitoring.LatencyCusum.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyCusumTest {

    static final LatencyDetectorConfig CONFIG = new LatencyDetectorConfig("test-1", 5, 1.0, 4.0, 5.0, 0.0, 1);

    /** Feeds the p95s as sessions s0, s1, ...; returns every step. */
    static List<Step> feed(LatencyDetectorConfig config, long... p95s) {
        State s = State.initial();
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < p95s.length; i++) {
            Step step = LatencyCusum.observe(config, s, "s" + i, p95s[i]);
            steps.add(step);
            s = step.state();
        }
        return steps;
    }

    @Test
    void theFirstSessionsAreTheReferenceAndGetNoVerdict() {
        // median 1000, absolute deviations 0, 20, 20, 40, 40 → MAD 20, scale 29.652
        List<Step> steps = feed(CONFIG, 1000, 980, 1020, 960, 1040);
        assertThat(steps).allSatisfy(s -> {
            assertThat(s.phase()).isEqualTo(Phase.REFERENCE);
            assertThat(s.zScore()).isNaN();
            assertThat(s.alarm()).isNull();
        });
        State last = steps.get(4).state();
        assertThat(last.phase(CONFIG)).isEqualTo(Phase.MONITORING);
        assertThat(last.referenceMedianMicros()).isEqualTo(1000);
        assertThat(last.referenceScaleMicros()).isEqualTo(1.4826 * 20);
        assertThat(steps.get(3).state().referenceScaleMicros()).as("no scale before the reference is complete").isZero();
    }

    @Test
    void theStatisticAddsClippedStandardisedRisesLessTheAllowance() {
        double scale = 1.4826 * 20;
        // z = 60/29.652 = 2.0235 → S = 1.0235; then z = -1.35 → S = 0 and the run empties
        List<Step> steps = feed(CONFIG, 1000, 980, 1020, 960, 1040, 1060, 960);
        assertThat(steps.get(5).zScore()).isCloseTo(60 / scale, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(steps.get(5).statistic()).isCloseTo(60 / scale - 1, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(steps.get(5).state().runSessionIds()).containsExactly("s5");
        assertThat(steps.get(6).statistic()).isZero();
        assertThat(steps.get(6).state().runSessionIds()).isEmpty();
    }

    @Test
    void oneOutlierSessionAloneNeverAlarmsHoweverLate() {
        // clip 5 − allowance 1 = 4 = threshold: a single session reaches the threshold but not past it
        List<Step> steps = feed(CONFIG, 1000, 980, 1020, 960, 1040, 1_000_000);
        assertThat(steps.get(5).statistic()).isEqualTo(4.0);
        assertThat(steps.get(5).alarm()).isNull();
    }

    @Test
    void aSustainedRiseAlarmsOnTheSecondSessionAndNamesBoth() {
        // +10 % = 100 µs = 3.37 spreads: 2.37 per session, 4.74 > 4 after two
        List<Step> steps = feed(CONFIG, 1000, 980, 1020, 960, 1040, 1100, 1100);
        assertThat(steps.get(5).alarm()).isNull();
        LatencyCusum.Alarm alarm = steps.get(6).alarm();
        assertThat(alarm).isNotNull();
        assertThat(alarm.sessionIds()).containsExactly("s5", "s6");
        assertThat(alarm.sessionP95Micros()).containsExactly(1100L, 1100L);
        assertThat(alarm.referenceP95Micros()).isEqualTo(1000);
        assertThat(alarm.referenceScaleMicros()).isEqualTo(30);
        assertThat(alarm.currentP95Micros()).isEqualTo(1100);
        assertThat(alarm.threshold()).isEqualTo(4.0);
        assertThat(alarm.margin()).isCloseTo(alarm.statistic() - 4.0, org.assertj.core.data.Offset.offset(1e-12)).isPositive();
        assertThat(CONFIG.sessionsToAlarm(100 / (1.4826 * 20))).isEqualTo(2);
    }

    @Test
    void afterAnAlarmTheNextSessionsFormANewReferenceSoALastingRegressionIsOneFinding() {
        long[] p95s = {1000, 980, 1020, 960, 1040, 1100, 1100, 1100, 1090, 1110, 1080, 1120, 1100, 1100, 1100, 1100};
        List<Step> steps = feed(CONFIG, p95s);
        assertThat(steps.stream().filter(s -> s.alarm() != null).count()).isEqualTo(1);
        assertThat(steps.get(7).phase()).isEqualTo(Phase.REFERENCE);
        assertThat(steps.get(11).state().referenceMedianMicros()).isEqualTo(1100);
        assertThat(steps.get(15).state().sessionsObserved()).isEqualTo(16);
    }

    @Test
    void aFallNeverAlarms() {
        long[] p95s = new long[60];
        for (int i = 0; i < p95s.length; i++) {
            p95s[i] = i < 5 ? 1000 + 20 * (i % 3) : 500;
        }
        assertThat(feed(CONFIG, p95s)).allSatisfy(s -> assertThat(s.statistic()).isZero());
    }

    @Test
    void aQuietReferenceIsHeldToTheRelativeFloor() {
        LatencyDetectorConfig floored = new LatencyDetectorConfig("test-2", 5, 1.0, 4.0, 5.0, 0.02, 1);
        List<Step> steps = feed(floored, 1000, 1000, 1000, 1000, 1001, 1030, 1030, 1030);
        assertThat(steps.get(4).state().referenceScaleMicros()).isEqualTo(20.0);
        // +3 % = 1.5 floored spreads: 0.5 per session, far from the threshold
        assertThat(steps.subList(5, 8)).allSatisfy(s -> assertThat(s.alarm()).isNull());
        assertThat(steps.get(7).statistic()).isCloseTo(1.5, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void theSameSessionsGiveTheSameVerdicts() {
        Random random = new Random(7);
        long[] p95s = new long[200];
        for (int i = 0; i < p95s.length; i++) {
            p95s[i] = Math.round(10_000 * (1 + 0.03 * random.nextGaussian()) * (i >= 150 ? 1.1 : 1.0));
        }
        List<Step> a = feed(LatencyDetectorConfig.V1, p95s);
        List<Step> b = feed(LatencyDetectorConfig.V1, p95s);
        assertThat(a).isEqualTo(b);
    }

    @Test
    void badInputIsRefused() {
        assertThatThrownBy(() -> LatencyCusum.observe(CONFIG, State.initial(), "s", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LatencyDetectorConfig("x", 2, 1, 4, 5, 0, 1)).hasMessageContaining("at least 3 sessions");
        assertThatThrownBy(() -> new LatencyDetectorConfig("x", 5, 5, 4, 5, 0, 1)).hasMessageContaining("allowance < clip");
        assertThatThrownBy(() -> new LatencyDetectorConfig(" ", 5, 1, 4, 5, 0, 1)).hasMessageContaining("version");
    }

    @Test
    void publishedConfigurationsAreFoundByVersionAndOneSessionCannotAlarmUnderThem() {
        assertThat(LatencyDetectorConfig.byVersion(LatencyDetectorConfig.V1.version())).contains(LatencyDetectorConfig.V1);
        assertThat(LatencyDetectorConfig.byVersion("nope")).isEmpty();
        LatencyDetectorConfig v1 = LatencyDetectorConfig.V1;
        assertThat(v1.clipSigmas() - v1.allowanceSigmas()).as("one session's largest step").isLessThanOrEqualTo(v1.thresholdSigmas());
    }
}
