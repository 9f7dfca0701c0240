package io.sightline.eval.report;

import io.sightline.eval.stats.Budget;
import java.util.List;
import java.util.Map;

/**
 * The evaluation report as {@code report.json} holds it. Nothing in it depends on the clock, the
 * machine or the thread count, so the same families, runs and seed give the same bytes. Bounds are
 * one-sided 95 % Clopper–Pearson. A later release gate ({@code EvaluationCompleted}, issue 15 §6)
 * keys on {@code policy.version} and {@code familiesSha256} and reads the bounds and budgets.
 *
 * @param familiesSha256 sha256 over the families' ids and file hashes, in order: the suite's identity
 */
public record EvaluationReport(String tool, int formatVersion, String suite, long seed, int runsPerCell,
                               double confidence, Targets targets, Policy policy, String familiesSha256, Totals totals,
                               List<FamilyReport> families) {

    /** The bounds the budgets aim at (issue 15 §6's starting gate). */
    public record Targets(double hazardFailureUpper, double benignFalseAlertUpper) {
    }

    public record Policy(String version, Map<String, Double> thresholds) {
    }

    public record Totals(int families, int runs, int failedRuns, int familiesWithoutFailure, int familiesMeetingTarget) {
    }

    /**
     * One family's figures. {@code hazard} or {@code benign} is set by its kind; {@code grid} when it
     * has grid parameters.
     *
     * @param failedRuns runs that did not meet the family's expectation (missed, late, too early,
     *     or an alert in a benign run)
     * @param budget the budget on the failed-run rate against the kind's target
     * @param failingRuns the first failing runs in run order (at most {@link ReportBuilder#MAX_LISTED_RUNS})
     * @param worstRuns hazards: the latest warnings (misses first); benign: the runs that alerted
     */
    public record FamilyReport(String id, String suite, String file, String sha256, String kind, String description,
                               String source, String requirement, List<Parameter> parameters, int cells, int runsPerCell,
                               int runs, int passedRuns, int failedRuns, double failureRate, double failureUpper95,
                               HazardStats hazard, BenignStats benign, Grid grid, Budget budget,
                               List<Run> failingRuns, int failingRunsNotListed, List<Run> worstRuns, List<String> warnings) {
    }

    public record Parameter(String name, String spec) {
    }

    /**
     * @param protocolMinTtcS the expectation's minimum true TTC at the first warning (null for a
     *     within-window expectation)
     * @param nuisanceTtcS the expectation's maximum: a first warning earlier than this before impact is a nuisance
     * @param missed runs without a warning of the kind before the collision
     * @param lateOrMissed runs without a warning at or before the protocol minimum
     * @param timelyShare share of all runs warned at a TTC in [protocol minimum, nuisance limit]
     * @param warnedBeforeMinShare share of all runs warned at a TTC at or above the protocol minimum
     * @param ttcHistogram first-warning TTCs of the warned runs, in bins
     */
    public record HazardStats(String alertKind, Double protocolMinTtcS, Double nuisanceTtcS, int warned,
                              double warningRate, double warningRateLower95, int missed, double missRate,
                              double missRateUpper95, int lateOrMissed, double lateOrMissedRate,
                              double lateOrMissedUpper95, Double ttcMinS, Double ttcP5S, Double ttcMedianS,
                              Double ttcMaxS, double warnedBeforeMinShare, double timelyShare, int nuisance,
                              double nuisanceRate, double nuisanceUpper95, int runsWithoutCollision,
                              Histogram ttcHistogram, CoverageStats coverage) {
    }

    /**
     * Sensor coverage (ADR-0038): which runs the camera could have seen long enough to warn. The
     * unconditional figures above count every run; these split them.
     *
     * @param rule the classification rule in words
     * @param requiredInViewS the unbroken time in view, reaching into the warning window after the onset, a run
     *     needs to be observable
     * @param unobservableLower95 one-sided 95 % Clopper–Pearson bounds on the unobservable share
     * @param unobservableFailed unobservable runs that failed their expectation
     * @param observableMissRateUpper95 over observable runs only; null when there is none
     * @param unobservableFailingRuns the first failing unobservable runs, each with its reason
     */
    public record CoverageStats(String rule, double requiredInViewS, int observableRuns, int unobservableRuns,
                                double unobservableShare, double unobservableLower95, double unobservableUpper95,
                                int unobservableFailed, int observableMissed, Double observableMissRate,
                                Double observableMissRateUpper95, int observableLateOrMissed,
                                Double observableLateOrMissedRate, Double observableLateOrMissedUpper95,
                                List<Run> unobservableFailingRuns) {
    }

    /** Bin i counts values in [fromS + i·binS, fromS + (i+1)·binS). */
    public record Histogram(double fromS, double binS, int[] counts) {
    }

    /**
     * @param falseAlertRuns runs in which any alert fired
     * @param byKind the first alert's kind over those runs
     * @param runsWithCollision runs whose ground truth has a collision (a benign family should have none)
     */
    public record BenignStats(int falseAlertRuns, double falseAlertRate, double falseAlertUpper95,
                              Map<String, Integer> byKind, int runsWithCollision) {
    }

    /**
     * @param cellsPassed cells in which every run passed its expectation (on time, not early)
     * @param cellsLateOrMissed hazard families: cells with a run warned after the protocol minimum
     *     or never, the "no warning after the protocol minimum in any grid cell"; a cell
     *     whose only failures are early (nuisance) warnings is not among them. Null for benign families.
     */
    public record Grid(List<Dimension> dimensions, int cellsPassed, Integer cellsLateOrMissed, List<Cell> cells) {
    }

    public record Dimension(String name, double[] values) {
    }

    /**
     * A cell passes when every run in it passed.
     *
     * @param lateOrMissed hazard families: runs first warned after the protocol minimum TTC, or never
     *     (null for benign families)
     * @param nuisance hazard families: runs first warned earlier than the window's upper bound (4 s),
     *     failures too but not late ones (null for benign families)
     */
    public record Cell(int cell, Map<String, Double> values, int runs, int passed, boolean pass, Integer lateOrMissed,
                       Integer nuisance, Double ttcMinS, Double ttcMedianS) {
    }

    /**
     * @param input the run's scenario file, relative to the report (written beside it), or null
     * @param coverage why the run is unobservable (ADR-0038), or null when it is observable or not classified
     */
    public record Run(String id, int cell, long seed, boolean passed, String reason, Double ttcAtWarningS,
                      Map<String, Double> parameters, String input, String coverage) {
    }
}
