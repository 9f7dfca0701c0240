package io.sightline.edge.shadow;

import io.sightline.edge.assign.LinearAssignment;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The challenger's boxes scored against the champion's, frame by frame, as if the champion's were
 * the ground truth: per frame a minimum-cost assignment (the project's {@link LinearAssignment},
 * which first maximises the number of allowed pairs) over cost 1 − IoU, a pair allowed only
 * between boxes of the same class overlapping at IoU ≥ {@link #IOU_THRESHOLD}. A matched pair is a
 * true positive of its class, an unmatched challenger box a false positive, an unmatched champion
 * box a false negative. A greedy match would undercount when two boxes compete for one.
 *
 * <p>Shared by the offline {@code shadow} command and the cloud's {@code shadow-disagreement} rollout gate, so
 * both judge a challenger by the same rule.
 */
public final class DetectionAgreement {

    /** PASCAL VOC's and COCO's AP50 criterion, and the issue's. */
    public static final double IOU_THRESHOLD = 0.5;

    /** Counts for one class (or all); precision, recall and F1 are NaN where nothing defines them. */
    public record Counts(long truePositives, long falsePositives, long falseNegatives) {
        public long championBoxes() {
            return truePositives + falseNegatives;
        }

        public long challengerBoxes() {
            return truePositives + falsePositives;
        }

        public double precision() {
            return challengerBoxes() == 0 ? Double.NaN : truePositives / (double) challengerBoxes();
        }

        public double recall() {
            return championBoxes() == 0 ? Double.NaN : truePositives / (double) championBoxes();
        }

        /** 2TP / (2TP + FP + FN): defined whenever either side had a box, unlike 2PR/(P+R). */
        public double f1() {
            long d = 2 * truePositives + falsePositives + falseNegatives;
            return d == 0 ? Double.NaN : 2.0 * truePositives / d;
        }
    }

    /** One box on one frame: class, score and pixel corners. */
    public record Box(String className, float score, float x1, float y1, float x2, float y2) {
    }

    private static final class Tally {
        long tp;
        long fp;
        long fn;
    }

    private final LinearAssignment assignment = new LinearAssignment(128);
    private final Map<String, Tally> byClass = new TreeMap<>();
    private double[] cost = new double[0];
    private int[] rowToCol = new int[0];
    private int[] colToRow = new int[0];

    public void onFrame(List<Box> champion, List<Box> challenger) {
        int rows = champion.size();
        int cols = challenger.size();
        if (cost.length < rows * cols) {
            cost = new double[rows * cols];
        }
        if (rowToCol.length < rows) {
            rowToCol = new int[rows];
        }
        if (colToRow.length < cols) {
            colToRow = new int[cols];
        }
        for (int i = 0; i < rows; i++) {
            Box a = champion.get(i);
            for (int j = 0; j < cols; j++) {
                Box b = challenger.get(j);
                double iou = a.className().equals(b.className()) ? iou(a, b) : 0.0;
                cost[i * cols + j] = iou >= IOU_THRESHOLD ? 1.0 - iou : Double.NaN;
            }
        }
        assignment.solve(cost, rows, cols, rowToCol, colToRow);
        for (int i = 0; i < rows; i++) {
            Tally t = tally(champion.get(i).className());
            if (rowToCol[i] == LinearAssignment.UNASSIGNED) {
                t.fn++;
            } else {
                t.tp++;
            }
        }
        for (int j = 0; j < cols; j++) {
            if (colToRow[j] == LinearAssignment.UNASSIGNED) {
                tally(challenger.get(j).className()).fp++;
            }
        }
    }

    private Tally tally(String cls) {
        return byClass.computeIfAbsent(cls, k -> new Tally());
    }

    /** Continuous-coordinate IoU of two pixel boxes (corners, not the +1 pixel convention of NMS). */
    public static double iou(Box a, Box b) {
        double iw = Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1());
        double ih = Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1());
        if (iw <= 0 || ih <= 0) {
            return 0.0;
        }
        double inter = iw * ih;
        double union = (double) (a.x2() - a.x1()) * (a.y2() - a.y1()) + (double) (b.x2() - b.x1()) * (b.y2() - b.y1()) - inter;
        return union <= 0 ? 0.0 : inter / union;
    }

    /** Per class, by class name. */
    public Map<String, Counts> perClass() {
        Map<String, Counts> out = new TreeMap<>();
        byClass.forEach((k, t) -> out.put(k, new Counts(t.tp, t.fp, t.fn)));
        return out;
    }

    /** Summed over classes (micro-averaged). */
    public Counts overall() {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (Tally t : byClass.values()) {
            tp += t.tp;
            fp += t.fp;
            fn += t.fn;
        }
        return new Counts(tp, fp, fn);
    }
}
