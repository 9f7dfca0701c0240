package io.sightline.cloud.monitoring.drift;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.monitoring.RecordDriftEvaluation.Verdict;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The evaluator on sessions made to look like real ones: each session has its own level (its
 * roads, its weather), and its values vary around it. Pooled tests treat the values as
 * independent and find drift between ordinary sessions; the session-level test does not.
 */
class DriftEvaluatorTest {

    static SessionSample session(String id, double level, double shift, Random r) {
        double[] luma = new double[40];
        for (int i = 0; i < luma.length; i++) {
            luma[i] = (level + r.nextGaussian() * 3) * (1 - shift);
        }
        double[] scores = new double[200];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = Math.min(1, Math.max(0.3, 0.6 + 0.1 * r.nextGaussian()));
        }
        return new SessionSample(id, "fleet", "v1", "sha", 0, 1, Map.of(DriftFeature.SUMMARY_MEAN_LUMA.id(), luma,
                DriftFeature.DETECTION_SCORE.id(), scores), Map.of(DriftFeature.DETECTION_CLASS.id(), Map.of("car", 30L + r.nextInt(10),
                "truck", 5L + r.nextInt(5))), List.of("summary-" + id));
    }

    static List<SessionSample> ordinary(int n, Random r) {
        List<SessionSample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(session("s" + i, 110 + 25 * r.nextGaussian(), 0, r));
        }
        return out;
    }

    @Test
    void randomSplitsOfOrdinarySessionsRarelyDriftAtSessionLevelThoughPooledTestsOftenDo() {
        Random r = new Random(7);
        List<SessionSample> sessions = ordinary(26, r);
        DriftEvaluator evaluator = new DriftEvaluator(DriftPolicy.DEFAULT);
        int sessionAlarms = 0;
        int pooledAlarms = 0;
        int splits = 200;
        for (int split = 0; split < splits; split++) {
            List<SessionSample> shuffled = new ArrayList<>(sessions);
            Collections.shuffle(shuffled, r);
            var outcomes = evaluator.evaluate(shuffled.subList(0, 20), shuffled.subList(20, 23), "split-" + split);
            sessionAlarms += outcomes.stream().anyMatch(o -> o.verdict() == Verdict.DRIFTED) ? 1 : 0;
            pooledAlarms += outcomes.stream().anyMatch(o -> o.measurement() != null && o.measurement().pooledDrifted()) ? 1 : 0;
        }
        System.out.printf("synthetic splits: session-level false alarms %d/%d, pooled %d/%d%n", sessionAlarms, splits, pooledAlarms, splits);
        assertThat(sessionAlarms).as("session-level false alarms of %d splits", splits).isLessThanOrEqualTo(splits / 20);
        assertThat(pooledAlarms).as("pooled verdicts on correlated values false-alarm far more often").isGreaterThan(splits / 4);
    }

    @Test
    void aDarkerCurrentWindowDriftsOnLumaOnly() {
        Random r = new Random(11);
        List<SessionSample> reference = ordinary(20, r);
        List<SessionSample> current = List.of(session("d1", 110, 0.4, r), session("d2", 120, 0.4, r), session("d3", 100, 0.4, r));
        var outcomes = new DriftEvaluator(DriftPolicy.DEFAULT).evaluate(reference, current, "dark");
        assertThat(outcomes).filteredOn(o -> o.verdict() == Verdict.DRIFTED).extracting(o -> o.feature())
                .containsExactly(DriftFeature.SUMMARY_MEAN_LUMA);
        var luma = outcomes.stream().filter(o -> o.feature() == DriftFeature.SUMMARY_MEAN_LUMA).findFirst().orElseThrow();
        assertThat(luma.measurement().statistic()).isEqualTo("ks_p_value");
        assertThat(luma.measurement().sessionPValue()).isLessThan(luma.measurement().sessionPValueThreshold());
        assertThat(luma.measurement().permutations()).as("C(23,3) assignments, all tried").isEqualTo(1771);
        assertThat(luma.histogram().referenceShares()).hasSameSizeAs(luma.histogram().currentShares());
    }

    @Test
    void aFeatureWithASingleValueInAWindowIsNotEnoughDataNotAnError() {
        Random r = new Random(4);
        List<SessionSample> current = new java.util.ArrayList<>(ordinary(3, r));
        SessionSample one = current.get(0);
        current.set(0, new SessionSample(one.sessionId(), one.fleetId(), one.vehicleId(), one.modelSha256(), 0, 1,
                Map.of(DriftFeature.SUMMARY_MEAN_LUMA.id(), one.values(DriftFeature.SUMMARY_MEAN_LUMA),
                        DriftFeature.SESSION_ALERTS_PER_DRIVING_HOUR.id(), new double[] {12.0}), one.categorical(), one.summaryEventIds()));
        List<SessionSample> reference = ordinary(20, r);
        var outcomes = new DriftEvaluator(DriftPolicy.DEFAULT).evaluate(reference, current, "one");
        assertThat(outcomes).filteredOn(o -> o.feature() == DriftFeature.SESSION_ALERTS_PER_DRIVING_HOUR).singleElement().satisfies(o -> {
            assertThat(o.verdict()).isEqualTo(Verdict.NOT_ENOUGH_DATA);
            assertThat(o.reason()).contains("fewer than 2 values in the reference window");
        });
    }

    @Test
    void featuresWithoutValuesAndWindowsTooSmallForSignificanceAreNotEnoughDataNeverAVerdict() {
        Random r = new Random(3);
        var outcomes = new DriftEvaluator(DriftPolicy.DEFAULT).evaluate(ordinary(20, r), ordinary(3, r), "x");
        assertThat(outcomes).filteredOn(o -> o.feature() == DriftFeature.TRACK_LENGTH_FRAMES).singleElement()
                .satisfies(o -> assertThat(o.verdict()).isEqualTo(Verdict.NOT_ENOUGH_DATA));
        var small = new DriftEvaluator(DriftPolicy.DEFAULT).evaluate(ordinary(4, r), List.of(session("d", 50, 0.9, r)), "y");
        assertThat(small).allSatisfy(o -> {
            assertThat(o.verdict()).isEqualTo(Verdict.NOT_ENOUGH_DATA);
            assertThat(o.reason()).contains("add sessions");
        });
    }
}
