package io.sightline.edge.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.edge.testdata.SafetyTestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every example scenario passes on 20 seeds through the real tracker, estimator, policy and actuation. */
class ScenarioSuiteTest {

    private static final int SEEDS = 20;

    @Test
    void everyExampleScenarioPassesOnTwentySeeds() throws Exception {
        List<Path> files = ScenarioSuite.filesIn(SafetyTestData.scenarioDir());
        assertThat(files).hasSize(8);
        List<ScenarioSpec> specs = ScenarioSuite.load(files);
        ScenarioSuite.Report report = ScenarioSuite.run(ScenarioRunner.withDefaults(), specs, SEEDS);
        StringBuilder failures = new StringBuilder();
        report.results().stream().filter(r -> !r.passed())
                .forEach(r -> failures.append(r.id()).append(" seed ").append(r.seed()).append(": ")
                        .append(r.reason()).append('\n'));
        assertThat(failures.toString()).isEmpty();
        assertThat(report.summary()).allSatisfy(s -> assertThat(s.passed()).isEqualTo(SEEDS));
        // the NHTSA cases warned inside their windows on every seed
        for (ScenarioSuite.Summary s : report.summary()) {
            if (s.id().startsWith("nhtsa-fcw")) {
                assertThat(s.firstAlertTtcMinS()).as(s.id()).isGreaterThanOrEqualTo(2.0);
                assertThat(s.firstAlertTtcMaxS()).as(s.id()).isLessThanOrEqualTo(4.0);
            }
        }
        assertThat(report.results()).allSatisfy(r -> assertThat(r.counts().frames()).isGreaterThan(100));
    }

    @Test
    void runnerReportsCollisionTimeAndTrueTtcExactly() throws Exception {
        ScenarioSpec stopped = ScenarioSpecParser.parse(SafetyTestData.scenarioDir().resolve("nhtsa-fcw-lead-stopped.json"));
        ScenarioResult r = ScenarioRunner.withDefaults().run(stopped, 1L);
        assertThat(r.collisionAtS()).isCloseTo(150 / 20.1168, org.assertj.core.api.Assertions.within(1e-6));
        assertThat(r.firstAlert().kind()).isEqualTo("FORWARD_COLLISION");
        assertThat(r.firstAlert().ttcTrueS()).isCloseTo(r.collisionAtS() - r.firstAlert().atS(),
                org.assertj.core.api.Assertions.within(1e-9));
        // a seed reproduces its run
        assertThat(ScenarioRunner.withDefaults().run(stopped, 1L)).isEqualTo(r);

        ScenarioSpec braking = ScenarioSpecParser.parse(SafetyTestData.scenarioDir().resolve("nhtsa-fcw-lead-braking.json"));
        // 30 m gap closes as ½·2.942·t² from t = 3 s: collision at 3 + sqrt(60 / 2.942)
        assertThat(ScenarioRunner.withDefaults().run(braking, 1L).collisionAtS())
                .isCloseTo(3 + Math.sqrt(60 / 2.942), org.assertj.core.api.Assertions.within(1e-6));
        ScenarioSpec adjacent = ScenarioSpecParser.parse(SafetyTestData.scenarioDir().resolve("benign-adjacent-lane-stopped.json"));
        assertThat(ScenarioRunner.withDefaults().run(adjacent, 1L).collisionAtS()).isNull();
    }

    @Test
    void projectionMatchesThePinholeAndClipsOrDropsOffscreenActors() throws Exception {
        ScenarioSpec spec = ScenarioSpecParser.parse(SafetyTestData.scenarioDir().resolve("nhtsa-fcw-lead-stopped.json"));
        ScenarioSpec.Actor car = spec.actors().get(0);
        double[] box = ScenarioRunner.project(spec.camera(), car, 0, 50);
        assertThat(box).containsExactly(new double[] {640 - 18, 360 - 4, 640 + 18, 360 + 26},
                org.assertj.core.api.Assertions.within(1e-9));
        assertThat(ScenarioRunner.project(spec.camera(), car, 0, -1)).as("behind the camera").isNull();
        assertThat(ScenarioRunner.project(spec.camera(), car, 40, 10)).as("far right, outside").isNull();
        double[] clipped = ScenarioRunner.project(spec.camera(), car, 0, 2);
        assertThat(clipped[3]).isEqualTo(720.0);
    }

    @Test
    void failingExpectationIsReportedWithTheReason() throws Exception {
        String json = Files.readString(SafetyTestData.scenarioDir().resolve("nhtsa-fcw-lead-stopped.json"))
                .replace("\"alert\": \"FORWARD_COLLISION\",\n    \"minTtcS\": 2.1,\n    \"maxTtcS\": 4.0", "\"noAlert\": true");
        ScenarioSpec spec = ScenarioSpecParser.parse(json, "modified");
        assertThat(spec.expect()).isInstanceOf(ScenarioSpec.NoAlert.class);
        ScenarioResult r = ScenarioRunner.withDefaults().run(spec, 1L);
        assertThat(r.passed()).isFalse();
        assertThat(r.reason()).contains("expected none").contains("FORWARD_COLLISION");
    }
}
