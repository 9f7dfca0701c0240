package io.sightline.app;

import io.sightline.edge.scenario.ScenarioRunner;
import io.sightline.edge.scenario.ScenarioSpec;
import io.sightline.eval.family.FamilyParser;
import io.sightline.eval.family.ScenarioFamily;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench-scenarios}: scenario runs per second, the way {@code evaluate} makes them (a family
 * instantiated per run, then the simulator driving the real tracker, estimator, policy and
 * actuation), on one thread and then on every core, for a fixed time after a warm-up.
 */
@Command(name = "bench-scenarios", mixinStandardHelpOptions = true,
        description = {"Scenario runs per second (and per core) on a 10 s scenario at 30 Hz, as evaluate runs them.",
            "Default scenario: scenarios/nhtsa-fcw-lead-braking.json (NHTSA FCW test 3, 10 s, 30 Hz)."})
public final class ScenarioBenchCommand implements Callable<Integer> {

    /** The evaluation's target on a 2-core machine (issue 15, Performance). */
    static final double TARGET_RUNS_PER_S = 400;

    @Option(names = "--file", paramLabel = "F", description = "Scenario or family file (default: the NHTSA test 3 example).")
    Path file;

    @Option(names = "--seconds", defaultValue = "10", description = "Timed seconds per thread count (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup-runs", defaultValue = "15000",
            description = "Runs before timing, on every core (default ${DEFAULT-VALUE}): counted in runs, not seconds,"
                    + " so that a busy machine still warms the JIT up.")
    int warmupRuns;

    @Option(names = "--threads", paramLabel = "T", description = "Measure only T threads (default: 1, then every core).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        Path f = file != null ? file
                : Path.of(System.getProperty("sightline.home", ".")).resolve("scenarios/nhtsa-fcw-lead-braking.json");
        ScenarioFamily family = FamilyParser.parse(f, null);
        ScenarioSpec sample = family.instantiate(0, 1).spec();
        int frames = (int) Math.floor(sample.durationS() * sample.frameRateHz() + 1e-9) + 1;
        int cores = Runtime.getRuntime().availableProcessors();
        ScenarioRunner runner = ScenarioRunner.withDefaults();
        System.out.printf(Locale.ROOT, "bench-scenarios: %s, %.1f s at %.0f Hz (%d frames per run), %d cores%n",
                family.id(), sample.durationS(), sample.frameRateHz(), frames, cores);
        System.out.printf(Locale.ROOT, "  load average at start: %s%n", loadAverage());
        warmUp(runner, family, cores, warmupRuns);
        List<Integer> counts = threads != null ? List.of(threads) : cores > 1 ? List.of(1, cores) : List.of(1);
        double allCores = 0;
        for (int t : counts) {
            Rate rate = measure(runner, family, t, seconds);
            System.out.printf(Locale.ROOT, "  %d thread%s: %.0f runs/s wall, %.0f runs/s per core; %.0f runs per CPU-second"
                            + " (%.0f frames per CPU-second)%n", t, t == 1 ? " " : "s", rate.perWallS(),
                    rate.perWallS() / Math.min(t, cores), rate.perCpuS(), rate.perCpuS() * frames);
            if (t == cores) {
                allCores = rate.perWallS();
            }
        }
        System.out.printf(Locale.ROOT, "  load average at end: %s (other processes share the cores: compare runs per CPU-second)%n",
                loadAverage());
        if (allCores > 0) {
            System.out.printf(Locale.ROOT, "  every core: %.0f runs/s against the target of %.0f runs/s on 2 cores: %s%n",
                    allCores, TARGET_RUNS_PER_S, allCores >= TARGET_RUNS_PER_S ? "met" : "NOT met");
        }
        return 0;
    }

    /** Runs per wall-clock second, and per second of CPU time the worker threads got. */
    record Rate(double perWallS, double perCpuS) {
    }

    static String loadAverage() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ", 4)[0];
        } catch (java.io.IOException | RuntimeException e) {
            double l = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return l < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f", l);
        }
    }

    static void warmUp(ScenarioRunner runner, ScenarioFamily family, int threads, int runs) throws InterruptedException {
        AtomicLong seeds = new AtomicLong(1);
        List<Thread> pool = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread th = new Thread(() -> {
                for (long seed = seeds.getAndIncrement(); seed <= runs; seed = seeds.getAndIncrement()) {
                    try {
                        runner.run(family.instantiate((int) (seed % family.cells()), seed).spec(), seed);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }, "bench-scenarios-warmup-" + i);
            pool.add(th);
            th.start();
        }
        for (Thread th : pool) {
            th.join();
        }
    }

    /** Runs seeds from a shared counter on {@code threads} threads for {@code durationS}. */
    static Rate measure(ScenarioRunner runner, ScenarioFamily family, int threads, double durationS)
            throws InterruptedException {
        AtomicLong seeds = new AtomicLong(1);
        AtomicLong done = new AtomicLong();
        AtomicLong cpuNanos = new AtomicLong();
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long deadline = System.nanoTime() + (long) (durationS * 1e9);
        List<Thread> pool = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < threads; i++) {
            Thread th = new Thread(() -> {
                long cpu0 = mx.getCurrentThreadCpuTime();
                while (System.nanoTime() < deadline) {
                    long seed = seeds.getAndIncrement();
                    try {
                        ScenarioFamily.Instance in = family.instantiate((int) (seed % family.cells()), seed);
                        runner.run(in.spec(), seed);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    done.incrementAndGet();
                }
                cpuNanos.addAndGet(mx.getCurrentThreadCpuTime() - cpu0);
            }, "bench-scenarios-" + i);
            pool.add(th);
            th.start();
        }
        for (Thread th : pool) {
            th.join();
        }
        double elapsed = (System.nanoTime() - start) * 1e-9;
        return new Rate(done.get() / elapsed, done.get() / (cpuNanos.get() * 1e-9));
    }
}
