package io.sightline.eval.rare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.edge.scenario.ScenarioRunner;
import io.sightline.eval.family.FamilyParser;
import io.sightline.eval.family.ScenarioFamily;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Importance sampling on the shipped rare family (a lead braking hard at short gaps): the
 * cross-entropy proposal finds the failures plain Monte Carlo meets a few times in thousands, and
 * the weighted estimate agrees with plain Monte Carlo's interval. The saving at the default
 * precision is measured by {@code ./sightline rare-event} (docs/benchmarks.md), not here.
 */
class ImportanceSamplerTest {

    static final Path FAMILY = Path.of("..", "scenarios", "families", "hazards", "lead-hard-braking-short-gap.json");

    @Test
    void theWeightedEstimateFindsTheRareFailuresAndAgreesWithPlainMonteCarlo() throws Exception {
        ScenarioFamily family = FamilyParser.parse(FAMILY, null);
        ImportanceSampler.Report r = new ImportanceSampler(ScenarioRunner.withDefaults(),
                new ImportanceSampler.Config(0.25, 250, 6, 0.1, 10, 0.1, 0.7, 4_000), 2).run(family, 0, 1, line -> { });
        System.out.println("rare family: plain " + r.plain() + "\n  importance " + r.importance() + "\n  fitting runs " + r.crossEntropyRuns());
        assertThat(r.plain().failures()).as("plain Monte Carlo sees the failures rarely").isLessThan(r.plain().runs() / 500);
        assertThat(r.importance().failures()).as("the proposal makes them common").isGreaterThanOrEqualTo(10);
        assertThat(r.importance().failures() / (double) r.importance().runs()).isGreaterThan(50 * r.plain().probability() + 0.01);
        assertThat(r.importance().probability()).isPositive()
                .as("inside plain Monte Carlo's 95 %% interval [%s, %s]", r.plain().low95(), r.plain().high95())
                .isBetween(r.plain().low95(), r.plain().high95());
        assertThat(r.proposal()).hasNumberOfRows(family.randomParameters());
    }

    @Test
    void aBenignFamilyHasNoWarningToBeLateAndIsRefused() throws Exception {
        ScenarioFamily benign = FamilyParser.parse(Path.of("..", "scenarios", "families", "benign", "lead-pulling-away.json"), null);
        assertThatThrownBy(() -> new ImportanceSampler(ScenarioRunner.withDefaults(), ImportanceSampler.Config.DEFAULT, 1).run(benign, 0, 1, l -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hazard family");
    }
}
