package io.sightline.app.shadow;

import io.sightline.edge.assign.LinearAssignment;
import java.util.ArrayList;
import java.util.List;

/**
 * Pairs the champion's alerts with the challenger's: the same kind raised within
 * {@link #WINDOW_S} of each other. Pairs are chosen by a minimum-cost assignment over |Δt| (most
 * pairs first, then the closest), so that a burst of alerts on one side cannot steal the partner
 * of an alert that has only one candidate.
 */
final class AlertAgreement {

    /** The issue's ±0.5 s: about a dozen frames at 25 Hz, well inside a driver's reaction time. */
    static final double WINDOW_S = 0.5;

    record Pair(ShadowLane.Alert champion, ShadowLane.Alert challenger) {
        double deltaS() {
            return (challenger.raisedAtNanos() - champion.raisedAtNanos()) / 1e9;
        }

        /** Challenger's TTC at its first warning minus the champion's; NaN when either has none. */
        double ttcDifferenceS() {
            return challenger.ttcS() - champion.ttcS();
        }
    }

    record Result(List<Pair> agreed, List<ShadowLane.Alert> championOnly, List<ShadowLane.Alert> challengerOnly) {
        /** Agreed pairs over all distinct alerts (pairs counted once); 1 when neither side alerted. */
        double agreement() {
            int all = agreed.size() + championOnly.size() + challengerOnly.size();
            return all == 0 ? 1.0 : agreed.size() / (double) all;
        }
    }

    private AlertAgreement() {
    }

    static Result of(List<ShadowLane.Alert> champion, List<ShadowLane.Alert> challenger) {
        int rows = champion.size();
        int cols = challenger.size();
        double[] cost = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                ShadowLane.Alert a = champion.get(i);
                ShadowLane.Alert b = challenger.get(j);
                double dt = Math.abs(b.raisedAtNanos() - a.raisedAtNanos()) / 1e9;
                cost[i * cols + j] = a.kind().equals(b.kind()) && dt <= WINDOW_S ? dt : Double.NaN;
            }
        }
        int[] rowToCol = new int[rows];
        int[] colToRow = new int[cols];
        new LinearAssignment().solve(cost, rows, cols, rowToCol, colToRow);
        List<Pair> agreed = new ArrayList<>();
        List<ShadowLane.Alert> championOnly = new ArrayList<>();
        List<ShadowLane.Alert> challengerOnly = new ArrayList<>();
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
