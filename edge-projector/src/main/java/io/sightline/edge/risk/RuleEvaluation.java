package io.sightline.edge.risk;

import io.sightline.domain.event.RiskFactor;
import io.sightline.domain.risk.Factor;
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

    static final int MAX_FACTORS = 8;

    AlertKind kind;
    String level = "NONE";
    boolean requested;
    boolean sustained;
    SuppressionReason suppression;
    double ttcS;
    double requiredDecelMps2;

    int factorCount;
    final Factor[] catalog = new Factor[MAX_FACTORS];
    final double[] values = new double[MAX_FACTORS];
    final double[] thresholds = new double[MAX_FACTORS];
    final boolean[] triggered = new boolean[MAX_FACTORS];

    void start(AlertKind k) {
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
    boolean factor(Factor factor, double value, double threshold) {
        int i = factorCount++;
        catalog[i] = factor;
        values[i] = value;
        thresholds[i] = threshold;
        boolean holds = factor.comparison().holds(value, threshold);
        triggered[i] = holds;
        return holds;
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

    public Factor factor(int i) {
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
            Factor f = catalog[i];
            list.add(new RiskFactor(f.key(), values[i], f.unit().symbol(), f.comparison().symbol(), thresholds[i],
                    factorMargin(i), triggered[i]));
        }
        return List.copyOf(list);
    }

    /** Index of {@code factor} in this verdict, or -1. */
    public int indexOf(Factor factor) {
        for (int i = 0; i < factorCount; i++) {
            if (catalog[i] == factor) {
                return i;
            }
        }
        return -1;
    }
}
