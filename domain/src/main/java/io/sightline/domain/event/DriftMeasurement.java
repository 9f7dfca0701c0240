package io.sightline.domain.event;

/**
 * One feature's comparison of a current window of sessions with its reference window, as a drift
 * finding records it (not an event by itself). Two verdicts sit side by side on purpose: the
 * Evidently-compatible one over the pooled values, which treats every frame, window or detection
 * as independent, and the one that decides, a permutation test that moves whole sessions between
 * the windows, because consecutive frames are strongly correlated.
 *
 * @param feature                 the feature's catalogued name, e.g. {@code summary.meanLuma}
 * @param featureKind             {@code NUMERIC} or {@code CATEGORICAL}
 * @param statistic               the pooled statistic: {@code ks_p_value} or {@code chisquare_p_value} while the
 *                                reference holds at most 1,000 values, else {@code wasserstein_norm} or {@code jensenshannon}
 * @param statisticValue          its value over the pooled values
 * @param statisticThreshold      drift when a p-value is below it, or a distance at or above it
 * @param pooledDrifted           the pooled (frame-level) verdict, reported beside the decision
 * @param sessionPValue           the session-permutation test's p-value on the same statistic
 * @param sessionPValueThreshold  the level the p-value was held to after Holm's correction over the features
 * @param permutations            session assignments the p-value was computed over
 * @param psi                     population stability index (Evidently's binning), reported, never decisive
 * @param referenceValues         values in the reference window
 * @param currentValues           values in the current window
 */
public record DriftMeasurement(
        String feature,
        String featureKind,
        String statistic,
        double statisticValue,
        double statisticThreshold,
        boolean pooledDrifted,
        double sessionPValue,
        double sessionPValueThreshold,
        int permutations,
        double psi,
        long referenceValues,
        long currentValues) {
}
