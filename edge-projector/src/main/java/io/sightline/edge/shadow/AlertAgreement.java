package io.sightline.edge.shadow;

import io.sightline.edge.assign.LinearAssignment;
import java.util.ArrayList;
import java.util.List;

/**
 * Pairs the champion's alerts with the challenger's: the same kind raised within
 * {@link #WINDOW_S} of each other. Pairs are chosen by a minimum-cost assignment over |Δt| (most
 * pairs first, then the closest), so that a burst of alerts on one side cannot steal the partner
 * of an alert that has only one candidate.
 */
public final class AlertAgreement {

    /** The issue's ±0.5 s: about a dozen frames at 25 Hz, well inside a driver's reaction time. */
    public static final double WINDOW_S = 0.5;

    public record Pair(Alert champion, Alert challenger) {
        public double deltaS() {
            return (challenger.raisedAtNanos() - champion.raisedAtNanos()) / 1e9;
        }

        /** Challenger's TTC at its first warning minus the champion's; NaN when either has none. */
        public double ttcDifferenceS() {
            return challenger.ttcS() - champion.ttcS();
        }
    }

    public record Result(List<Pair> agreed, List<Alert> championOnly, List<Alert> challengerOnly) {
        /** Agreed pairs over all distinct alerts (pairs counted once); 1 when neither side alerted. */
        public double agreement() {
            int all = agreed.size() + championOnly.size() + challengerOnly.size();
            return all == 0 ? 1.0 : agreed.size() / (double) all;
        }
    }

    /**
     * An alert as one side raised it, with the TTC of the assessment that raised it (NaN when that
     * rule has no TTC, as following distance).
     */
    public record Alert(String alertId, String kind, long raisedAtNanos, double ttcS, long frameIndex) {
    }

    private AlertAgreement() {
    }

    public static Result of(List<Alert> champion, List<Alert> challenger) {
        int rows = champion.size();
        int cols = challenger.size();
        double[] cost = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                Alert a = champion.get(i);
                Alert b = challenger.get(j);
                double dt = Math.abs(b.raisedAtNanos() - a.raisedAtNanos()) / 1e9;
                cost[i * cols + j] = a.kind().equals(b.kind()) && dt <= WINDOW_S ? dt : Double.NaN;
            }
        }
        int[] rowToCol = new int[rows];
        int[] colToRow = new int[cols];
        new LinearAssignment().solve(cost, rows, cols, rowToCol, colToRow);
        List<Pair> agreed = new ArrayList<>();
        List<Alert> championOnly = new ArrayList<>();
        List<Alert> challengerOnly = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            if (rowToCol[i] == LinearAssignment.UNASSIGNED) {
                championOnly.add(champion.get(i));
            } else {
                agreed.add(new Pair(champion.get(i), challenger.get(rowToCol[i])));
            }
        }
        for (int j = 0; j < cols; j++) {
            if (colToRow[j] == LinearAssignment.UNASSIGNED) {
                challengerOnly.add(challenger.get(j));
            }
        }
        return new Result(List.copyOf(agreed), List.copyOf(championOnly), List.copyOf(challengerOnly));
    }
}
