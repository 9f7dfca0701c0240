package io.sightline.cloud.monitoring.drift;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.commons.rng.simple.RandomSource;
import org.apache.commons.statistics.inference.ChiSquareTest;
import org.apache.commons.statistics.inference.KolmogorovSmirnovTest;

/**
 * The pooled, Evidently-compatible statistics over two samples, so that a user can check a finding
 * with Evidently: the tests come from Commons Statistics; the distances follow the definitions of
 * Evidently's stat tests (which call SciPy), pinned by values computed with SciPy in the tests:
 * <ul>
 *   <li>{@code wasserstein_norm}: {@code scipy.stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)};</li>
 *   <li>{@code jensenshannon}: {@code scipy.spatial.distance.jensenshannon} of the category shares, zero shares set to 0.0001;</li>
 *   <li>{@code chisquare_p_value}: {@code scipy.stats.chisquare(cur_counts, ref_counts * n_cur / n_ref)};</li>
 *   <li>PSI: Σ (ref − cur) · ln(ref / cur) over shares, zero shares set to 0.0001, numeric values in Sturges bins of both samples.</li>
 * </ul>
 */
public final class DriftStatistics {

    /** Evidently's stand-in for an empty bin, which keeps logarithms and ratios finite. */
    public static final double EMPTY_SHARE = 0.0001;
    /** Evidently's floor on the reference's standard deviation when normalising Wasserstein. */
    public static final double MIN_NORM = 0.001;

    private DriftStatistics() {
    }

    /** Two-sample KS p-value; ties (common: counts, clipped scores) are resolved by a seeded source so a replay gives the same p. */
    public static double ksPValue(double[] reference, double[] current) {
        return KolmogorovSmirnovTest.withDefaults().with(RandomSource.XO_RO_SHI_RO_128_PP.create(20261207L))
                .test(reference, current).getPValue();
    }

    public static double ksStatistic(double[] reference, double[] current) {
        return KolmogorovSmirnovTest.withDefaults().statistic(reference, current);
    }

    /** First Wasserstein distance between the two empirical distributions. */
    public static double wasserstein(double[] reference, double[] current) {
        double[] a = reference.clone();
        double[] b = current.clone();
        Arrays.sort(a);
        Arrays.sort(b);
        // Integrate |F_a - F_b| between consecutive points of the merged support.
        int i = 0;
        int j = 0;
        double sum = 0;
        double prev = Math.min(a[0], b[0]);
        while (i < a.length || j < b.length) {
            double next = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
            sum += Math.abs((double) i / a.length - (double) j / b.length) * (next - prev);
            prev = next;
            while (i < a.length && a[i] == next) {
                i++;
            }
            while (j < b.length && b[j] == next) {
                j++;
            }
        }
        return sum;
    }

    public static double populationStdDev(double[] v) {
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        return Math.sqrt(ss / v.length);
    }

    public static double wassersteinNorm(double[] reference, double[] current) {
        return wasserstein(reference, current) / Math.max(populationStdDev(reference), MIN_NORM);
    }

    /** The categories of both, sorted. */
    public static List<String> keys(Map<String, Long> reference, Map<String, Long> current) {
        TreeSet<String> keys = new TreeSet<>(reference.keySet());
        keys.addAll(current.keySet());
        return List.copyOf(keys);
    }

    public static double[] shares(Map<String, Long> counts, List<String> keys) {
        long total = 0;
        for (String k : keys) {
            total += counts.getOrDefault(k, 0L);
        }
        double[] s = new double[keys.size()];
        for (int i = 0; i < s.length; i++) {
            double v = total == 0 ? 0 : (double) counts.getOrDefault(keys.get(i), 0L) / total;
            s[i] = v == 0 ? EMPTY_SHARE : v;
        }
        return s;
    }

    /** SciPy's Jensen–Shannon distance (natural logarithm) of two share vectors, each renormalised. */
    public static double jensenShannon(double[] p, double[] q) {
        double sp = 0;
        double sq = 0;
        for (int i = 0; i < p.length; i++) {
            sp += p[i];
            sq += q[i];
        }
        double js = 0;
        for (int i = 0; i < p.length; i++) {
            double pi = p[i] / sp;
            double qi = q[i] / sq;
            double m = 0.5 * (pi + qi);
            js += relEntr(pi, m) + relEntr(qi, m);
        }
        return Math.sqrt(Math.max(0, js / 2));
    }

    private static double relEntr(double x, double y) {
        return x > 0 ? x * Math.log(x / y) : 0;
    }

    /**
     * Goodness of fit of the current counts to the reference's shares. A category the reference
     * never saw but the current window has cannot come from the reference at all: p = 0, as SciPy's
     * infinite statistic gives.
     */
    public static double chiSquarePValue(Map<String, Long> reference, Map<String, Long> current) {
        List<String> keys = keys(reference, current);
        long nRef = 0;
        long nCur = 0;
        for (String k : keys) {
            nRef += reference.getOrDefault(k, 0L);
            nCur += current.getOrDefault(k, 0L);
        }
        if (keys.size() < 2) {
            return 1.0;
        }
        double[] expected = new double[keys.size()];
        long[] observed = new long[keys.size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = reference.getOrDefault(keys.get(i), 0L) * (double) nCur / nRef;
            observed[i] = current.getOrDefault(keys.get(i), 0L);
            if (expected[i] == 0 && observed[i] > 0) {
                return 0.0;
            }
        }
        // A category absent from both windows' union cannot happen; one absent from the reference and the current alike is dropped.
        int kept = 0;
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] > 0) {
                expected[kept] = expected[i];
                observed[kept++] = observed[i];
            }
        }
        if (kept < 2) {
            return 1.0;
        }
        return ChiSquareTest.withDefaults().test(Arrays.copyOf(expected, kept), Arrays.copyOf(observed, kept)).getPValue();
    }

    public static double psi(double[] referenceShares, double[] currentShares) {
        double psi = 0;
        for (int i = 0; i < referenceShares.length; i++) {
            psi += (referenceShares[i] - currentShares[i]) * Math.log(referenceShares[i] / currentShares[i]);
        }
        return psi;
    }

    /** NumPy's {@code histogram_bin_edges(concat, bins="sturges")}: ceil(log2 n) + 1 equal bins over both samples' range. */
    public static double[] sturgesEdges(double[] reference, double[] current) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double v : reference) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        for (double v : current) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        int n = reference.length + current.length;
        int bins = (int) Math.ceil(Math.log(n) / Math.log(2)) + 1;
        if (lo == hi) {
            lo -= 0.5;
            hi += 0.5;
        }
        double[] edges = new double[bins + 1];
        for (int i = 0; i <= bins; i++) {
            edges[i] = lo + (hi - lo) * i / bins;
        }
        return edges;
    }

    /** Shares of {@code v} in the bins of {@code edges} (the last bin closed, as NumPy's), zero shares set to {@link #EMPTY_SHARE}. */
    public static double[] binnedShares(double[] v, double[] edges) {
        int bins = edges.length - 1;
        double[] s = new double[bins];
        for (double x : v) {
            int b = Arrays.binarySearch(edges, x);
            int bin = b >= 0 ? Math.min(b, bins - 1) : Math.min(Math.max(-b - 2, 0), bins - 1);
            s[bin]++;
        }
        for (int i = 0; i < bins; i++) {
            s[i] = s[i] == 0 ? EMPTY_SHARE : s[i] / v.length;
        }
        return s;
    }
}
