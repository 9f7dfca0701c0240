package io.sightline.edge.assign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearAssignmentTest {

    private static final double EPS = 1e-9;

    /** Best (allowedPairs, cost) over every injective partial map rows -> cols, lexicographic. */
    private static final class Best {
        int pairs = -1;
        double cost = Double.POSITIVE_INFINITY;
    }

    private static void bruteForceFull(double[] c, int rows, int cols, int row, boolean[] used,
                                       int placed, int pairs, double cost, Best best) {
        if (row == rows) {
            // solve() must place exactly min(rows, cols) pairs (allowed or not)
            if (placed != Math.min(rows, cols)) {
                return;
            }
            if (pairs > best.pairs || (pairs == best.pairs && cost < best.cost - EPS)) {
                best.pairs = pairs;
                best.cost = cost;
            }
            return;
        }
        // leave this row out (only useful when rows > cols)
        bruteForceFull(c, rows, cols, row + 1, used, placed, pairs, cost, best);
        for (int j = 0; j < cols; j++) {
            if (!used[j]) {
                used[j] = true;
                double v = c[row * cols + j];
                boolean ok = !Double.isNaN(v) && v != Double.POSITIVE_INFINITY;
                bruteForceFull(c, rows, cols, row + 1, used, placed + 1,
                        pairs + (ok ? 1 : 0), cost + (ok ? v : 0.0), best);
                used[j] = false;
            }
        }
    }

    private static double bruteForceLimit(double[] c, int rows, int cols, double limit, int row,
                                          boolean[] used, double cost) {
        if (row == rows) {
            int freeCols = 0;
            for (int j = 0; j < cols; j++) {
                if (!used[j]) {
                    freeCols++;
                }
            }
            return cost + freeCols * limit / 2.0;
        }
        double best = bruteForceLimit(c, rows, cols, limit, row + 1, used, cost + limit / 2.0);
        for (int j = 0; j < cols; j++) {
            double v = c[row * cols + j];
            if (!used[j] && !Double.isNaN(v) && v <= limit) {
                used[j] = true;
                best = Math.min(best, bruteForceLimit(c, rows, cols, limit, row + 1, used, cost + v));
                used[j] = false;
            }
        }
        return best;
    }

    private static double[] randomMatrix(Random rnd, int rows, int cols, double forbiddenShare,
                                         boolean integerCosts) {
        double[] c = new double[rows * cols];
        for (int k = 0; k < c.length; k++) {
            if (rnd.nextDouble() < forbiddenShare) {
                c[k] = rnd.nextBoolean() ? Double.NaN : Double.POSITIVE_INFINITY;
            } else {
                // integer costs force many ties, which is where tie-breaking bugs hide
                c[k] = integerCosts ? rnd.nextInt(5) - 1 : rnd.nextDouble() * 10 - 3;
            }
        }
        return c;
    }

    @Test
    void solveMatchesBruteForceOnRandomRectangularMatricesWithForbiddenPairs() {
        Random rnd = new Random(42);
        LinearAssignment solver = new LinearAssignment(2);
        for (int trial = 0; trial < 3000; trial++) {
            int rows = rnd.nextInt(7);
            int cols = rnd.nextInt(7);
            double forbidden = trial % 3 == 0 ? 0.0 : rnd.nextDouble() * 0.8;
            double[] c = randomMatrix(rnd, rows, cols, forbidden, trial % 2 == 0);
            int[] r2c = new int[rows];
            int[] c2r = new int[cols];
            int pairs = solver.solve(c, rows, cols, r2c, c2r);

            Best best = new Best();
            bruteForceFull(c, rows, cols, 0, new boolean[cols], 0, 0, 0.0, best);
            int expectedPairs = rows == 0 || cols == 0 ? 0 : best.pairs;
            double expectedCost = rows == 0 || cols == 0 ? 0.0 : best.cost;

            assertThat(pairs).as("trial %d pairs", trial).isEqualTo(expectedPairs);
            assertThat(totalAndCheckConsistency(c, rows, cols, r2c, c2r, pairs))
                    .as("trial %d cost", trial).isCloseTo(expectedCost, within(1e-7));
        }
    }

    @Test
    void solveWithLimitMatchesBruteForce() {
        Random rnd = new Random(7);
        LinearAssignment solver = new LinearAssignment(1);
        for (int trial = 0; trial < 3000; trial++) {
            int rows = rnd.nextInt(7);
            int cols = rnd.nextInt(7);
            double[] c = randomMatrix(rnd, rows, cols, rnd.nextDouble() * 0.4, trial % 2 == 0);
            double limit = trial % 2 == 0 ? rnd.nextInt(4) : rnd.nextDouble() * 6;
            int[] r2c = new int[rows];
            int[] c2r = new int[cols];
            int pairs = solver.solveWithLimit(c, rows, cols, limit, r2c, c2r);
            double matched = totalAndCheckConsistency(c, rows, cols, r2c, c2r, pairs);
            for (int i = 0; i < rows; i++) {
                if (r2c[i] >= 0) {
                    assertThat(c[i * cols + r2c[i]]).isLessThanOrEqualTo(limit);
                }
            }
            double objective = matched + (rows - pairs + cols - pairs) * limit / 2.0;
            double expected = bruteForceLimit(c, rows, cols, limit, 0, new boolean[cols], 0.0);
            assertThat(objective).as("trial %d", trial).isCloseTo(expected, within(1e-7));
        }
    }

    @Test
    void largerSquareProblemsAgreeWithAnIndependentDynamicProgramme() {
        // Bitmask DP over columns is exact and independent of the augmenting-path code.
        Random rnd = new Random(3);
        LinearAssignment solver = new LinearAssignment();
        for (int trial = 0; trial < 200; trial++) {
            int n = 8 + rnd.nextInt(5);
            int m = n + rnd.nextInt(3);
            double[] c = randomMatrix(rnd, n, m, 0.0, trial % 2 == 0);
            int[] r2c = new int[n];
            int[] c2r = new int[m];
            assertThat(solver.solve(c, n, m, r2c, c2r)).isEqualTo(n);
            double got = totalAndCheckConsistency(c, n, m, r2c, c2r, n);
            assertThat(got).isCloseTo(bitmaskDp(c, n, m), within(1e-7));
        }
    }

    @Test
    void knownSmallCaseAndAllForbidden() {
        LinearAssignment solver = new LinearAssignment();
        double[] c = {4, 1, 3, 2, 0, 5, 3, 2, 2};
        int[] r2c = new int[3];
        int[] c2r = new int[3];
        assertThat(solver.solve(c, 3, 3, r2c, c2r)).isEqualTo(3);
        assertThat(r2c).containsExactly(1, 0, 2);

        double[] none = {Double.NaN, Double.POSITIVE_INFINITY};
        int[] r = new int[1];
        int[] cc = new int[2];
        assertThat(solver.solve(none, 1, 2, r, cc)).isZero();
        assertThat(r).containsExactly(-1);
        assertThat(cc).containsExactly(-1, -1);
    }

    private static double bitmaskDp(double[] c, int n, int m) {
        double[] dp = new double[1 << m];
        java.util.Arrays.fill(dp, Double.POSITIVE_INFINITY);
        dp[0] = 0;
        for (int mask = 0; mask < (1 << m); mask++) {
            int row = Integer.bitCount(mask);
            if (row >= n || dp[mask] == Double.POSITIVE_INFINITY) {
                continue;
            }
            for (int j = 0; j < m; j++) {
                if ((mask & (1 << j)) == 0) {
                    int next = mask | (1 << j);
                    dp[next] = Math.min(dp[next], dp[mask] + c[row * m + j]);
                }
            }
        }
        double best = Double.POSITIVE_INFINITY;
        for (int mask = 0; mask < (1 << m); mask++) {
            if (Integer.bitCount(mask) == n) {
                best = Math.min(best, dp[mask]);
            }
        }
        return best;
    }

    /** Checks the two solution arrays describe the same matching and returns its cost. */
    private static double totalAndCheckConsistency(double[] c, int rows, int cols, int[] r2c,
                                                   int[] c2r, int pairs) {
        double total = 0;
        int count = 0;
        for (int i = 0; i < rows; i++) {
            if (r2c[i] >= 0) {
                assertThat(c2r[r2c[i]]).isEqualTo(i);
                total += c[i * cols + r2c[i]];
                count++;
            }
        }
        for (int j = 0; j < cols; j++) {
            if (c2r[j] >= 0) {
                assertThat(r2c[c2r[j]]).isEqualTo(j);
            }
        }
        assertThat(count).isEqualTo(pairs);
        return total;
    }
}
