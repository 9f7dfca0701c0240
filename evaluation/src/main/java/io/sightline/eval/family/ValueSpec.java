package io.sightline.eval.family;

import java.util.Arrays;
import java.util.Locale;
import org.apache.commons.statistics.distribution.ContinuousDistribution;
import org.apache.commons.statistics.distribution.LogNormalDistribution;
import org.apache.commons.statistics.distribution.NormalDistribution;
import org.apache.commons.statistics.distribution.TruncatedNormalDistribution;
import org.apache.commons.statistics.distribution.UniformContinuousDistribution;

/**
 * What a numeric field of a scenario family holds: a fixed value, a distribution, a grid or an
 * expression over the family's named parameters. Distributions are sampled by their inverse CDF
 * (Apache Commons Statistics) from one uniform draw each, so a parameter's value depends only on
 * the run's seed and its place in the file, and a later importance sampler can weigh the same
 * draws by the densities.
 */
public sealed interface ValueSpec {

    /**
     * Uniform draws are kept inside [U_MIN, U_MAX]: a normal or log-normal is cut at its 1e-9 and
     * 1 − 1e-9 quantiles (about ±6σ), which the load-time check probes.
     */
    double U_MIN = 1e-9;
    double U_MAX = 1 - 1e-9;

    /** True when each run draws a value (consumes one uniform of the parameter stream). */
    default boolean random() {
        return false;
    }

    /** The smallest value a run can get (for the load-time check), NaN for an expression. */
    double low();

    /** The largest value a run can get, NaN for an expression. */
    double high();

    /** A central value, for probing the other parameters. */
    double centre();

    /** The value for uniform draw u (random specs only). */
    default double sample(double u) {
        throw new UnsupportedOperationException(describe() + " is not random");
    }

    /** One line for reports, e.g. {@code uniform(10, 20)}. */
    String describe();

    /** Clamps a uniform draw into [U_MIN, U_MAX]. */
    static double clampU(double u) {
        return Math.max(U_MIN, Math.min(U_MAX, u));
    }

    record Fixed(double value) implements ValueSpec {
        public double low() {
            return value;
        }

        public double high() {
            return value;
        }

        public double centre() {
            return value;
        }

        public String describe() {
            return num(value);
        }
    }

    /** A continuous distribution from Apache Commons Statistics, sampled by its inverse CDF. */
    abstract sealed class Continuous implements ValueSpec permits Uniform, Normal, LogNormal {
        final ContinuousDistribution distribution;

        Continuous(ContinuousDistribution distribution) {
            this.distribution = distribution;
        }

        public ContinuousDistribution distribution() {
            return distribution;
        }

        @Override
        public boolean random() {
            return true;
        }

        @Override
        public double sample(double u) {
            return distribution.inverseCumulativeProbability(clampU(u));
        }

        public double low() {
            return sample(U_MIN);
        }

        public double high() {
            return sample(U_MAX);
        }

        public double centre() {
            return sample(0.5);
        }
    }

    final class Uniform extends Continuous {
        private final double min;
        private final double max;

        public Uniform(double min, double max) {
            super(UniformContinuousDistribution.of(min, max));
            this.min = min;
            this.max = max;
        }

        @Override
        public double low() {
            return min;
        }

        @Override
        public double high() {
            return max;
        }

        public String describe() {
            return "uniform(" + num(min) + ", " + num(max) + ")";
        }
    }

    /** Normal, truncated to [min, max] when either is finite. */
    final class Normal extends Continuous {
        private final double mean;
        private final double sd;
        private final double min;
        private final double max;

        public Normal(double mean, double sd, double min, double max) {
            super(Double.isInfinite(min) && Double.isInfinite(max) ? NormalDistribution.of(mean, sd)
                    : TruncatedNormalDistribution.of(mean, sd, min, max));
            this.mean = mean;
            this.sd = sd;
            this.min = min;
            this.max = max;
        }

        public String describe() {
            String cut = Double.isInfinite(min) && Double.isInfinite(max) ? ""
                    : ", cut to [" + num(min) + ", " + num(max) + "]";
            return "normal(mean " + num(mean) + ", sd " + num(sd) + cut + ")";
        }
    }

    /** Log-normal with the given median and σ of the logarithm. */
    final class LogNormal extends Continuous {
        private final double median;
        private final double sigma;

        public LogNormal(double median, double sigma) {
            super(LogNormalDistribution.of(Math.log(median), sigma));
            this.median = median;
            this.sigma = sigma;
        }

        public String describe() {
            return "logNormal(median " + num(median) + ", sigma " + num(sigma) + ")";
        }
    }

    /** One of {@code values} with the given probabilities (they sum to 1). */
    record Choice(double[] values, double[] weights) implements ValueSpec {
        @Override
        public boolean random() {
            return true;
        }

        @Override
        public double sample(double u) {
            double c = 0;
            for (int i = 0; i < values.length - 1; i++) {
                c += weights[i];
                if (u < c) {
                    return values[i];
                }
            }
            return values[values.length - 1];
        }

        public double low() {
            return Arrays.stream(values).min().orElseThrow();
        }

        public double high() {
            return Arrays.stream(values).max().orElseThrow();
        }

        public double centre() {
            return sample(0.5);
        }

        public String describe() {
            StringBuilder b = new StringBuilder("choice(");
            for (int i = 0; i < values.length; i++) {
                b.append(i == 0 ? "" : ", ").append(num(values[i])).append(" p ").append(num(weights[i]));
            }
            return b.append(')').toString();
        }
    }

    /** Every value in turn: each one is a cell of the family's grid. */
    record Grid(double[] values) implements ValueSpec {
        public double low() {
            return Arrays.stream(values).min().orElseThrow();
        }

        public double high() {
            return Arrays.stream(values).max().orElseThrow();
        }

        public double centre() {
            return values[values.length / 2];
        }

        public String describe() {
            StringBuilder b = new StringBuilder("grid(");
            for (int i = 0; i < values.length; i++) {
                b.append(i == 0 ? "" : ", ").append(num(values[i]));
            }
            return b.append(')').toString();
        }
    }

    /** A value computed from the named parameters. */
    record Expr(String text, Expression expression) implements ValueSpec {
        public double low() {
            return Double.NaN;
        }

        public double high() {
            return Double.NaN;
        }

        public double centre() {
            return Double.NaN;
        }

        public String describe() {
            return "expr(" + text + ")";
        }
    }

    public static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%s", v);
    }
}
