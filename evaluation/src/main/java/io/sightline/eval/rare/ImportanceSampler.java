package io.sightline.eval.rare;

import io.sightline.edge.scenario.ScenarioResult;
import io.sightline.edge.scenario.ScenarioRunner;
import io.sightline.edge.scenario.ScenarioSpec;
import io.sightline.edge.scenario.ScenarioSpecException;
import io.sightline.eval.family.ScenarioFamily;
import io.sightline.eval.stats.Bounds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.commons.statistics.descriptive.Mean;
import org.apache.commons.statistics.descriptive.Variance;
import org.apache.commons.statistics.distribution.NormalDistribution;

/**
 * P(late or missed warning) of a hazard family by importance sampling (issue 15 §3), beside plain
 * Monte Carlo at the same precision.
 *
 * <p>Every random parameter of a family is drawn by its inverse CDF from one uniform number, so the
 * nominal distribution of a run's draws is uniform on the unit cube whatever the parameters'
 * distributions. The proposal lives on that cube: per parameter, a piecewise-constant density over
 * {@link Config#bins()} equal bins, mixed with the uniform (a defensive share, so that no region
 * the nominal distribution reaches gets a weight without bound). A run's likelihood-ratio weight is
 * the product over parameters of 1 / q(u). The bins are fitted by the cross-entropy method: run a
 * batch, keep the elite share of runs closest to failing (the warning's true TTC furthest below the
 * requirement, a missed warning furthest of all), refit the bins to the elites' weighted draws, and
 * repeat until the elite threshold reaches the failure region. No knowledge of where a family fails
 * goes in: the same procedure serves any hazard family.
 */
public final class ImportanceSampler {

    /**
     * @param targetRelativeHalfWidth stop each estimate once its 95 % interval's half-width / estimate is this small
     * @param batchRuns               runs per batch and per cross-entropy iteration
     * @param maxCrossEntropyIterations give up fitting after this many (the proposal so far is still used)
     * @param eliteShare              share of a batch kept as elites
     * @param bins                    bins of each parameter's proposal on [0, 1]
     * @param defensiveShare          share of every parameter's proposal that stays uniform
     * @param smoothing               weight of the new fit against the previous one
     * @param maxRunsPerMethod        budget of each method; an estimate that has not reached the target by then says so
     */
    public record Config(double targetRelativeHalfWidth, int batchRuns, int maxCrossEntropyIterations, double eliteShare, int bins,
                         double defensiveShare, double smoothing, long maxRunsPerMethod) {
        public static final Config DEFAULT = new Config(0.2, 500, 8, 0.1, 10, 0.1, 0.7, 200_000);

        public Config {
            if (!(targetRelativeHalfWidth > 0) || batchRuns < 50 || bins < 2 || !(eliteShare > 0 && eliteShare < 1)
                    || !(defensiveShare > 0 && defensiveShare < 1) || !(smoothing > 0 && smoothing <= 1) || maxRunsPerMethod < batchRuns) {
                throw new IllegalArgumentException("importance sampling configuration out of range: " + this);
            }
        }
    }

    /**
     * One method's estimate of the failure probability.
     *
     * @param relativeHalfWidth half-width of the 95 % interval / estimate; infinite with no failure seen
     * @param reachedTarget     whether it got there within the budget
     */
    public record Estimate(String method, long runs, long failures, double probability, double low95, double high95,
                           double relativeHalfWidth, boolean reachedTarget) {
    }

    /**
     * @param crossEntropyRuns runs spent fitting the proposal (counted against importance sampling)
     * @param proposal         per random parameter, its bins' probabilities (before the defensive share)
     * @param runsSaved        plain Monte Carlo's runs / importance sampling's (fitting included), at the same precision
     */
    public record Report(String familyId, int cell, double minTtcS, Estimate plain, Estimate importance, long crossEntropyRuns,
                         int crossEntropyIterations, List<String> parameters, double[][] proposal, double runsSaved) {
    }

    private static final double Z95 = NormalDistribution.of(0, 1).inverseCumulativeProbability(0.975);

    private final ScenarioRunner runner;
    private final Config config;
    private final int threads;

    public ImportanceSampler(ScenarioRunner runner, Config config, int threads) {
        this.runner = runner;
        this.config = config;
        this.threads = threads;
    }

    /** How far a run was from failing: > 0 is a failure (late or missed), the larger the worse. */
    static double score(ScenarioResult r, ScenarioSpec.AlertAtTtc expectation) {
        for (ScenarioResult.Alert a : r.alerts()) {
            if (a.kind().equals(expectation.kind().name())) {
                Double ttc = a.ttcTrueS();
                if (ttc != null && ttc > 0) {
                    return expectation.minTtcS() - ttc;
                }
                break;
            }
        }
        // Missed: worse than any late warning.
        return expectation.minTtcS() + 1;
    }

    public Report run(ScenarioFamily family, int cell, long seed, Consumer<String> progress) throws InterruptedException {
        if (!(family.expectation() instanceof ScenarioSpec.AlertAtTtc expectation)) {
            throw new IllegalArgumentException(family.id() + " expects no warning at a TTC: importance sampling estimates P(late or missed"
                    + " warning) of a hazard family with \"expect\": {\"alert\": …, \"minTtcS\": …}");
        }
        int d = family.randomParameters();
        if (d == 0) {
            throw new IllegalArgumentException(family.id() + " has no random parameter to sample");
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            // Plain Monte Carlo: nominal draws, batch after batch until the interval is tight enough.
            long plainRuns = 0;
            long plainFailures = 0;
            Estimate plain = null;
            while (plainRuns < config.maxRunsPerMethod()) {
                double[][] u = new double[config.batchRuns()][];
                for (int i = 0; i < u.length; i++) {
                    u[i] = family.uniforms(seed + plainRuns + i);
                }
                double[] scores = scores(pool, family, cell, seed + plainRuns, u, expectation);
                for (double s : scores) {
                    plainFailures += s > 0 ? 1 : 0;
                }
                plainRuns += u.length;
                plain = plainEstimate(plainRuns, plainFailures);
                progress.accept(String.format(java.util.Locale.ROOT, "plain Monte Carlo: %d runs, %d failures, relative half-width %.3f",
                        plainRuns, plainFailures, plain.relativeHalfWidth()));
                if (plain.reachedTarget()) {
                    break;
                }
            }

            // Cross-entropy fit of the proposal on the unit cube.
            double[][] bins = new double[d][config.bins()];
            for (double[] b : bins) {
                Arrays.fill(b, 1.0 / config.bins());
            }
            SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
            long noiseSeed = seed + 1_000_000_000L;
            long ceRuns = 0;
            int iterations = 0;
            while (iterations < config.maxCrossEntropyIterations()) {
                iterations++;
                double[][] u = new double[config.batchRuns()][];
                double[] weights = new double[u.length];
                for (int i = 0; i < u.length; i++) {
                    u[i] = draw(bins, random);
                    weights[i] = weight(bins, u[i]);
                }
                double[] scores = scores(pool, family, cell, noiseSeed + ceRuns, u, expectation);
                ceRuns += u.length;
                double[] sorted = scores.clone();
                Arrays.sort(sorted);
                double threshold = Math.min(sorted[(int) Math.floor((1 - config.eliteShare()) * (sorted.length - 1))], 1e-12);
                double[][] fit = new double[d][config.bins()];
                for (int i = 0; i < u.length; i++) {
                    if (scores[i] >= threshold) {
                        for (int j = 0; j < d; j++) {
                            fit[j][bin(u[i][j])] += weights[i];
                        }
                    }
                }
                for (int j = 0; j < d; j++) {
                    double total = Arrays.stream(fit[j]).sum();
                    for (int k = 0; k < config.bins(); k++) {
                        double fitted = total > 0 ? fit[j][k] / total : 1.0 / config.bins();
                        bins[j][k] = config.smoothing() * fitted + (1 - config.smoothing()) * bins[j][k];
                    }
                }
                progress.accept(String.format(java.util.Locale.ROOT, "cross-entropy iteration %d: elite threshold %.3f s (failure at > 0)",
                        iterations, threshold));
                if (threshold > 0) {
                    break;
                }
            }

            // Importance sampling with the fitted proposal.
            List<Double> weighted = new ArrayList<>();
            long isRuns = 0;
            long isFailures = 0;
            Estimate importance = null;
            while (isRuns < config.maxRunsPerMethod()) {
                double[][] u = new double[config.batchRuns()][];
                double[] weights = new double[u.length];
                for (int i = 0; i < u.length; i++) {
                    u[i] = draw(bins, random);
                    weights[i] = weight(bins, u[i]);
                }
                double[] scores = scores(pool, family, cell, noiseSeed + ceRuns + isRuns, u, expectation);
                for (int i = 0; i < u.length; i++) {
                    boolean failed = scores[i] > 0;
                    isFailures += failed ? 1 : 0;
                    weighted.add(failed ? weights[i] : 0.0);
                }
                isRuns += u.length;
                importance = importanceEstimate(weighted, isFailures);
                progress.accept(String.format(java.util.Locale.ROOT, "importance sampling: %d runs, %d failures, relative half-width %.3f",
                        isRuns, isFailures, importance.relativeHalfWidth()));
                if (importance.reachedTarget()) {
                    break;
                }
            }
            double saved = plain.runs() / (double) (isRuns + ceRuns);
            List<String> names = new ArrayList<>();
            for (ScenarioFamily.Parameter p : family.parameters()) {
                if (p.spec().random()) {
                    names.add(p.name() != null ? p.name() : String.valueOf(p.path()));
                }
            }
            return new Report(family.id(), cell, expectation.minTtcS(), plain, importance, ceRuns, iterations, names, bins, saved);
        } finally {
            pool.shutdownNow();
        }
    }

    private Estimate plainEstimate(long runs, long failures) {
        double p = (double) failures / runs;
        double low = Bounds.lower((int) failures, (int) runs, 0.975);
        double high = Bounds.upper((int) failures, (int) runs, 0.975);
        double rhw = failures == 0 ? Double.POSITIVE_INFINITY : (high - low) / 2 / p;
        return new Estimate("plain Monte Carlo", runs, failures, p, low, high, rhw, rhw <= config.targetRelativeHalfWidth());
    }

    /** The mean of the weighted failure indicators, with its CLT interval; fewer than 10 failures seen is never called precise. */
    private Estimate importanceEstimate(List<Double> weighted, long failures) {
        double[] w = weighted.stream().mapToDouble(Double::doubleValue).toArray();
        double p = Mean.of(w).getAsDouble();
        double se = Math.sqrt(Variance.of(w).getAsDouble() / w.length);
        double rhw = p > 0 ? Z95 * se / p : Double.POSITIVE_INFINITY;
        return new Estimate("importance sampling", w.length, failures, p, Math.max(0, p - Z95 * se), p + Z95 * se, rhw,
                failures >= 10 && rhw <= config.targetRelativeHalfWidth());
    }

    private int bin(double u) {
        return Math.min(config.bins() - 1, (int) (u * config.bins()));
    }

    private double density(double[] bins, double u) {
        return config.defensiveShare() + (1 - config.defensiveShare()) * config.bins() * bins[bin(u)];
    }

    private double weight(double[][] bins, double[] u) {
        double w = 1;
        for (int j = 0; j < u.length; j++) {
            w /= density(bins[j], u[j]);
        }
        return w;
    }

    private double[] draw(double[][] bins, SplittableRandom random) {
        double[] u = new double[bins.length];
        for (int j = 0; j < u.length; j++) {
            if (random.nextDouble() < config.defensiveShare()) {
                u[j] = random.nextDouble();
            } else {
                double pick = random.nextDouble();
                int k = 0;
                double cum = bins[j][0];
                while (pick > cum && k < config.bins() - 1) {
                    cum += bins[j][++k];
                }
                u[j] = (k + random.nextDouble()) / config.bins();
            }
        }
        return u;
    }

    /** Runs the batch on the pool; run i gets noise seed {@code firstSeed + i}, so the outcome does not depend on scheduling. */
    private double[] scores(ExecutorService pool, ScenarioFamily family, int cell, long firstSeed, double[][] u, ScenarioSpec.AlertAtTtc e)
            throws InterruptedException {
        List<Future<Double>> futures = new ArrayList<>(u.length);
        for (int i = 0; i < u.length; i++) {
            int at = i;
            futures.add(pool.submit(() -> {
                ScenarioFamily.Instance in = family.instantiateWithUniforms(cell, firstSeed + at, u[at]);
                return score(runner.run(in.spec(), firstSeed + at), e);
            }));
        }
        double[] out = new double[u.length];
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = futures.get(i).get();
            } catch (ExecutionException ex) {
                Throwable cause = ex.getCause() instanceof ScenarioSpecException ? ex.getCause() : ex;
                throw new IllegalStateException(family.id() + ": a run drew an invalid scenario: " + cause.getMessage(), cause);
            }
        }
        return out;
    }
}
