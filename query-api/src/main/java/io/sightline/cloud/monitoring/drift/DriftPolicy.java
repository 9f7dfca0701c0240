package io.sightline.cloud.monitoring.drift;

/**
 * The drift monitor's versioned configuration: every finding names the version it ran with, so a
 * change of a threshold is a new version, never a silent edit (docs/monitoring.md).
 *
 * @param version                     recorded on every finding
 * @param referenceSessions           the reference window: the scope's first N sessions (after the model's activation, for a model scope)
 * @param currentSessions             the current window: the scope's latest sessions after the reference
 * @param alpha                       family-wise level of the session-level tests, Holm-corrected over the features
 * @param pooledKsMaxReferenceValues  Evidently's switch: at most this many reference values, a p-value test (KS,
 *                                    chi-square); more, a distance (normalised Wasserstein, Jensen–Shannon)
 * @param pooledPValueThreshold       the p-value test's level (Evidently: 0.05)
 * @param wassersteinThreshold        normalised Wasserstein at or above which a numeric feature drifts (Evidently: 0.1)
 * @param jensenShannonThreshold      Jensen–Shannon distance at or above which a categorical feature drifts (Evidently: 0.1)
 * @param permutations                random session assignments when there are more than this many in all; else every one
 * @param maxValuesPerSessionFeature  values a session keeps per feature (evenly spaced in time), bounding storage and test cost
 * @param histogramBins               quantile bins of a numeric feature in the permutation test
 */
public record DriftPolicy(
        String version,
        int referenceSessions,
        int currentSessions,
        double alpha,
        int pooledKsMaxReferenceValues,
        double pooledPValueThreshold,
        double wassersteinThreshold,
        double jensenShannonThreshold,
        int permutations,
        int maxValuesPerSessionFeature,
        int histogramBins) {

    public static final DriftPolicy DEFAULT = new DriftPolicy("drift-1", 20, 3, 0.05, 1_000, 0.05, 0.1, 0.1, 1_999, 500, 128);

    public DriftPolicy {
        if (version == null || version.isBlank()) {
            throw new IllegalArgumentException("the drift policy needs a version");
        }
        if (referenceSessions < 2 || currentSessions < 1) {
            throw new IllegalArgumentException("referenceSessions must be >= 2 and currentSessions >= 1, got " + referenceSessions + " and "
                    + currentSessions);
        }
        if (!(alpha > 0 && alpha < 1) || !(pooledPValueThreshold > 0 && pooledPValueThreshold < 1)) {
            throw new IllegalArgumentException("alpha and pooledPValueThreshold must be in (0, 1)");
        }
        if (permutations < 99 || maxValuesPerSessionFeature < 10 || histogramBins < 4) {
            throw new IllegalArgumentException("permutations >= 99, maxValuesPerSessionFeature >= 10 and histogramBins >= 4 are needed");
        }
    }
}
