package io.sightline.explain.margins;

/**
 * How close one factor of a decision was to flipping.
 *
 * @param marginInUnit signed distance to flipping, in {@code unit}; positive = the condition held
 * @param decisive     false for informational factors, which cannot change the decision
 * @param flipsDecision true when flipping this factor alone would have changed the decision
 * @param statement    the counterfactual in words, e.g. "no alert if TTC had been above 2.1 s (0.4 s away)"
 */
public record FactorMargin(String factor, String label, String unit, double value, String comparison, double threshold,
                           double marginInUnit, boolean triggered, boolean decisive, boolean flipsDecision, String statement) {
}
