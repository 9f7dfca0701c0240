package io.sightline.cloud.monitoring.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pooled statistics against SciPy 1.17.1 / NumPy, which Evidently calls; the expected values
 * were printed by SciPy for these inputs ({@code stats.wasserstein_distance}, {@code np.std},
 * {@code stats.ks_2samp}, {@code spatial.distance.jensenshannon}, {@code stats.chisquare}, and
 * Evidently's PSI over {@code np.histogram_bin_edges(..., bins="sturges")}).
 */
class DriftStatisticsTest {

    static final double[] REF = {0.1, 0.4, 0.35, 0.8, 0.9, 0.55, 0.62, 0.2, 0.71, 0.44};
    static final double[] CUR = {0.5, 0.95, 0.83, 0.77, 0.6, 0.99, 0.68};

    @Test
    void wassersteinNormalisedByTheReferencesStandardDeviationMatchesSciPy() {
        assertThat(DriftStatistics.wasserstein(REF, CUR)).isCloseTo(0.253, within(1e-12));
        assertThat(DriftStatistics.populationStdDev(REF)).isCloseTo(0.2442560132320185, within(1e-12));
        assertThat(DriftStatistics.wassersteinNorm(REF, CUR)).isCloseTo(1.0357984503729518, within(1e-12));
        assertThat(DriftStatistics.wasserstein(REF, REF)).isZero();
    }

    @Test
    void ksMatchesSciPysExactTwoSampleTest() {
        assertThat(DriftStatistics.ksStatistic(REF, CUR)).isCloseTo(0.5, within(1e-12));
        assertThat(DriftStatistics.ksPValue(REF, CUR)).isCloseTo(0.1893767996709173, within(1e-9));
    }

    @Test
    void psiInSturgesBinsMatchesEvidently() {
        double[] edges = DriftStatistics.sturgesEdges(REF, CUR);
        assertThat(edges).containsExactly(new double[] {0.1, 0.24833333333333335, 0.3966666666666667, 0.545, 0.6933333333333334,
                0.8416666666666667, 0.99}, within(1e-12));
        double psi = DriftStatistics.psi(DriftStatistics.binnedShares(REF, edges), DriftStatistics.binnedShares(CUR, edges));
        assertThat(psi).isCloseTo(2.48484338106467, within(1e-9));
    }

    @Test
    void jensenShannonAndChiSquareOverCategoriesMatchSciPy() {
        Map<String, Long> ref = Map.of("car", 50L, "truck", 10L, "person", 5L);
        Map<String, Long> cur = Map.of("car", 20L, "truck", 12L, "bicycle", 0L, "person", 1L);
        var keys = DriftStatistics.keys(ref, cur);
        assertThat(keys).containsExactly("bicycle", "car", "person", "truck");
        assertThat(DriftStatistics.jensenShannon(DriftStatistics.shares(ref, keys), DriftStatistics.shares(cur, keys)))
                .isCloseTo(0.17881701052646784, within(1e-12));
        assertThat(DriftStatistics.chiSquarePValue(ref, cur)).isCloseTo(0.003158759923816594, within(1e-12));
    }

    @Test
    void aCategoryTheReferenceNeverSawIsDriftOutright() {
        assertThat(DriftStatistics.chiSquarePValue(Map.of("car", 50L, "truck", 10L), Map.of("car", 5L, "stop sign", 1L))).isZero();
    }
}
