package io.sightline.edge.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.TrackStarted;
import io.sightline.edge.app.rollingstop.RollingStopApplication;
import io.sightline.edge.scenario.ScenarioResult;
import io.sightline.edge.scenario.ScenarioRunner;
import io.sightline.edge.scenario.ScenarioSpec;
import io.sightline.edge.scenario.ScenarioSpecParser;
import io.sightline.edge.testdata.SafetyTestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rolling-stop application on the scenario families of {@code scenarios/rolling-stop/}: a
 * simulated stop sign on its post, detected with noise, misses and clutter, tracked by the real
 * tracker and ranged by its width, and the ego's speed profile.
 */
class RollingStopScenarioTest {

    static final int SEEDS = 20;

    static Path spec(String name) {
        return SafetyTestData.projectDir().resolve("scenarios/rolling-stop").resolve(name + ".json");
    }

    record Run(ScenarioResult result, List<SightlineEvent> events) {
        List<RiskAssessed> rollingStopVerdicts() {
            return events.stream().filter(RiskAssessed.class::isInstance).map(RiskAssessed.class::cast)
                    .filter(r -> r.ruleName().equals("ROLLING_STOP")).toList();
        }

        static double factor(RiskAssessed r, String key) {
            return r.factors().stream().filter(f -> f.name().equals(key)).mapToDouble(RiskFactor::value).findFirst()
                    .orElseThrow(() -> new AssertionError(key + " not in " + r.factors()));
        }
    }

    static Run run(String name, long seed) throws Exception {
        ScenarioSpec spec = ScenarioSpecParser.parse(spec(name));
        List<SightlineEvent> events = new ArrayList<>();
        ScenarioResult result = ScenarioRunner.withDefaults().run(spec, seed, (id, at, e) -> events.add(e));
        return new Run(result, events);
    }

    @Test
    void everyFamilyMeetsItsExpectationOnEverySeed() throws Exception {
        for (String name : List.of("rolling-stop-slows-to-3mps", "rolling-stop-full-stop", "rolling-stop-no-stop",
                "rolling-stop-benign-parallel-road")) {
            for (long seed = 1; seed <= SEEDS; seed++) {
                Run run = run(name, seed);
                assertThat(run.result().passed()).as("%s seed %d: %s", name, seed, run.result()).isTrue();
                assertThat(run.events()).filteredOn(TrackStarted.class::isInstance)
                        .extracting(e -> ((TrackStarted) e).className()).as("%s seed %d: the sign is tracked as one", name, seed)
                        .contains("stop sign");
                assertThat(run.rollingStopVerdicts()).as("%s seed %d: the sign is judged once, when passed", name, seed)
                        .hasSize(1);
            }
        }
    }

    @Test
    void aRollingStopIsExplainedBySignMinimumSpeedThresholdAndMargin() throws Exception {
        Run run = run("rolling-stop-slows-to-3mps", 1);
        RiskAssessed verdict = run.rollingStopVerdicts().get(0);
        assertThat(verdict.level()).isEqualTo("ADVISORY");
        assertThat(verdict.policyVersion()).isEqualTo("rolling-stop-1.0.0");
        RiskFactor minSpeed = verdict.factors().get(0);
        assertThat(minSpeed.name()).isEqualTo(RollingStopApplication.MIN_SPEED.key());
        assertThat(minSpeed.value()).as("the ego rolled through at 3 m/s").isCloseTo(3.0, within(0.4));
        assertThat(minSpeed.threshold()).isEqualTo(1.0);
        assertThat(minSpeed.margin()).isCloseTo(minSpeed.value() - 1.0, within(1e-12));
        assertThat(Run.factor(verdict, RollingStopApplication.SIGN_LATERAL.key())).as("sign 3.5 m right")
                .isCloseTo(3.5, within(0.7));
        assertThat(verdict.causes()).as("the sign's track update and the speed samples")
                .anyMatch(c -> c.contains("/trk-")).anyMatch(c -> c.contains("/vs"));
        assertThat(run.events()).filteredOn(AlertRaised.class::isInstance).extracting(e -> (AlertRaised) e)
                .singleElement().satisfies(a -> {
                    assertThat(a.kind()).isEqualTo("ROLLING_STOP");
                    assertThat(a.policyVersion()).isEqualTo("rolling-stop-1.0.0");
                    assertThat(a.causes()).containsExactly(verdict.assessmentId());
                });
    }

    @Test
    void aFullStopAndASignOnAParallelRoadAreJudgedAndPass() throws Exception {
        RiskAssessed stop = run("rolling-stop-full-stop", 1).rollingStopVerdicts().get(0);
        assertThat(stop.level()).isEqualTo("NONE");
        assertThat(Run.factor(stop, RollingStopApplication.MIN_SPEED.key())).as("stopped").isLessThanOrEqualTo(1.0);

        RiskAssessed parallel = run("rolling-stop-benign-parallel-road", 1).rollingStopVerdicts().get(0);
        assertThat(parallel.level()).isEqualTo("NONE");
        assertThat(parallel.factors()).filteredOn(f -> f.name().equals(RollingStopApplication.SIGN_LATERAL_BOUND.key()))
                .singleElement().satisfies(f -> assertThat(f.triggered()).as("15 m out: not the ego's sign").isFalse());
        assertThat(Run.factor(parallel, RollingStopApplication.MIN_SPEED.key())).as("it did drive through at 11 m/s")
                .isGreaterThan(10.0);
    }
}
