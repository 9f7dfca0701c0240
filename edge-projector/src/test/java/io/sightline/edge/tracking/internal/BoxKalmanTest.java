package io.sightline.edge.tracking.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Checks the 2x2-block filter against a textbook full-matrix Kalman filter (8x8 covariance,
 * explicit F, Q, H, R and a matrix inverse of the innovation covariance).
 */
class BoxKalmanTest {

    @Test
    void blockFilterEqualsFullMatrixFilterOverARandomTrajectory() {
        Random rnd = new Random(11);
        double[] mean = new double[8];
        double[] cov = new double[12];
        BoxKalman.initiate(mean, 0, cov, 0, 300, 200, 40, 100);
        FullKalman ref = new FullKalman(300, 200, 40, 100);
        assertSame(mean, cov, ref);
        for (int step = 0; step < 200; step++) {
            BoxKalman.predict(mean, 0, cov, 0);
            ref.predict();
            assertSame(mean, cov, ref);
            if (step % 7 != 3) { // some frames without a measurement
                double cx = 300 + 3 * step + rnd.nextGaussian() * 2;
                double cy = 200 - step + rnd.nextGaussian() * 2;
                double w = 40 + 0.1 * step + rnd.nextGaussian();
                double h = 100 + 0.25 * step + rnd.nextGaussian();
                BoxKalman.update(mean, 0, cov, 0, cx, cy, w, h);
                ref.update(new double[] {cx, cy, w, h});
                assertSame(mean, cov, ref);
            }
        }
        // with a constant drift of +3 px/frame in x, the velocity estimate must have found it
        assertThat(mean[4]).isCloseTo(3.0, within(0.5));
        assertThat(mean[5]).isCloseTo(-1.0, within(0.5));
    }

    @Test
    void respectsOffsetsSoTracksCanShareArrays() {
        double[] mean = new double[3 * BoxKalman.MEAN_STRIDE];
        double[] cov = new double[3 * BoxKalman.COV_STRIDE];
        BoxKalman.initiate(mean, 8, cov, 12, 10, 20, 30, 40);
        BoxKalman.update(mean, 8, cov, 12, 14, 20, 30, 40);
        for (int k = 0; k < 8; k++) {
            assertThat(mean[k]).isZero();
            assertThat(mean[16 + k]).isZero();
        }
        assertThat(mean[8]).isGreaterThan(10).isLessThan(14);
    }

    private static void assertSame(double[] mean, double[] cov, FullKalman ref) {
        for (int k = 0; k < 8; k++) {
            assertThat(mean[k]).isCloseTo(ref.x[k], within(1e-6 * (1 + Math.abs(ref.x[k]))));
        }
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 8; j++) {
                double expected = ref.p[i][j];
                double got;
                int di = i % 4;
                int dj = j % 4;
                if (di != dj) {
                    got = 0.0;
                } else {
                    int c = 3 * di + (i < 4 ? 0 : 1) + (j < 4 ? 0 : 1);
                    got = cov[c];
                }
                assertThat(got).as("P[%d][%d]", i, j)
                        .isCloseTo(expected, within(1e-6 * (1 + Math.abs(expected))));
            }
        }
    }

    /** Plain 8x8 Kalman filter with the same noise model, written without any structure trick. */
    private static final class FullKalman {
        final double[] x = new double[8];
        double[][] p = new double[8][8];

        FullKalman(double cx, double cy, double w, double h) {
            x[0] = cx;
            x[1] = cy;
            x[2] = w;
            x[3] = h;
            double[] std = {2 * w / 20, 2 * h / 20, 2 * w / 20, 2 * h / 20,
                10 * w / 160, 10 * h / 160, 10 * w / 160, 10 * h / 160};
            for (int i = 0; i < 8; i++) {
                p[i][i] = std[i] * std[i];
            }
        }

        void predict() {
            double w = x[2];
            double h = x[3];
            double[][] f = identity(8);
            for (int i = 0; i < 4; i++) {
                f[i][i + 4] = 1;
            }
            double[] std = {w / 20, h / 20, w / 20, h / 20, w / 160, h / 160, w / 160, h / 160};
            double[] nx = new double[8];
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 8; j++) {
                    nx[i] += f[i][j] * x[j];
                }
            }
            System.arraycopy(nx, 0, x, 0, 8);
            p = mul(mul(f, p), transpose(f));
            for (int i = 0; i < 8; i++) {
                p[i][i] += std[i] * std[i];
            }
        }

        void update(double[] z) {
            double w = x[2];
            double h = x[3];
            double[] r = {w / 20, h / 20, w / 20, h / 20};
            double[][] hm = new double[4][8];
            for (int i = 0; i < 4; i++) {
                hm[i][i] = 1;
            }
            double[][] s = mul(mul(hm, p), transpose(hm));
            for (int i = 0; i < 4; i++) {
                s[i][i] += r[i] * r[i];
            }
            double[][] k = mul(mul(p, transpose(hm)), invert(s));
            double[] y = new double[4];
            for (int i = 0; i < 4; i++) {
                y[i] = z[i] - x[i];
            }
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 4; j++) {
                    x[i] += k[i][j] * y[j];
                }
            }
            double[][] ikh = identity(8);
            double[][] kh = mul(k, hm);
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 8; j++) {
                    ikh[i][j] -= kh[i][j];
                }
            }
            p = mul(ikh, p);
        }

        static double[][] identity(int n) {
            double[][] m = new double[n][n];
            for (int i = 0; i < n; i++) {
                m[i][i] = 1;
            }
            return m;
        }

        static double[][] transpose(double[][] a) {
            double[][] t = new double[a[0].length][a.length];
            for (int i = 0; i < a.length; i++) {
                for (int j = 0; j < a[0].length; j++) {
                    t[j][i] = a[i][j];
                }
            }
            return t;
        }

        static double[][] mul(double[][] a, double[][] b) {
            double[][] c = new double[a.length][b[0].length];
            for (int i = 0; i < a.length; i++) {
                for (int k = 0; k < b.length; k++) {
                    for (int j = 0; j < b[0].length; j++) {
                        c[i][j] += a[i][k] * b[k][j];
                    }
                }
            }
            return c;
        }

        /** Gauss-Jordan inverse with partial pivoting. */
        static double[][] invert(double[][] a) {
            int n = a.length;
            double[][] m = new double[n][2 * n];
            for (int i = 0; i < n; i++) {
                System.arraycopy(a[i], 0, m[i], 0, n);
                m[i][n + i] = 1;
            }
            for (int col = 0; col < n; col++) {
                int piv = col;
                for (int r = col + 1; r < n; r++) {
                    if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) {
                        piv = r;
                    }
                }
                double[] tmp = m[col];
                m[col] = m[piv];
                m[piv] = tmp;
                double d = m[col][col];
                for (int j = 0; j < 2 * n; j++) {
                    m[col][j] /= d;
                }
                for (int r = 0; r < n; r++) {
                    if (r != col) {
                        double f = m[r][col];
                        for (int j = 0; j < 2 * n; j++) {
                            m[r][j] -= f * m[col][j];
                        }
                    }
                }
            }
            double[][] inv = new double[n][n];
            for (int i = 0; i < n; i++) {
                System.arraycopy(m[i], n, inv[i], 0, n);
            }
            return inv;
        }
    }
}
