package io.sightline.edge.assign;

/**
 * Rectangular linear assignment solver: Jonker-Volgenant style shortest augmenting paths with
 * dual potentials (the same family as LAPJV and scipy's {@code linear_sum_assignment}).
 *
 * <p>Costs are a row-major {@code rows x cols} array. One instance owns its work arrays and grows
 * them only when a larger problem arrives, so repeated solves of bounded size allocate nothing.
 * Not thread-safe: give each thread its own instance.
 *
 * <p>Two objectives are offered:
 * <ul>
 *   <li>{@link #solve}: pick {@code min(rows, cols)} pairs of minimum total cost. Forbidden
 *       entries ({@code NaN} or {@code +Infinity}) are avoided as py-motmetrics does: first the
 *       number of allowed pairs is maximised, then their total cost minimised.</li>
 *   <li>{@link #solveWithLimit}: any number of pairs, each with cost at most {@code costLimit};
 *       leaving a row and a column unmatched costs {@code costLimit} (the objective of ByteTrack's
 *       {@code lap.lapjv(extend_cost=True, cost_limit=...)}, solved here without extending the
 *       matrix).</li>
 * </ul>
 */
public final class LinearAssignment {

    /** Value meaning "no partner" in the row and column solution arrays. */
    public static final int UNASSIGNED = -1;

    private double[] work = new double[0];
    private double[] rowPotential = new double[0];
    private double[] colPotential = new double[0];
    private double[] shortest = new double[0];
    private int[] pred = new int[0];
    private int[] remaining = new int[0];
    private int[] visitedRows = new int[0];
    private int[] coreRowSol = new int[0];
    private int[] coreColSol = new int[0];

    public LinearAssignment() {
        this(16);
    }

    /** @param expectedSize largest side expected, so that typical solves never grow the work arrays */
    public LinearAssignment(int expectedSize) {
        ensureCapacity(expectedSize, expectedSize);
    }

    /**
     * Minimum-cost assignment of {@code min(rows, cols)} pairs.
     *
     * @param cost row-major costs; {@code NaN} or {@code +Infinity} marks a forbidden pair
     * @param rowToCol out, length at least {@code rows}: column of each row or {@link #UNASSIGNED}
     * @param colToRow out, length at least {@code cols}: row of each column or {@link #UNASSIGNED}
     * @return number of allowed pairs assigned (forbidden pairs are reported as unassigned)
     */
    public int solve(double[] cost, int rows, int cols, int[] rowToCol, int[] colToRow) {
        checkArgs(cost, rows, cols, rowToCol, colToRow);
        fillUnassigned(rowToCol, rows, colToRow, cols);
        if (rows == 0 || cols == 0) {
            return 0;
        }
        // A forbidden pair must cost more than any mix of allowed ones, so that the solver only
        // uses one when no assignment with more allowed pairs exists (py-motmetrics' reasoning:
        // with allowed costs in [-c, c], l > (2r - 1)c suffices; l = 2rc + 1).
        double maxAbs = 0.0;
        boolean anyForbidden = false;
        boolean anyAllowed = false;
        int n = rows * cols;
        for (int k = 0; k < n; k++) {
            double c = cost[k];
            if (isAllowed(c)) {
                anyAllowed = true;
                double a = Math.abs(c);
                if (a > maxAbs) {
                    maxAbs = a;
                }
            } else {
                anyForbidden = true;
            }
        }
        if (!anyAllowed) {
            return 0;
        }
        int r = Math.min(rows, cols);
        double forbiddenCost = anyForbidden ? 2.0 * r * (maxAbs + 1.0) + 1.0 : 0.0;
        boolean transpose = rows > cols;
        int coreRows = transpose ? cols : rows;
        int coreCols = transpose ? rows : cols;
        ensureCapacity(coreRows, coreCols);
        double[] w = work;
        for (int i = 0; i < rows; i++) {
            int base = i * cols;
            for (int j = 0; j < cols; j++) {
                double c = cost[base + j];
                double v = isAllowed(c) ? c : forbiddenCost;
                if (transpose) {
                    w[j * coreCols + i] = v;
                } else {
                    w[base + j] = v;
                }
            }
        }
        solveCore(coreRows, coreCols);
        int pairs = 0;
        for (int i = 0; i < coreRows; i++) {
            int j = coreRowSol[i];
            int row = transpose ? j : i;
            int col = transpose ? i : j;
            if (isAllowed(cost[row * cols + col])) {
                rowToCol[row] = col;
                colToRow[col] = row;
                pairs++;
            }
        }
        return pairs;
    }

    /**
     * Minimum-cost partial assignment where a pair is only worth taking when its cost is below
     * {@code costLimit}: the objective is the sum of matched costs plus {@code costLimit / 2} for
     * every unmatched row and every unmatched column. Pairs costing more than {@code costLimit}, or
     * forbidden ({@code NaN}/{@code +Infinity}), are never returned.
     *
     * @return number of pairs assigned
     */
    public int solveWithLimit(double[] cost, int rows, int cols, double costLimit,
                              int[] rowToCol, int[] colToRow) {
        checkArgs(cost, rows, cols, rowToCol, colToRow);
        if (!(Math.abs(costLimit) < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("costLimit must be finite: " + costLimit);
        }
        fillUnassigned(rowToCol, rows, colToRow, cols);
        if (rows == 0 || cols == 0) {
            return 0;
        }
        // The objective equals sum over matched pairs of (cost - costLimit), plus a constant. With
        // every usable pair weighted min(cost - costLimit, 0) <= 0 and unusable ones 0, a full
        // min(rows, cols) assignment never does worse by including a zero-weight pair, so the
        // plain rectangular problem solves it; zero-weight unusable pairs are dropped afterwards.
        // This keeps the problem rows x cols instead of the (rows + cols)^2 of lapjv's extension.
        boolean transpose = rows > cols;
        int coreRows = transpose ? cols : rows;
        int coreCols = transpose ? rows : cols;
        ensureCapacity(coreRows, coreCols);
        double[] w = work;
        for (int i = 0; i < rows; i++) {
            int base = i * cols;
            for (int j = 0; j < cols; j++) {
                double c = cost[base + j];
                double v = isAllowed(c) && c <= costLimit ? c - costLimit : 0.0;
                if (transpose) {
                    w[j * coreCols + i] = v;
                } else {
                    w[base + j] = v;
                }
            }
        }
        solveCore(coreRows, coreCols);
        int pairs = 0;
        for (int i = 0; i < coreRows; i++) {
            int j = coreRowSol[i];
            int row = transpose ? j : i;
            int col = transpose ? i : j;
            double c = cost[row * cols + col];
            if (isAllowed(c) && c <= costLimit) {
                rowToCol[row] = col;
                colToRow[col] = row;
                pairs++;
            }
        }
        return pairs;
    }

    private static boolean isAllowed(double c) {
        // false for NaN and +Infinity; -Infinity is rejected as an allowed-but-unusable value too
        return c < Double.POSITIVE_INFINITY && c > Double.NEGATIVE_INFINITY;
    }

    private static void checkArgs(double[] cost, int rows, int cols, int[] rowToCol, int[] colToRow) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative size " + rows + "x" + cols);
        }
        if (cost.length < rows * cols) {
            throw new IllegalArgumentException("cost array holds " + cost.length + " < " + rows + "x" + cols);
        }
        if (rowToCol.length < rows || colToRow.length < cols) {
            throw new IllegalArgumentException("solution arrays too short for " + rows + "x" + cols);
        }
    }

    private static void fillUnassigned(int[] rowToCol, int rows, int[] colToRow, int cols) {
        for (int i = 0; i < rows; i++) {
            rowToCol[i] = UNASSIGNED;
        }
        for (int j = 0; j < cols; j++) {
            colToRow[j] = UNASSIGNED;
        }
    }

    private void ensureCapacity(int rows, int cols) {
        if (work.length < rows * cols) {
            work = new double[rows * cols];
        }
        if (rowPotential.length < rows) {
            rowPotential = new double[rows];
            visitedRows = new int[rows];
            coreRowSol = new int[rows];
        }
        if (colPotential.length < cols) {
            colPotential = new double[cols];
            shortest = new double[cols];
            pred = new int[cols];
            remaining = new int[cols];
            coreColSol = new int[cols];
        }
    }

    /**
     * Jonker-Volgenant's column reduction, then a greedy pass that keeps each row's cheapest
     * reduced column when it is still free. It leaves feasible duals with every assigned pair
     * tight, so the augmenting phase only has to place the rows the greedy pass could not; on
     * tracking matrices (mostly one obvious partner per row) that is few or none. Square problems
     * only: for rectangular ones a positive column potential on a column left unassigned would
     * break optimality.
     */
    private void reduceAndGreedyAssign(int n) {
        double[] c = work;
        double[] u = rowPotential;
        double[] v = colPotential;
        for (int j = 0; j < n; j++) {
            double min = Double.POSITIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                double x = c[i * n + j];
                if (x < min) {
                    min = x;
                }
            }
            v[j] = min;
        }
        for (int i = 0; i < n; i++) {
            int base = i * n;
            double min = Double.POSITIVE_INFINITY;
            int best = 0;
            for (int j = 0; j < n; j++) {
                double x = c[base + j] - v[j];
                if (x < min || (x == min && coreColSol[j] == UNASSIGNED && coreColSol[best] != UNASSIGNED)) {
                    min = x;
                    best = j;
                }
            }
            u[i] = min;
            if (coreColSol[best] == UNASSIGNED) {
                coreColSol[best] = i;
                coreRowSol[i] = best;
            }
        }
    }

    /**
     * Solves the finite problem in {@link #work} ({@code n <= m}, row-major with stride m), one
     * row at a time: a Dijkstra search over reduced costs finds the cheapest augmenting path from
     * the new row to a free column, then potentials are shifted so reduced costs stay
     * non-negative and the path is flipped.
     */
    private void solveCore(int n, int m) {
        double[] c = work;
        double[] u = rowPotential;
        double[] v = colPotential;
        double[] dist = shortest;
        int[] rowSol = coreRowSol;
        int[] colSol = coreColSol;
        for (int i = 0; i < n; i++) {
            u[i] = 0.0;
            rowSol[i] = UNASSIGNED;
        }
        for (int j = 0; j < m; j++) {
            v[j] = 0.0;
            colSol[j] = UNASSIGNED;
        }
        if (n == m) {
            reduceAndGreedyAssign(n);
        }
        for (int start = 0; start < n; start++) {
            if (rowSol[start] != UNASSIGNED) {
                continue;
            }
            for (int j = 0; j < m; j++) {
                dist[j] = Double.POSITIVE_INFINITY;
                pred[j] = UNASSIGNED;
                // remaining[0..unscanned) are the columns not yet settled by the search
                remaining[j] = m - 1 - j;
            }
            int unscanned = m;
            int visitedRowCount = 0;
            double minVal = 0.0;
            int row = start;
            int sink = UNASSIGNED;
            while (sink == UNASSIGNED) {
                int bestPos = -1;
                double lowest = Double.POSITIVE_INFINITY;
                int rowBase = row * m;
                double ui = u[row];
                for (int p = 0; p < unscanned; p++) {
                    int j = remaining[p];
                    double reduced = minVal + c[rowBase + j] - ui - v[j];
                    if (reduced < dist[j]) {
                        pred[j] = row;
                        dist[j] = reduced;
                    }
                    // Prefer a free column on ties: it ends the search one step earlier.
                    if (dist[j] < lowest || (dist[j] == lowest && colSol[j] == UNASSIGNED)) {
                        lowest = dist[j];
                        bestPos = p;
                    }
                }
                if (bestPos < 0) {
                    throw new IllegalStateException("infeasible assignment (non-finite costs)");
                }
                minVal = lowest;
                int col = remaining[bestPos];
                remaining[bestPos] = remaining[--unscanned];
                remaining[unscanned] = col; // settled columns collect at the tail
                if (colSol[col] == UNASSIGNED) {
                    sink = col;
                } else {
                    row = colSol[col];
                    visitedRows[visitedRowCount++] = row;
                }
            }
            u[start] += minVal;
            for (int k = 0; k < visitedRowCount; k++) {
                int i = visitedRows[k];
                u[i] += minVal - dist[rowSol[i]];
            }
            for (int p = unscanned; p < m; p++) {
                int j = remaining[p];
                v[j] -= minVal - dist[j];
            }
            int col = sink;
            while (true) {
                int i = pred[col];
                colSol[col] = i;
                int previous = rowSol[i];
                rowSol[i] = col;
                if (i == start) {
                    break;
                }
                col = previous;
            }
        }
    }
}
