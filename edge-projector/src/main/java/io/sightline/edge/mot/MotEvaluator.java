package io.sightline.edge.mot;

import io.sightline.edge.assign.LinearAssignment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * MOTChallenge evaluation: CLEAR MOT and identity metrics as py-motmetrics 1.4.0 computes them,
 * and HOTA as TrackEval does. Not on any hot path: clarity over allocation-freedom here.
 */
public final class MotEvaluator {

    /** Event kinds for one ground-truth box in one frame. */
    private static final int MISS = 0;
    private static final int MATCH = 1;
    private static final int SWITCH = 2;

    private static final double FLOAT_EPS = Math.ulp(1.0);
    private static final int ALPHA_COUNT = 19;

    private final double iouThreshold;
    private final boolean dropZeroFlag;

    /**
     * @param iouThreshold minimum IoU for a CLEAR / identity match (py-motmetrics distth = 1 - iou)
     * @param dropZeroFlag drop ground-truth rows whose 7th column is 0, as the MOT15 devkit does
     */
    public MotEvaluator(double iouThreshold, boolean dropZeroFlag) {
        if (!(iouThreshold > 0 && iouThreshold <= 1)) {
            throw new IllegalArgumentException("iouThreshold must be in (0, 1]: " + iouThreshold);
        }
        this.iouThreshold = iouThreshold;
        this.dropZeroFlag = dropZeroFlag;
    }

    public MotSummary evaluate(List<MotRow> groundTruth, List<MotRow> results) {
        List<MotRow> gt = groundTruth;
        if (dropZeroFlag) {
            gt = new ArrayList<>(groundTruth.size());
            for (MotRow r : groundTruth) {
                if (r.conf() != 0.0) {
                    gt.add(r);
                }
            }
        }
        TreeMap<Integer, List<MotRow>> gtByFrame = byFrame(gt);
        TreeMap<Integer, List<MotRow>> resByFrame = byFrame(results);
        TreeMap<Integer, Boolean> frames = new TreeMap<>();
        gtByFrame.keySet().forEach(f -> frames.put(f, Boolean.TRUE));
        resByFrame.keySet().forEach(f -> frames.put(f, Boolean.TRUE));

        Map<Integer, Integer> gtIndex = denseIds(gt);
        Map<Integer, Integer> resIndex = denseIds(results);
        int numGtIds = gtIndex.size();
        int numResIds = resIndex.size();

        LinearAssignment solver = new LinearAssignment(32);
        double maxDistance = 1.0 - iouThreshold;

        // CLEAR MOT state
        int[] lastMatchedHyp = new int[numGtIds];
        Arrays.fill(lastMatchedHyp, -1);
        int[] gtFrames = new int[numGtIds];
        int[] gtTracked = new int[numGtIds];
        // Per object: was it tracked in the previous frame it appeared in, has it been tracked
        // yet, and how many tracked -> missed transitions are pending (only counted if the object
        // is tracked again later, i.e. inside its tracked span).
        boolean[] prevTracked = new boolean[numGtIds];
        boolean[] everTracked = new boolean[numGtIds];
        int[] pendingFragments = new int[numGtIds];
        int fragmentations = 0;
        int fp = 0;
        int fn = 0;
        int idsw = 0;
        int matched = 0;
        double distanceSum = 0.0;
        int numObjects = 0;
        int numPredictions = 0;

        // identity state
        int[] resFrames = new int[numResIds];
        double[] pairFrames = new double[numGtIds * numResIds];

        // HOTA state
        double[] potentialMatches = new double[numGtIds * numResIds];
        List<double[]> similarityPerFrame = new ArrayList<>();
        List<int[]> gtIdsPerFrame = new ArrayList<>();
        List<int[]> resIdsPerFrame = new ArrayList<>();

        for (int frame : frames.keySet()) {
            List<MotRow> g = gtByFrame.getOrDefault(frame, List.of());
            List<MotRow> h = resByFrame.getOrDefault(frame, List.of());
            int n = g.size();
            int m = h.size();
            numObjects += n;
            numPredictions += m;
            int[] oid = new int[n];
            int[] hid = new int[m];
            for (int i = 0; i < n; i++) {
                oid[i] = gtIndex.get(g.get(i).id());
                gtFrames[oid[i]]++;
            }
            for (int j = 0; j < m; j++) {
                hid[j] = resIndex.get(h.get(j).id());
                resFrames[hid[j]]++;
            }
            double[] iou = new double[n * m];
            double[] dist = new double[n * m];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < m; j++) {
                    double v = iou(g.get(i), h.get(j));
                    iou[i * m + j] = v;
                    double d = 1.0 - v;
                    dist[i * m + j] = d > maxDistance ? Double.NaN : d;
                    if (d <= maxDistance) {
                        pairFrames[oid[i] * numResIds + hid[j]]++;
                    }
                }
            }

            // 1. keep last frame's correspondences that are still close enough
            boolean[] gtDone = new boolean[n];
            boolean[] resDone = new boolean[m];
            int[] event = new int[n];
            for (int i = 0; i < n; i++) {
                int prev = lastMatchedHyp[oid[i]];
                if (prev < 0) {
                    continue;
                }
                for (int j = 0; j < m; j++) {
                    if (!resDone[j] && hid[j] == prev) {
                        if (!Double.isNaN(dist[i * m + j])) {
                            gtDone[i] = true;
                            resDone[j] = true;
                            event[i] = MATCH;
                            distanceSum += dist[i * m + j];
                        }
                        break;
                    }
                }
            }
            // 2. optimal assignment of the rest: most pairs first, then least total distance
            double[] rest = dist.clone();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < m; j++) {
                    if (gtDone[i] || resDone[j]) {
                        rest[i * m + j] = Double.NaN;
                    }
                }
            }
            int[] r2c = new int[n];
            int[] c2r = new int[m];
            solver.solve(rest, n, m, r2c, c2r);
            for (int i = 0; i < n; i++) {
                int j = r2c[i];
                if (j < 0) {
                    continue;
                }
                int o = oid[i];
                event[i] = lastMatchedHyp[o] >= 0 && lastMatchedHyp[o] != hid[j] ? SWITCH : MATCH;
                if (event[i] == SWITCH) {
                    idsw++;
                }
                lastMatchedHyp[o] = hid[j];
                gtDone[i] = true;
                resDone[j] = true;
                distanceSum += dist[i * m + j];
            }
            for (int i = 0; i < n; i++) {
                int o = oid[i];
                if (gtDone[i]) {
                    matched++;
                    gtTracked[o]++;
                    fragmentations += pendingFragments[o];
                    pendingFragments[o] = 0;
                    everTracked[o] = true;
                    prevTracked[o] = true;
                } else {
                    fn++;
                    if (everTracked[o] && prevTracked[o]) {
                        pendingFragments[o]++;
                    }
                    prevTracked[o] = false;
                }
            }
            for (int j = 0; j < m; j++) {
                if (!resDone[j]) {
                    fp++;
                }
            }

            // HOTA: soft co-occurrence of ids, weighted by each pair's share of its row/column
            double[] rowSum = new double[n];
            double[] colSum = new double[m];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < m; j++) {
                    rowSum[i] += iou[i * m + j];
                    colSum[j] += iou[i * m + j];
                }
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < m; j++) {
                    double s = iou[i * m + j];
                    double denom = rowSum[i] + colSum[j] - s;
                    if (denom > 0 + FLOAT_EPS) {
                        potentialMatches[oid[i] * numResIds + hid[j]] += s / denom;
                    }
                }
            }
            similarityPerFrame.add(iou);
            gtIdsPerFrame.add(oid);
            resIdsPerFrame.add(hid);
        }

        int mt = 0;
        int pt = 0;
        int ml = 0;
        for (int o = 0; o < numGtIds; o++) {
            double ratio = gtFrames[o] == 0 ? 0.0 : (double) gtTracked[o] / gtFrames[o];
            if (ratio >= 0.8) {
                mt++;
            } else if (ratio >= 0.2) {
                pt++;
            } else {
                ml++;
            }
        }

        // Identity: a global one-to-one id mapping maximising frames where mapped ids overlap.
        int idtp = 0;
        if (numGtIds > 0 && numResIds > 0) {
            double[] cost = new double[numGtIds * numResIds];
            for (int k = 0; k < cost.length; k++) {
                cost[k] = -pairFrames[k];
            }
            int[] r2c = new int[numGtIds];
            int[] c2r = new int[numResIds];
            solver.solve(cost, numGtIds, numResIds, r2c, c2r);
            for (int o = 0; o < numGtIds; o++) {
                if (r2c[o] >= 0) {
                    idtp += (int) pairFrames[o * numResIds + r2c[o]];
                }
            }
        }
        int idfp = numPredictions - idtp;
        int idfn = numObjects - idtp;

        double[] hotaResult = hota(solver, numGtIds, numResIds, gtFrames, resFrames,
                potentialMatches, similarityPerFrame, gtIdsPerFrame, resIdsPerFrame);

        return new MotSummary(
                1.0 - (double) (fn + fp + idsw) / numObjects,
                distanceSum / matched,
                2.0 * idtp / (2.0 * idtp + idfp + idfn),
                (double) idtp / (idtp + idfp),
                (double) idtp / (idtp + idfn),
                (double) matched / numObjects,
                (double) matched / (matched + fp),
                fp, fn, idsw, fragmentations, numGtIds, mt, pt, ml,
                hotaResult[0], hotaResult[1], hotaResult[2],
                idtp, idfp, idfn, numObjects, numPredictions, frames.size());
    }

    /** @return {HOTA, DetA, AssA}, each the mean over the 19 alpha thresholds */
    private static double[] hota(LinearAssignment solver, int numGtIds, int numResIds,
                                 int[] gtFrames, int[] resFrames, double[] potentialMatches,
                                 List<double[]> similarityPerFrame, List<int[]> gtIdsPerFrame,
                                 List<int[]> resIdsPerFrame) {
        double[] alignment = new double[numGtIds * numResIds];
        for (int o = 0; o < numGtIds; o++) {
            for (int r = 0; r < numResIds; r++) {
                int k = o * numResIds + r;
                alignment[k] = potentialMatches[k] / (gtFrames[o] + resFrames[r] - potentialMatches[k]);
            }
        }
        double[] alphas = new double[ALPHA_COUNT];
        for (int a = 0; a < ALPHA_COUNT; a++) {
            alphas[a] = 0.05 + a * 0.05; // numpy.arange(0.05, 0.99, 0.05) computes start + i*step
        }
        double[] tp = new double[ALPHA_COUNT];
        double[] fn = new double[ALPHA_COUNT];
        double[] fp = new double[ALPHA_COUNT];
        double[][] matchCounts = new double[ALPHA_COUNT][numGtIds * numResIds];
        for (int t = 0; t < similarityPerFrame.size(); t++) {
            int[] g = gtIdsPerFrame.get(t);
            int[] h = resIdsPerFrame.get(t);
            int n = g.length;
            int m = h.length;
            if (n == 0 || m == 0) {
                for (int a = 0; a < ALPHA_COUNT; a++) {
                    fn[a] += n;
                    fp[a] += m;
                }
                continue;
            }
            double[] sim = similarityPerFrame.get(t);
            double[] negScore = new double[n * m];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < m; j++) {
                    negScore[i * m + j] = -alignment[g[i] * numResIds + h[j]] * sim[i * m + j];
                }
            }
            int[] r2c = new int[n];
            int[] c2r = new int[m];
            solver.solve(negScore, n, m, r2c, c2r);
            for (int a = 0; a < ALPHA_COUNT; a++) {
                int matches = 0;
                for (int i = 0; i < n; i++) {
                    int j = r2c[i];
                    if (j >= 0 && sim[i * m + j] >= alphas[a] - FLOAT_EPS) {
                        matches++;
                        matchCounts[a][g[i] * numResIds + h[j]] += 1;
                    }
                }
                tp[a] += matches;
                fn[a] += n - matches;
                fp[a] += m - matches;
            }
        }
        double hotaSum = 0;
        double detSum = 0;
        double assSum = 0;
        for (int a = 0; a < ALPHA_COUNT; a++) {
            double[] mc = matchCounts[a];
            double assNumerator = 0;
            for (int o = 0; o < numGtIds; o++) {
                for (int r = 0; r < numResIds; r++) {
                    double c = mc[o * numResIds + r];
                    if (c > 0) {
                        assNumerator += c * c / Math.max(1.0, gtFrames[o] + resFrames[r] - c);
                    }
                }
            }
            double assA = assNumerator / Math.max(1.0, tp[a]);
            double detA = tp[a] / Math.max(1.0, tp[a] + fn[a] + fp[a]);
            hotaSum += Math.sqrt(detA * assA);
            detSum += detA;
            assSum += assA;
        }
        return new double[] {hotaSum / ALPHA_COUNT, detSum / ALPHA_COUNT, assSum / ALPHA_COUNT};
    }

    /** Intersection over union of two top-left/size boxes; 0 when the union is empty. */
    public static double iou(MotRow a, MotRow b) {
        return iou(a.xPx(), a.yPx(), a.widthPx(), a.heightPx(),
                b.xPx(), b.yPx(), b.widthPx(), b.heightPx());
    }

    static double iou(double ax, double ay, double aw, double ah,
                      double bx, double by, double bw, double bh) {
        double iw = Math.min(ax + aw, bx + bw) - Math.max(ax, bx);
        double ih = Math.min(ay + ah, by + bh) - Math.max(ay, by);
        if (iw <= 0 || ih <= 0) {
            return 0.0;
        }
        double inter = iw * ih;
        double union = aw * ah + bw * bh - inter;
        return union > 0 ? inter / union : 0.0;
    }

    private static TreeMap<Integer, List<MotRow>> byFrame(List<MotRow> rows) {
        TreeMap<Integer, List<MotRow>> map = new TreeMap<>();
        for (MotRow r : rows) {
            map.computeIfAbsent(r.frame(), f -> new ArrayList<>()).add(r);
        }
        return map;
    }

    /** Maps ids to 0..k-1 in order of first appearance. */
    private static Map<Integer, Integer> denseIds(List<MotRow> rows) {
        Map<Integer, Integer> map = new HashMap<>();
        for (MotRow r : rows) {
            map.putIfAbsent(r.id(), map.size());
        }
        return map;
    }
}
