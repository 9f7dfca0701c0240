package io.sightline.eval;

import io.sightline.edge.scenario.ScenarioResult;
import io.sightline.edge.scenario.ScenarioRunner;
import io.sightline.edge.scenario.ScenarioSpecException;
import io.sightline.eval.family.ScenarioFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * Runs scenario families: every cell of each family {@code runsPerCell} times, with seeds
 * {@code seed … seed + runsPerCell − 1}, on {@code threads} worker threads. Each run is independent
 * (its own simulator, projector and random streams), so the outcome of a run does not depend on
 * which thread ran it or when: results are stored by run index, and the report built from them is
 * the same for the same inputs whatever the thread count.
 */
public final class Evaluator {

    /** Runs handed to a worker at a time: large enough to keep the shared counter cold. */
    private static final int CHUNK = 8;

    /** The runs and their outcomes, in run order (family, cell, seed). */
    public record Result(List<ScenarioFamily> families, int runsPerCell, long seed, RunOutcome[] outcomes) {
    }

    /** A sampled scenario that fails validation (the load-time probes cannot see every combination). */
    public static final class RunFailedException extends RuntimeException {
        RunFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final ScenarioRunner runner;
    private final CoverageRule coverage;

    public Evaluator(ScenarioRunner runner) {
        this.runner = runner;
        this.coverage = CoverageRule.of(runner.policy(), runner.trackerConfig());
    }

    /** The rule that tells runs the camera could not have seen in time (ADR-0038). */
    public CoverageRule coverageRule() {
        return coverage;
    }

    public static long totalRuns(List<ScenarioFamily> families, int runsPerCell) {
        long n = 0;
        for (ScenarioFamily f : families) {
            n += (long) f.cells() * runsPerCell;
        }
        return n;
    }

    /**
     * Runs everything; {@code progress} is told the number of finished runs now and then, from the
     * worker threads (it must be thread-safe and quick).
     */
    public Result run(List<ScenarioFamily> families, int runsPerCell, long seed, int threads, IntConsumer progress) {
        if (runsPerCell < 1 || threads < 1) {
            throw new IllegalArgumentException("runsPerCell and threads must be >= 1");
        }
        long total = totalRuns(families, runsPerCell);
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(total + " runs are too many for one evaluation");
        }
        int n = (int) total;
        int[] familyOf = new int[n];
        int[] cellOf = new int[n];
        long[] seedOf = new long[n];
        int k = 0;
        for (int f = 0; f < families.size(); f++) {
            for (int c = 0; c < families.get(f).cells(); c++) {
                for (int j = 0; j < runsPerCell; j++) {
                    familyOf[k] = f;
                    cellOf[k] = c;
                    seedOf[k] = seed + j;
                    k++;
                }
            }
        }
        RunOutcome[] outcomes = new RunOutcome[n];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Runnable worker = () -> {
            while (failure.get() == null) {
                int start = next.getAndAdd(CHUNK);
                if (start >= n) {
                    return;
                }
                int end = Math.min(n, start + CHUNK);
                for (int i = start; i < end; i++) {
                    try {
                        outcomes[i] = runOne(families, familyOf[i], cellOf[i], seedOf[i]);
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                        return;
                    }
                }
                progress.accept(done.addAndGet(end - start));
            }
        };
        List<Thread> pool = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(worker, "evaluate-" + t);
            th.setDaemon(true);
            pool.add(th);
            th.start();
        }
        for (Thread th : pool) {
            try {
                th.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure.compareAndSet(null, new IllegalStateException("interrupted", e));
            }
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return new Result(List.copyOf(families), runsPerCell, seed, outcomes);
    }

    private RunOutcome runOne(List<ScenarioFamily> families, int f, int cell, long seed) {
        ScenarioFamily family = families.get(f);
        ScenarioFamily.Instance in;
        try {
            in = family.instantiate(cell, seed);
        } catch (ScenarioSpecException e) {
            throw new RunFailedException("run " + ScenarioFamily.runId(family.id(), cell, seed)
                    + " drew an invalid scenario: " + e.getMessage(), e);
        }
        ScenarioResult r = runner.run(in.spec(), seed);
        return RunOutcome.of(f, family, in, r, coverage);
    }

    /** One run alone, as {@code --rerun ID} does. */
    public Rerun rerun(ScenarioFamily family, int cell, long seed) throws ScenarioSpecException {
        ScenarioFamily.Instance in = family.instantiate(cell, seed);
        ScenarioResult r = runner.run(in.spec(), seed);
        return new Rerun(in, r, coverage.classify(in.spec(), family.expectation(), r.collisionAtS()));
    }

    /** @param coverage the run's coverage classification, or null when not classified */
    public record Rerun(ScenarioFamily.Instance instance, ScenarioResult result, CoverageRule.Coverage coverage) {
    }
}
