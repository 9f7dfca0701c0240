package io.sightline.eval.cli;

import io.sightline.edge.scenario.ScenarioRunner;
import io.sightline.edge.scenario.ScenarioSpecException;
import io.sightline.eval.family.FamilyParser;
import io.sightline.eval.family.ScenarioFamily;
import io.sightline.eval.rare.ImportanceSampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./sightline rare-event --family FILE}: P(late or missed warning) of a hazard family by plain
 * Monte Carlo and by importance sampling, each until the same relative precision, side by side.
 */
@Command(name = "rare-event", mixinStandardHelpOptions = true,
        description = "Estimate a hazard family's P(late or missed warning) by plain Monte Carlo and by importance sampling"
                + " (cross-entropy proposal) to the same precision, and print the runs saved (docs/evaluation.md).")
public final class RareEventCommand implements Callable<Integer> {

    @Option(names = "--family", paramLabel = "FILE", required = true, description = "A hazard family file (scenarios/families/...).")
    Path family;

    @Option(names = "--cell", paramLabel = "N", defaultValue = "0", description = "Grid cell; default ${DEFAULT-VALUE}.")
    int cell;

    @Option(names = "--relative-half-width", paramLabel = "R", defaultValue = "0.2",
            description = "Target half-width of each 95 %% interval / estimate; default ${DEFAULT-VALUE}.")
    double relativeHalfWidth;

    @Option(names = "--max-runs", paramLabel = "N", defaultValue = "200000", description = "Budget of each method; default ${DEFAULT-VALUE}.")
    long maxRuns;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "First seed; default ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--threads", paramLabel = "T", description = "Worker threads; default: every core.")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(family)) {
            System.err.println("rare-event: no family file " + family + "; the shipped ones are under scenarios/families/");
            return 2;
        }
        ScenarioFamily f;
        try {
            f = FamilyParser.parse(family, null);
        } catch (ScenarioSpecException | IOException e) {
            System.err.println("rare-event: " + family + ": " + e.getMessage());
            return 2;
        }
        ImportanceSampler.Config d = ImportanceSampler.Config.DEFAULT;
        ImportanceSampler.Config config;
        try {
            config = new ImportanceSampler.Config(relativeHalfWidth, d.batchRuns(), d.maxCrossEntropyIterations(), d.eliteShare(), d.bins(),
                    d.defensiveShare(), d.smoothing(), maxRuns);
        } catch (IllegalArgumentException e) {
            System.err.println("rare-event: --relative-half-width must be > 0 and --max-runs at least " + d.batchRuns());
            return 2;
        }
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        long started = System.nanoTime();
        ImportanceSampler.Report r;
        try {
            r = new ImportanceSampler(ScenarioRunner.withDefaults(), config, t).run(f, cell, seed, line -> System.err.println("  " + line));
        } catch (IllegalArgumentException e) {
            System.err.println("rare-event: " + e.getMessage());
            return 2;
        }
        System.out.printf(Locale.ROOT, "%s, cell %d: P(warning later than %.1f s TTC, or none) at relative half-width %.2f%n", r.familyId(), r.cell(),
                r.minTtcS(), relativeHalfWidth);
        for (ImportanceSampler.Estimate e : new ImportanceSampler.Estimate[] {r.plain(), r.importance()}) {
            System.out.printf(Locale.ROOT, "  %-20s %8d runs %6d failures  p = %.3g  95 %% [%.3g, %.3g]  relative half-width %.3f%s%n", e.method(),
                    e.runs(), e.failures(), e.probability(), e.low95(), e.high95(), e.relativeHalfWidth(), e.reachedTarget() ? "" : "  (target not reached)");
        }
        System.out.printf(Locale.ROOT, "  importance sampling spent %d runs fitting its proposal (%d cross-entropy iterations) and %d estimating%n",
                r.crossEntropyRuns(), r.crossEntropyIterations(), r.importance().runs());
        System.out.printf(Locale.ROOT, "  runs saved: %.1fx (plain %d / importance %d, fitting included)%s; %.0f s%n", r.runsSaved(), r.plain().runs(),
                r.importance().runs() + r.crossEntropyRuns(), r.plain().reachedTarget() ? ""
                        : ", a lower bound: plain Monte Carlo stopped at its budget", (System.nanoTime() - started) / 1e9);
        if (!r.plain().reachedTarget() && Double.isFinite(r.plain().relativeHalfWidth()) && r.importance().reachedTarget()) {
            // An interval's half-width shrinks as 1/sqrt(runs): what plain Monte Carlo would need for importance sampling's precision.
            double ratio = r.plain().relativeHalfWidth() / r.importance().relativeHalfWidth();
            double needed = r.plain().runs() * ratio * ratio;
            System.out.printf(Locale.ROOT, "  plain Monte Carlo would need about %.0f runs for relative half-width %.3f: %.0fx importance sampling's%n",
                    needed, r.importance().relativeHalfWidth(), needed / (r.importance().runs() + r.crossEntropyRuns()));
        }
        return 0;
    }
}
