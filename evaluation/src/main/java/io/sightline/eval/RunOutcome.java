package io.sightline.eval;

import io.sightline.edge.scenario.ScenarioResult;
import io.sightline.edge.scenario.ScenarioSpec;
import io.sightline.eval.family.ScenarioFamily;

/**
 * What one run of a family came to, kept for the statistics.
 *
 * @param family index of the family in the evaluation
 * @param ttcAtWarningS true TTC at the first alert of the expected kind; null when none fired or
 *     there is no collision (benign runs: null)
 * @param warned an alert of the expected kind fired before the collision (a within-window
 *     expectation: fired in the window); for benign runs, any alert fired
 * @param firstAlertKind the first alert of any kind, or null
 * @param parameters the run's parameter values, in the family's parameter order
 * @param coverage hazard runs with a TTC window: whether the camera could see the road user long
 *     enough to warn (ADR-0038); null when not classified (benign runs, other expectations, video suites)
 */
public record RunOutcome(int family, int cell, long seed, String runId, boolean passed, String reason, boolean collision,
                         Double ttcAtWarningS, boolean warned, String firstAlertKind, int alerts, double[] parameters,
                         CoverageRule.Coverage coverage) {

    /** A run without a coverage classification. */
    public RunOutcome(int family, int cell, long seed, String runId, boolean passed, String reason, boolean collision,
                      Double ttcAtWarningS, boolean warned, String firstAlertKind, int alerts, double[] parameters) {
        this(family, cell, seed, runId, passed, reason, collision, ttcAtWarningS, warned, firstAlertKind, alerts,
                parameters, null);
    }

    /** Whether the run counts toward the observable figures: unclassified runs do. */
    public boolean observable() {
        return coverage == null || coverage.observable();
    }

    static RunOutcome of(int familyIndex, ScenarioFamily family, ScenarioFamily.Instance in, ScenarioResult r,
                         CoverageRule rule) {
        ScenarioSpec.Expectation e = family.expectation();
        boolean collision = r.collisionAtS() != null;
        Double ttc = null;
        boolean warned;
        if (e instanceof ScenarioSpec.AlertAtTtc x) {
            ScenarioResult.Alert a = firstOf(r, x.kind().name());
            ttc = a == null ? null : a.ttcTrueS();
            warned = ttc != null && ttc > 0;
        } else if (e instanceof ScenarioSpec.AlertWithin) {
            warned = r.passed();
        } else {
            warned = !r.alerts().isEmpty();
        }
        return new RunOutcome(familyIndex, in.cell(), in.seed(), in.runId(), r.passed(), r.reason(), collision, ttc,
                warned, r.firstAlert() == null ? null : r.firstAlert().kind(), r.alerts().size(),
                in.values().values().stream().mapToDouble(Double::doubleValue).toArray(),
                rule.classify(in.spec(), e, r.collisionAtS()));
    }

    private static ScenarioResult.Alert firstOf(ScenarioResult r, String kind) {
        for (ScenarioResult.Alert a : r.alerts()) {
            if (a.kind().equals(kind)) {
                return a;
            }
        }
        return null;
    }
}
