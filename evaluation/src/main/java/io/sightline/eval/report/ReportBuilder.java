package io.sightline.eval.report;

import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.scenario.ScenarioSpec;
import io.sightline.eval.CoverageRule;
import io.sightline.eval.Evaluator;
import io.sightline.eval.RunOutcome;
import io.sightline.eval.family.ScenarioFamily;
import io.sightline.eval.family.ValueSpec;
import io.sightline.eval.stats.Bounds;
import io.sightline.eval.stats.Budget;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.statistics.descriptive.Quantile;

/** Turns an evaluation's run outcomes into the report: rates, bounds, timing, grid cells, budgets. */
public final class ReportBuilder {

    public static final String TOOL = "sightline evaluate";
    public static final int FORMAT_VERSION = 1;
    /** Failing and worst runs listed per family. */
    public static final int MAX_LISTED_RUNS = 10;
    /** TTC histogram bins, s. */
    static final double HISTOGRAM_BIN_S = 0.1;
    /** Quantiles: Commons Statistics' default estimator (Hyndman–Fan type 8, median-unbiased). */
    private static final Quantile QUANTILE = Quantile.withDefaults();

    private ReportBuilder() {
    }

    /**
     * @param suite the suite evaluated, or null for families named one by one
     * @param withInputs whether the listed runs get an input file name ({@code runs/ID.json})
     */
    public static EvaluationReport build(Evaluator.Result result, String suite, RiskPolicy policy,
                                         EvaluationReport.Targets targets, boolean withInputs) {
        return build(TOOL, result, suite, policy, targets, withInputs);
    }

    /** As above, for another tool that produces run outcomes of its own (the video suites). */
    public static EvaluationReport build(String tool, Evaluator.Result result, String suite, RiskPolicy policy,
                                         EvaluationReport.Targets targets, boolean withInputs) {
        List<ScenarioFamily> families = result.families();
        List<List<RunOutcome>> byFamily = new ArrayList<>();
        for (int i = 0; i < families.size(); i++) {
            byFamily.add(new ArrayList<>());
        }
        for (RunOutcome o : result.outcomes()) {
            byFamily.get(o.family()).add(o);
        }
        List<EvaluationReport.FamilyReport> reports = new ArrayList<>();
        int runs = 0;
        int failed = 0;
        int clean = 0;
        int meeting = 0;
        for (int i = 0; i < families.size(); i++) {
            EvaluationReport.FamilyReport f = family(families.get(i), byFamily.get(i), result.runsPerCell(), targets,
                    withInputs);
            reports.add(f);
            runs += f.runs();
            failed += f.failedRuns();
            clean += f.failedRuns() == 0 ? 1 : 0;
            meeting += f.budget().met() ? 1 : 0;
        }
        return new EvaluationReport(tool, FORMAT_VERSION, suite, result.seed(), result.runsPerCell(), Bounds.CONFIDENCE,
                targets, new EvaluationReport.Policy(policy.version(), policy.thresholds()), familiesSha256(families),
                new EvaluationReport.Totals(families.size(), runs, failed, clean, meeting), reports);
    }

    static String familiesSha256(List<ScenarioFamily> families) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (ScenarioFamily f : families) {
                d.update((f.id() + " " + f.sha256() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static EvaluationReport.FamilyReport family(ScenarioFamily fam, List<RunOutcome> outs, int runsPerCell,
                                                        EvaluationReport.Targets targets, boolean withInputs) {
        int n = outs.size();
        int passed = (int) outs.stream().filter(RunOutcome::passed).count();
        int failed = n - passed;
        List<EvaluationReport.Parameter> params = new ArrayList<>();
        for (ScenarioFamily.Parameter p : fam.parameters()) {
            params.add(new EvaluationReport.Parameter(p.name(), p.spec().describe()));
        }
        List<String> warnings = new ArrayList<>();
        EvaluationReport.HazardStats hazard = null;
        EvaluationReport.BenignStats benign = null;
        double target;
        if (fam.kind() == ScenarioFamily.Kind.HAZARD) {
            hazard = hazard(fam, outs, withInputs);
            target = targets.hazardFailureUpper();
            if (hazard.runsWithoutCollision() > 0) {
                warnings.add(hazard.runsWithoutCollision() + " run(s) have no collision in their ground truth: "
                        + "the family samples scenarios that are no hazard");
            }
        } else {
            benign = benign(outs);
            target = targets.benignFalseAlertUpper();
            if (benign.runsWithCollision() > 0) {
                warnings.add(benign.runsWithCollision() + " run(s) have a collision in their ground truth: "
                        + "the family samples scenarios that are not benign");
            }
        }
        EvaluationReport.Grid grid = fam.hasGrid() ? grid(fam, outs) : null;
        List<EvaluationReport.Run> failing = new ArrayList<>();
        // observable failures first: they are the system's; an unobservable one is the camera's (ADR-0038)
        for (int pass = 0; pass < 2; pass++) {
            for (RunOutcome o : outs) {
                if (!o.passed() && o.observable() == (pass == 0) && failing.size() < MAX_LISTED_RUNS) {
                    failing.add(run(fam, o, withInputs));
                }
            }
        }
        List<EvaluationReport.Run> worst = new ArrayList<>();
        if (fam.kind() == ScenarioFamily.Kind.HAZARD && fam.expectation() instanceof ScenarioSpec.AlertAtTtc) {
            outs.stream()
                    .sorted(Comparator.comparingDouble((RunOutcome o) -> o.ttcAtWarningS() == null ? Double.NEGATIVE_INFINITY
                            : o.ttcAtWarningS()).thenComparingInt(o -> o.cell()).thenComparingLong(RunOutcome::seed))
                    .limit(MAX_LISTED_RUNS)
                    .forEach(o -> worst.add(run(fam, o, withInputs)));
        }
        return new EvaluationReport.FamilyReport(fam.id(), fam.suite(), fam.file(), fam.sha256(), fam.kind().name(),
                fam.description(), fam.source(), requirement(fam.expectation()), params, fam.cells(), runsPerCell, n,
                passed, failed, rate(failed, n), up6(Bounds.upper95(failed, n)), hazard, benign, grid,
                Budget.of(failed, n, target), failing, failed - failing.size(), worst, warnings);
    }

    public static String requirement(ScenarioSpec.Expectation e) {
        if (e instanceof ScenarioSpec.AlertAtTtc a) {
            return a.kind() + " first warned at a true TTC in [" + a.minTtcS() + ", " + a.maxTtcS() + "] s";
        }
        if (e instanceof ScenarioSpec.AlertWithin w) {
            return w.kind() + " on at some time in [" + w.fromS() + ", " + w.toS() + "] s";
        }
        return "no alert of any kind";
    }

    private static EvaluationReport.HazardStats hazard(ScenarioFamily fam, List<RunOutcome> outs, boolean withInputs) {
        int n = outs.size();
        String kind;
        Double min = null;
        Double max = null;
        if (fam.expectation() instanceof ScenarioSpec.AlertAtTtc a) {
            kind = a.kind().name();
            min = a.minTtcS();
            max = a.maxTtcS();
        } else {
            kind = ((ScenarioSpec.AlertWithin) fam.expectation()).kind().name();
        }
        int warned = 0;
        int lateOrMissed = 0;
        int nuisance = 0;
        int beforeMin = 0;
        int timely = 0;
        int noCollision = 0;
        List<Double> ttcs = new ArrayList<>();
        for (RunOutcome o : outs) {
            if (!o.collision() && min != null) {
                noCollision++;
            }
            if (o.warned()) {
                warned++;
            }
            Double t = o.ttcAtWarningS();
            if (min == null) {
                lateOrMissed += o.warned() ? 0 : 1;
                continue;
            }
            if (t != null && t > 0) {
                ttcs.add(t);
            }
            if (lateOrMissed(o, min)) {
                lateOrMissed++;
            } else {
                beforeMin++;
                if (t <= max) {
                    timely++;
                }
            }
            if (nuisance(o, max)) {
                nuisance++;
            }
        }
        double[] v = ttcs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int missed = n - warned;
        EvaluationReport.Histogram hist = null;
        if (v.length > 0) {
            double top = Math.max(v[v.length - 1], max == null ? 0 : max + 1);
            int bins = (int) Math.floor(top / HISTOGRAM_BIN_S) + 1;
            int[] counts = new int[bins];
            for (double t : v) {
                counts[Math.min(bins - 1, (int) Math.floor(t / HISTOGRAM_BIN_S))]++;
            }
            hist = new EvaluationReport.Histogram(0, HISTOGRAM_BIN_S, counts);
        }
        return new EvaluationReport.HazardStats(kind, min, max, warned, rate(warned, n), down6(Bounds.lower95(warned, n)),
                missed, rate(missed, n), up6(Bounds.upper95(missed, n)), lateOrMissed, rate(lateOrMissed, n),
                up6(Bounds.upper95(lateOrMissed, n)),
                v.length == 0 ? null : r4(v[0]), v.length == 0 ? null : r4(QUANTILE.evaluate(v, 0.05)),
                v.length == 0 ? null : r4(QUANTILE.evaluate(v, 0.5)), v.length == 0 ? null : r4(v[v.length - 1]),
                min == null ? rate(warned, n) : rate(beforeMin, n), min == null ? rate(warned, n) : rate(timely, n),
                nuisance, rate(nuisance, n), up6(Bounds.upper95(nuisance, n)), noCollision, hist,
                coverage(fam, outs, min, withInputs));
    }

    /** The observable / unobservable split (ADR-0038); null when no run of the family is classified. */
    private static EvaluationReport.CoverageStats coverage(ScenarioFamily fam, List<RunOutcome> outs, Double min,
                                                           boolean withInputs) {
        double required = -1;
        int observable = 0;
        int unobservable = 0;
        int unobservableFailed = 0;
        int missed = 0;
        int late = 0;
        List<EvaluationReport.Run> listed = new ArrayList<>();
        for (RunOutcome o : outs) {
            if (o.coverage() == null) {
                continue;
            }
            required = Math.max(required, o.coverage().requiredS());
            if (!o.observable()) {
                unobservable++;
                if (!o.passed()) {
                    unobservableFailed++;
                    if (listed.size() < MAX_LISTED_RUNS) {
                        listed.add(run(fam, o, withInputs));
                    }
                }
                continue;
            }
            observable++;
            missed += o.warned() ? 0 : 1;
            late += lateOrMissed(o, min) ? 1 : 0;
        }
        int n = observable + unobservable;
        if (n == 0) {
            return null;
        }
        return new EvaluationReport.CoverageStats(
                "unobservable: sensor-coverage gap when the road user the run collides with is in the image (any part, "
                        + "not hidden) for fewer unbroken frames, within the warning window and after the hazard's onset, "
                        + "than the tracker's confirmation plus the alert's minimum track age plus "
                        + CoverageRule.MARGIN_FRAMES + " frames (ADR-0038)",
                required, observable, unobservable, rate(unobservable, n), down6(Bounds.lower95(unobservable, n)),
                up6(Bounds.upper95(unobservable, n)), unobservableFailed, missed,
                observable == 0 ? null : rate(missed, observable),
                observable == 0 ? null : up6(Bounds.upper95(missed, observable)), late,
                observable == 0 ? null : rate(late, observable),
                observable == 0 ? null : up6(Bounds.upper95(late, observable)), listed);
    }

    /**
     * A hazard run warned after the protocol minimum TTC or never: with a TTC window, no first
     * warning at a true TTC ≥ {@code min}; without one (an alert-within expectation), not warned.
     */
    static boolean lateOrMissed(RunOutcome o, Double min) {
        if (min == null) {
            return !o.warned();
        }
        Double t = o.ttcAtWarningS();
        return t == null || t < min;
    }

    /** A hazard run first warned at a true TTC above the window's upper bound (4 s): a nuisance warning. */
    static boolean nuisance(RunOutcome o, Double max) {
        Double t = o.ttcAtWarningS();
        return max != null && t != null && t > max;
    }

    private static EvaluationReport.BenignStats benign(List<RunOutcome> outs) {
        int n = outs.size();
        int alerted = 0;
        int collisions = 0;
        Map<String, Integer> byKind = new TreeMap<>();
        for (RunOutcome o : outs) {
            if (o.collision()) {
                collisions++;
            }
            if (o.alerts() > 0) {
                alerted++;
                byKind.merge(o.firstAlertKind(), 1, Integer::sum);
            }
        }
        return new EvaluationReport.BenignStats(alerted, rate(alerted, n), up6(Bounds.upper95(alerted, n)), byKind,
                collisions);
    }

    private static EvaluationReport.Grid grid(ScenarioFamily fam, List<RunOutcome> outs) {
        List<EvaluationReport.Dimension> dims = new ArrayList<>();
        for (ScenarioFamily.Parameter p : fam.gridParameters()) {
            dims.add(new EvaluationReport.Dimension(p.name(), ((ValueSpec.Grid) p.spec()).values().clone()));
        }
        List<List<RunOutcome>> byCell = new ArrayList<>();
        for (int c = 0; c < fam.cells(); c++) {
            byCell.add(new ArrayList<>());
        }
        for (RunOutcome o : outs) {
            byCell.get(o.cell()).add(o);
        }
        boolean hazard = fam.kind() == ScenarioFamily.Kind.HAZARD;
        Double min = fam.expectation() instanceof ScenarioSpec.AlertAtTtc a ? a.minTtcS() : null;
        Double max = fam.expectation() instanceof ScenarioSpec.AlertAtTtc a ? a.maxTtcS() : null;
        List<EvaluationReport.Cell> cells = new ArrayList<>();
        int cellsPassed = 0;
        int cellsLateOrMissed = 0;
        for (int c = 0; c < fam.cells(); c++) {
            List<RunOutcome> rs = byCell.get(c);
            int passed = (int) rs.stream().filter(RunOutcome::passed).count();
            double[] t = rs.stream().filter(o -> o.ttcAtWarningS() != null && o.ttcAtWarningS() > 0)
                    .mapToDouble(RunOutcome::ttcAtWarningS).sorted().toArray();
            boolean pass = passed == rs.size();
            cellsPassed += pass ? 1 : 0;
            Integer late = null;
            Integer nuisance = null;
            if (hazard) {
                late = (int) rs.stream().filter(o -> lateOrMissed(o, min)).count();
                nuisance = (int) rs.stream().filter(o -> nuisance(o, max)).count();
                cellsLateOrMissed += late > 0 ? 1 : 0;
            }
            cells.add(new EvaluationReport.Cell(c, fam.cellValues(c), rs.size(), passed, pass, late, nuisance,
                    t.length == 0 ? null : r4(t[0]), t.length == 0 ? null : r4(QUANTILE.evaluate(t, 0.5))));
        }
        return new EvaluationReport.Grid(dims, cellsPassed, hazard ? cellsLateOrMissed : null, cells);
    }

    private static EvaluationReport.Run run(ScenarioFamily fam, RunOutcome o, boolean withInputs) {
        Map<String, Double> p = new LinkedHashMap<>();
        for (int i = 0; i < fam.parameters().size(); i++) {
            p.put(fam.parameters().get(i).name(), r6(o.parameters()[i]));
        }
        return new EvaluationReport.Run(o.runId(), o.cell(), o.seed(), o.passed(), o.reason(),
                o.ttcAtWarningS() == null ? null : r4(o.ttcAtWarningS()), p, withInputs ? inputFile(o.runId()) : null,
                o.coverage() == null ? null : o.coverage().reason());
    }

    /** The file name a listed run's scenario is written to, relative to the report. */
    public static String inputFile(String runId) {
        return "runs/" + runId.replaceAll("[^A-Za-z0-9._-]", "_") + ".json";
    }

    static double rate(int k, int n) {
        return n == 0 ? 0 : r6((double) k / n);
    }

    static double r6(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    /** Upper bounds are rounded up, so that the report never states a tighter bound than it has. */
    static double up6(double v) {
        return Math.ceil(v * 1e6 - 1e-9) / 1e6;
    }

    static double down6(double v) {
        return Math.floor(v * 1e6 + 1e-9) / 1e6;
    }

    static double r4(double v) {
        return Math.round(v * 1e4) / 1e4;
    }

    static double[] sorted(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c;
    }
}
