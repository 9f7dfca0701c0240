package io.sightline.cloud.monitoring.drift;

import io.sightline.domain.event.DriftMeasurement;
import io.sightline.domain.monitoring.RecordDriftEvaluation.Verdict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Compares a current window of sessions with a reference window, feature by feature.
 *
 * <p>Frames, windows and detections of one session are strongly correlated, so a test that counts
 * each of them as an independent draw (the pooled, Evidently-compatible verdict) finds "drift"
 * between two sets of ordinary sessions most of the time. The verdict that decides is a
 * permutation test that moves whole sessions between the windows: under no drift every assignment
 * of sessions to the windows is as likely as the observed one, so its p-value is exact whatever
 * the correlation within a session. The p-values are Holm-corrected over the features, which keeps
 * the chance of any false finding per evaluation at {@link DriftPolicy#alpha()}. A feature drifts
 * when the session-level test rejects and the pooled rule agrees, so every finding is one Evidently
 * would report too, with the session-level evidence on top.
 */
public final class DriftEvaluator {

    /** One feature's outcome, with what the monitoring page plots. */
    public record FeatureOutcome(DriftFeature feature, Verdict verdict, DriftMeasurement measurement, String reason, Histogram histogram) {
    }

    /** Reference and current shares in the same bins (Sturges bins for a numeric feature, the categories for a categorical one). */
    public record Histogram(List<String> labels, double[] referenceShares, double[] currentShares) {
    }

    private final DriftPolicy policy;

    public DriftEvaluator(DriftPolicy policy) {
        this.policy = policy;
    }

    public DriftPolicy policy() {
        return policy;
    }

    /** @param seed names the evaluation; the random assignments derive from it, so the same windows give the same p-values */
    public List<FeatureOutcome> evaluate(List<SessionSample> reference, List<SessionSample> current, String seed) {
        DriftFeature[] features = DriftFeature.values();
        List<FeatureOutcome> out = new ArrayList<>();
        if (reference.size() < 2 || current.isEmpty()) {
            for (DriftFeature f : features) {
                out.add(notEnough(f, "the reference window holds " + reference.size() + " sessions and the current " + current.size()));
            }
            return out;
        }
        List<SessionSample> all = new ArrayList<>(reference);
        all.addAll(current);
        long assignments = binomial(all.size(), current.size());
        boolean exact = assignments <= policy.permutations();
        double smallestP = exact ? 1.0 / assignments : 1.0 / (policy.permutations() + 1);
        Map<DriftFeature, Measured> measured = new HashMap<>();
        for (DriftFeature f : features) {
            Measured m = f.kind() == DriftFeature.Kind.NUMERIC ? numeric(f, reference, current, seed, exact)
                    : categorical(f, reference, current, seed, exact);
            if (m != null) {
                measured.put(f, m);
            }
        }
        int tests = measured.size();
        if (tests > 0 && smallestP >= policy.alpha() / tests) {
            String why = String.format(java.util.Locale.ROOT, "%d reference and %d current sessions allow a session-level p-value of %.4g at best,"
                    + " not below the %.4g a finding needs (alpha %.2g over %d features): add sessions", reference.size(), current.size(),
                    smallestP, policy.alpha() / tests, policy.alpha(), tests);
            for (DriftFeature f : features) {
                out.add(notEnough(f, why));
            }
            return out;
        }
        // Holm's step-down over the measured features, smallest p first.
        List<Map.Entry<DriftFeature, Measured>> ranked = new ArrayList<>(measured.entrySet());
        ranked.sort(Comparator.comparingDouble((Map.Entry<DriftFeature, Measured> e) -> e.getValue().sessionP).thenComparing(e -> e.getKey().ordinal()));
        boolean stillRejecting = true;
        Map<DriftFeature, FeatureOutcome> byFeature = new HashMap<>();
        for (int rank = 0; rank < ranked.size(); rank++) {
            DriftFeature f = ranked.get(rank).getKey();
            Measured m = ranked.get(rank).getValue();
            double level = policy.alpha() / (tests - rank);
            boolean rejected = stillRejecting && m.sessionP < level;
            stillRejecting = rejected;
            DriftMeasurement dm = new DriftMeasurement(f.id(), f.kind().name(), m.statistic, m.statisticValue, m.threshold, m.pooledDrifted,
                    m.sessionP, level, m.assignments, m.psi, m.referenceValues, m.currentValues);
            Verdict v = rejected && m.pooledDrifted ? Verdict.DRIFTED : Verdict.NOT_DRIFTED;
            String reason = v == Verdict.DRIFTED ? "session-level p " + fmt(m.sessionP) + " < " + fmt(level) + " and " + m.statistic + " "
                    + fmt(m.statisticValue) + (m.statistic.endsWith("p_value") ? " < " : " >= ") + fmt(m.threshold)
                    : rejected ? "the sessions differ, but the pooled " + m.statistic + " " + fmt(m.statisticValue) + " does not pass " + fmt(m.threshold)
                    : "session-level p " + fmt(m.sessionP) + " is not below " + fmt(level);
            byFeature.put(f, new FeatureOutcome(f, v, dm, reason, m.histogram));
        }
        for (DriftFeature f : features) {
            FeatureOutcome o = byFeature.get(f);
            out.add(o != null ? o : notEnough(f, "fewer than 2 values in " + (count(f, reference) >= 2 ? "the current" : "the reference") + " window"));
        }
        return out;
    }

    private static long count(DriftFeature f, List<SessionSample> sessions) {
        long n = 0;
        for (SessionSample s : sessions) {
            n += f.kind() == DriftFeature.Kind.NUMERIC ? s.values(f).length : s.counts(f).values().stream().mapToLong(Long::longValue).sum();
        }
        return n;
    }

    private static FeatureOutcome notEnough(DriftFeature f, String why) {
        return new FeatureOutcome(f, Verdict.NOT_ENOUGH_DATA, null, "not enough data: " + why, null);
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.4g", v);
    }

    private static final class Measured {
        String statistic;
        double statisticValue;
        double threshold;
        boolean pooledDrifted;
        double sessionP;
        int assignments;
        double psi;
        long referenceValues;
        long currentValues;
        Histogram histogram;
    }

    private Measured numeric(DriftFeature f, List<SessionSample> reference, List<SessionSample> current, String seed, boolean exact) {
        double[] ref = pooled(f, reference);
        double[] cur = pooled(f, current);
        // A two-sample test needs two values a side at least.
        if (ref.length < 2 || cur.length < 2) {
            return null;
        }
        Measured m = new Measured();
        m.referenceValues = ref.length;
        m.currentValues = cur.length;
        boolean ks = ref.length <= policy.pooledKsMaxReferenceValues();
        if (ks) {
            m.statistic = "ks_p_value";
            m.statisticValue = DriftStatistics.ksPValue(ref, cur);
            m.threshold = policy.pooledPValueThreshold();
            m.pooledDrifted = m.statisticValue < m.threshold;
        } else {
            m.statistic = "wasserstein_norm";
            m.statisticValue = DriftStatistics.wassersteinNorm(ref, cur);
            m.threshold = policy.wassersteinThreshold();
            m.pooledDrifted = m.statisticValue >= m.threshold;
        }
        double[] edges = DriftStatistics.sturgesEdges(ref, cur);
        double[] refShares = DriftStatistics.binnedShares(ref, edges);
        double[] curShares = DriftStatistics.binnedShares(cur, edges);
        m.psi = DriftStatistics.psi(refShares, curShares);
        List<String> labels = new ArrayList<>();
        for (int i = 0; i + 1 < edges.length; i++) {
            labels.add(fmt(edges[i]) + "–" + fmt(edges[i + 1]));
        }
        m.histogram = new Histogram(labels, refShares, curShares);
        NumericBins bins = NumericBins.of(reference, current, f, policy.histogramBins());
        int[] assignments = new int[1];
        m.sessionP = permutationP(bins, reference.size(), current.size(), ks, seed + "/" + f.id(), exact, assignments);
        m.assignments = assignments[0];
        return m;
    }

    private Measured categorical(DriftFeature f, List<SessionSample> reference, List<SessionSample> current, String seed, boolean exact) {
        Map<String, Long> ref = pooledCounts(f, reference);
        Map<String, Long> cur = pooledCounts(f, current);
        long nRef = ref.values().stream().mapToLong(Long::longValue).sum();
        long nCur = cur.values().stream().mapToLong(Long::longValue).sum();
        if (nRef == 0 || nCur == 0) {
            return null;
        }
        Measured m = new Measured();
        m.referenceValues = nRef;
        m.currentValues = nCur;
        List<String> keys = DriftStatistics.keys(ref, cur);
        double[] refShares = DriftStatistics.shares(ref, keys);
        double[] curShares = DriftStatistics.shares(cur, keys);
        if (nRef <= policy.pooledKsMaxReferenceValues()) {
            m.statistic = "chisquare_p_value";
            m.statisticValue = DriftStatistics.chiSquarePValue(ref, cur);
            m.threshold = policy.pooledPValueThreshold();
            m.pooledDrifted = m.statisticValue < m.threshold;
        } else {
            m.statistic = "jensenshannon";
            m.statisticValue = DriftStatistics.jensenShannon(refShares, curShares);
            m.threshold = policy.jensenShannonThreshold();
            m.pooledDrifted = m.statisticValue >= m.threshold;
        }
        m.psi = DriftStatistics.psi(refShares, curShares);
        m.histogram = new Histogram(keys, refShares, curShares);
        List<SessionSample> all = new ArrayList<>(reference);
        all.addAll(current);
        long[][] counts = new long[all.size()][keys.size()];
        for (int s = 0; s < all.size(); s++) {
            Map<String, Long> c = all.get(s).counts(f);
            for (int k = 0; k < keys.size(); k++) {
                counts[s][k] = c.getOrDefault(keys.get(k), 0L);
            }
        }
        int[] assignments = new int[1];
        m.sessionP = permutationP(new CategoricalBins(counts), reference.size(), current.size(), false, seed + "/" + f.id(), exact, assignments);
        m.assignments = assignments[0];
        return m;
    }

    private static double[] pooled(DriftFeature f, List<SessionSample> sessions) {
        int n = 0;
        for (SessionSample s : sessions) {
            n += s.values(f).length;
        }
        double[] out = new double[n];
        int at = 0;
        for (SessionSample s : sessions) {
            double[] v = s.values(f);
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return out;
    }

    private static Map<String, Long> pooledCounts(DriftFeature f, List<SessionSample> sessions) {
        Map<String, Long> out = new HashMap<>();
        for (SessionSample s : sessions) {
            s.counts(f).forEach((k, v) -> out.merge(k, v, Long::sum));
        }
        return out;
    }

    /** A statistic over per-session bin counts, given which sessions form the current window. */
    interface SessionBins {
        /** @param current indices of the current window's sessions; the rest are the reference */
        double statistic(int[] current, boolean ks);
    }

    /**
     * Exact when every assignment of sessions to the windows can be tried (the observed one
     * included), else a seeded random sample of them with the observed one added.
     */
    private double permutationP(SessionBins bins, int referenceCount, int currentCount, boolean ks, String seed, boolean exact, int[] tried) {
        int n = referenceCount + currentCount;
        int[] observed = new int[currentCount];
        for (int i = 0; i < currentCount; i++) {
            observed[i] = referenceCount + i;
        }
        double obs = bins.statistic(observed, ks);
        double tolerance = 1e-12 * Math.max(1, Math.abs(obs));
        long atLeast = 0;
        long total = 0;
        int[] pick = new int[currentCount];
        if (exact) {
            for (int i = 0; i < currentCount; i++) {
                pick[i] = i;
            }
            while (true) {
                total++;
                if (bins.statistic(pick, ks) >= obs - tolerance) {
                    atLeast++;
                }
                int i = currentCount - 1;
                while (i >= 0 && pick[i] == n - currentCount + i) {
                    i--;
                }
                if (i < 0) {
                    break;
                }
                pick[i]++;
                for (int j = i + 1; j < currentCount; j++) {
                    pick[j] = pick[j - 1] + 1;
                }
            }
            tried[0] = (int) total;
            return (double) atLeast / total;
        }
        SplittableRandom random = new SplittableRandom(seed.hashCode() * 0x9E3779B97F4A7C15L);
        int[] order = new int[n];
        for (int b = 0; b < policy.permutations(); b++) {
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            for (int i = 0; i < currentCount; i++) {
                int j = i + random.nextInt(n - i);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
                pick[i] = order[i];
            }
            if (bins.statistic(pick, ks) >= obs - tolerance) {
                atLeast++;
            }
        }
        tried[0] = policy.permutations() + 1;
        return (atLeast + 1.0) / (policy.permutations() + 1.0);
    }

    static long binomial(int n, int k) {
        double r = 1;
        for (int i = 1; i <= k; i++) {
            r = r * (n - k + i) / i;
            if (r > Long.MAX_VALUE / 4.0) {
                return Long.MAX_VALUE / 4;
            }
        }
        return Math.round(r);
    }

    /**
     * A numeric feature's values in quantile bins of both windows, per session, with each
     * session's sum and sum of squares for the reference's standard deviation. With no more
     * distinct values than bins, the bins are the values and the statistics are exact.
     */
    static final class NumericBins implements SessionBins {
        final long[][] counts;
        final double[] sums;
        final double[] squares;
        final double[] support;
        final long[] totalCounts;
        double totalSum;
        double totalSquares;
        final long[] cur;

        private NumericBins(long[][] counts, double[] sums, double[] squares, double[] support) {
            this.counts = counts;
            this.sums = sums;
            this.squares = squares;
            this.support = support;
            this.totalCounts = new long[support.length];
            for (int s = 0; s < counts.length; s++) {
                for (int b = 0; b < support.length; b++) {
                    totalCounts[b] += counts[s][b];
                }
                totalSum += sums[s];
                totalSquares += squares[s];
            }
            this.cur = new long[support.length];
        }

        static NumericBins of(List<SessionSample> reference, List<SessionSample> current, DriftFeature f, int maxBins) {
            List<SessionSample> all = new ArrayList<>(reference);
            all.addAll(current);
            double[] pooled = pooled(f, all);
            Arrays.sort(pooled);
            double[] uppers = new double[Math.min(maxBins, pooled.length)];
            int u = 0;
            for (int i = 1; i <= uppers.length; i++) {
                double cut = pooled[(int) ((long) i * pooled.length / uppers.length) - 1];
                if (u == 0 || cut > uppers[u - 1]) {
                    uppers[u++] = cut;
                }
            }
            uppers = Arrays.copyOf(uppers, u);
            double[] support = new double[u];
            long[] inBin = new long[u];
            long[][] counts = new long[all.size()][u];
            double[] sums = new double[all.size()];
            double[] squares = new double[all.size()];
            for (int s = 0; s < all.size(); s++) {
                for (double x : all.get(s).values(f)) {
                    int b = Arrays.binarySearch(uppers, x);
                    int bin = b >= 0 ? b : Math.min(-b - 1, u - 1);
                    counts[s][bin]++;
                    support[bin] += x;
                    inBin[bin]++;
                    sums[s] += x;
                    squares[s] += x * x;
                }
            }
            for (int b = 0; b < u; b++) {
                support[b] = inBin[b] == 0 ? uppers[b] : support[b] / inBin[b];
            }
            return new NumericBins(counts, sums, squares, support);
        }

        @Override
        public double statistic(int[] current, boolean ks) {
            Arrays.fill(cur, 0);
            double curSum = 0;
            double curSquares = 0;
            for (int s : current) {
                long[] c = counts[s];
                for (int b = 0; b < c.length; b++) {
                    cur[b] += c[b];
                }
                curSum += sums[s];
                curSquares += squares[s];
            }
            long nCur = 0;
            long nAll = 0;
            for (int b = 0; b < cur.length; b++) {
                nCur += cur[b];
                nAll += totalCounts[b];
            }
            long nRef = nAll - nCur;
            if (nCur == 0 || nRef == 0) {
                return 0;
            }
            double cumRef = 0;
            double cumCur = 0;
            double d = 0;
            double w = 0;
            for (int b = 0; b < cur.length; b++) {
                cumCur += cur[b];
                cumRef += totalCounts[b] - cur[b];
                double gap = Math.abs(cumRef / nRef - cumCur / nCur);
                d = Math.max(d, gap);
                if (b + 1 < cur.length) {
                    w += gap * (support[b + 1] - support[b]);
                }
            }
            if (ks) {
                return d;
            }
            double refMean = (totalSum - curSum) / nRef;
            double refVar = Math.max(0, (totalSquares - curSquares) / nRef - refMean * refMean);
            return w / Math.max(Math.sqrt(refVar), DriftStatistics.MIN_NORM);
        }
    }

    /** A categorical feature's counts per session; the statistic is the Jensen–Shannon distance of the windows' shares. */
    static final class CategoricalBins implements SessionBins {
        final long[][] counts;
        final long[] total;
        final double[] ref;
        final double[] cur;

        CategoricalBins(long[][] counts) {
            this.counts = counts;
            int k = counts.length == 0 ? 0 : counts[0].length;
            this.total = new long[k];
            for (long[] c : counts) {
                for (int i = 0; i < k; i++) {
                    total[i] += c[i];
                }
            }
            this.ref = new double[k];
            this.cur = new double[k];
        }

        @Override
        public double statistic(int[] current, boolean ks) {
            Arrays.fill(cur, 0);
            for (int s : current) {
                for (int i = 0; i < cur.length; i++) {
                    cur[i] += counts[s][i];
                }
            }
            double nCur = 0;
            double nRef = 0;
            for (int i = 0; i < cur.length; i++) {
                ref[i] = total[i] - cur[i];
                nCur += cur[i];
                nRef += ref[i];
            }
            if (nCur == 0 || nRef == 0) {
                return 0;
            }
            for (int i = 0; i < cur.length; i++) {
                cur[i] = cur[i] == 0 ? DriftStatistics.EMPTY_SHARE : cur[i] / nCur;
                ref[i] = ref[i] == 0 ? DriftStatistics.EMPTY_SHARE : ref[i] / nRef;
            }
            return DriftStatistics.jensenShannon(ref, cur);
        }
    }
}
