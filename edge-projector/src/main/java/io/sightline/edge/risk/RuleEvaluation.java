package io.sightline.edge.risk;

import io.sightline.domain.event.RiskFactor;
import io.sightline.domain.risk.FactorSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * One rule's verdict on one object, reused per evaluation. Every factor records its value,
 * threshold, comparison and signed margin (positive = the condition holds), so the verdict can be
 * explained and replayed; {@link #factors()} turns them into {@link RiskFactor}s for the event.
 *
 * <p>Outcome: {@link #requested()} when every factor holds (the actuator decides whether it
 * actually raises); {@link #suppression()} when the hazard and path factors hold but a gate does
 * not; {@link #sustained()} when the hazard still holds against the (looser) clear threshold, which
 * keeps an alert that is already on from flickering.
 */
public final class RuleEvaluation {

    /** Factors one verdict can carry; an application that needs more is refused at install. */
    public static final int MAX_FACTORS = 8;

    AlertKind kind;
    String level = "NONE";
    boolean requested;
    boolean sustained;
    SuppressionReason suppression;
    double ttcS;
    double requiredDecelMps2;

    int factorCount;
    final FactorSpec[] catalog = new FactorSpec[MAX_FACTORS];
    final double[] values = new double[MAX_FACTORS];
    final double[] thresholds = new double[MAX_FACTORS];
    final boolean[] triggered = new boolean[MAX_FACTORS];

    /** Begins a verdict of kind {@code k}, forgetting the previous one. */
    public void start(AlertKind k) {
        kind = k;
        level = "NONE";
        requested = false;
        sustained = false;
        suppression = null;
        ttcS = Double.NaN;
        requiredDecelMps2 = 0;
        factorCount = 0;
    }

    /**
     * Adds a factor "value comparison threshold" and returns whether it holds. Name, unit and
     * comparison come from the catalog entry; the threshold is the caller's, which reads it from
     * the typed policy (FactorCatalogTest checks it equals the catalog's threshold binding).
     */
    public boolean factor(FactorSpec factor, double value, double threshold) {
        if (factorCount == MAX_FACTORS) {
            throw new IllegalStateException(kind + " emits more than " + MAX_FACTORS + " factors");
        }
        int i = factorCount++;
        catalog[i] = factor;
        values[i] = value;
        thresholds[i] = threshold;
        boolean holds = factor.comparison().holds(value, threshold);
        triggered[i] = holds;
        return holds;
    }

    /**
     * Concludes the verdict the way every rule does: an alert is requested when the hazard holds in
     * the path and every gate passes; when the hazard holds in the path but a gate fails, the
     * suppression says which gate (the speed gate first). {@code sustained} holds an alert that is
     * already on (threshold hysteresis).
     */
    public void conclude(boolean hazardInPath, boolean speedGate, boolean confidenceGate, boolean sustained) {
        requested = hazardInPath && speedGate && confidenceGate;
        this.sustained = sustained;
        if (hazardInPath && !speedGate) {
            suppression = SuppressionReason.SPEED_GATE;
        } else if (hazardInPath && !confidenceGate) {
            suppression = SuppressionReason.LOW_CONFIDENCE;
        }
        level = requested ? kind.level() : "NONE";
    }

    /** The time to collision (or to the point the rule is about) recorded with the verdict, s. */
    public void ttcS(double ttcS) {
        this.ttcS = ttcS;
    }

    /** The deceleration the driver would need, m/s², recorded with the verdict. */
    public void requiredDecelMps2(double requiredDecelMps2) {
        this.requiredDecelMps2 = requiredDecelMps2;
    }

    public AlertKind kind() {
        return kind;
    }

    /** {@code NONE}, {@code ADVISORY} or {@code WARNING}. */
    public String level() {
        return level;
    }

    public boolean requested() {
        return requested;
    }

    public boolean sustained() {
        return sustained;
    }

    /** Non-null when the hazard held in the path but a gate withheld it. */
    public SuppressionReason suppression() {
        return suppression;
    }

    public double ttcS() {
        return ttcS;
    }

    public double requiredDecelMps2() {
        return requiredDecelMps2;
    }

    public int factorCount() {
        return factorCount;
    }

    public FactorSpec factor(int i) {
        return catalog[i];
    }

    public String factorName(int i) {
        return catalog[i].key();
    }

    public double factorValue(int i) {
        return values[i];
    }

    public double factorThreshold(int i) {
        return thresholds[i];
    }

    public boolean factorTriggered(int i) {
        return triggered[i];
    }

    /** Signed distance to flipping, in the factor's unit; positive means the condition holds. */
    public double factorMargin(int i) {
        return catalog[i].comparison().margin(values[i], thresholds[i]);
    }

    /** The factors as domain records (allocates: call when emitting the event). */
    public List<RiskFactor> factors() {
        List<RiskFactor> list = new ArrayList<>(factorCount);
        for (int i = 0; i < factorCount; i++) {
            FactorSpec f = catalog[i];
            list.add(new RiskFactor(f.key(), values[i], f.unit().symbol(), f.comparison().symbol(), thresholds[i],
                    factorMargin(i), triggered[i]));
        }
        return List.copyOf(list);
    }

    /** Index of {@code factor} in this verdict, or -1. */
    public int indexOf(FactorSpec factor) {
        for (int i = 0; i < factorCount; i++) {
            if (catalog[i] == factor) {
                return i;
            }
        }
        return -1;
    }
}
