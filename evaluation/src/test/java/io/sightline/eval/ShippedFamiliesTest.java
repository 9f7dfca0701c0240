package io.sightline.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.edge.scenario.ScenarioRunner;
import io.sightline.edge.scenario.ScenarioSpec;
import io.sightline.eval.family.ScenarioFamily;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every shipped family parses, names its source, and samples what its kind says: a hazard family
 * judged by the TTC at its warning always has a collision in its ground truth, a benign one never
 * does (a family that violated this would count design errors as misses or false alerts). A hazard
 * judged by an alert within a time window (a rolling stop) involves no collision, and has none.
 */
class ShippedFamiliesTest {

    @Test
    void everySuiteLoadsAndEveryFamilyNamesItsSource() throws Exception {
        List<ScenarioFamily> all = Suites.load(ProjectFiles.families(), Suites.ALL);
        assertThat(all).hasSizeGreaterThanOrEqualTo(20);
        for (String suite : Suites.NAMES) {
            assertThat(Suites.load(ProjectFiles.families(), suite)).as(suite).isNotEmpty();
        }
        assertThat(all).allSatisfy(f -> assertThat(f.source()).as(f.id()).isNotBlank());
        assertThat(all).filteredOn(f -> f.kind() == ScenarioFamily.Kind.BENIGN).hasSizeGreaterThanOrEqualTo(10);
    }

    @Test
    void hazardsAlwaysCollideAndBenignFamiliesNever() throws Exception {
        List<ScenarioFamily> all = Suites.load(ProjectFiles.families(), Suites.ALL);
        Evaluator.Result r = new Evaluator(ScenarioRunner.withDefaults()).run(all, 3, 1000, 2, n -> { });
        List<String> wrong = new ArrayList<>();
        for (RunOutcome o : r.outcomes()) {
            ScenarioFamily f = all.get(o.family());
            boolean mustCollide = f.kind() == ScenarioFamily.Kind.HAZARD && f.expectation() instanceof ScenarioSpec.AlertAtTtc;
            if (mustCollide != o.collision()) {
                wrong.add(o.runId() + (o.collision() ? " collides" : " has no collision"));
            }
        }
        assertThat(wrong).isEmpty();
    }
}
