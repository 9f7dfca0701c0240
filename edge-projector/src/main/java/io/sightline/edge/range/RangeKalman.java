package io.sightline.edge.range;

/**
 * Kalman filter on one object's range: state (range d, range rate ḋ, range acceleration d̈), a
 * constant-acceleration model driven by white jerk. Closing speed is −ḋ and relative acceleration
 * d̈, so both come from the whole track history weighted by its noise rather than from two-frame
 * differences, which at 30 Hz would turn a 1 % range error into a ±10 m/s speed error.
 *
 * <p>Measurements are range (camera, radar) and optionally range rate (radar). A range whose
 * normalised innovation exceeds {@link #gateSigma} standard deviations is rejected (a clutter box
 * taken in by the tracker, say); after {@link #MAX_CONSECUTIVE_REJECTS} rejections in a row the
 * filter restarts from the measurement, because by then it is the filter that is wrong.
 *
 * <p>Mutable, allocation-free; one instance per track, reused through {@link #reset()}.
 */
public final class RangeKalman {

    /** Rejections in a row after which the filter re-initialises on the measurement. */
    public static final int MAX_CONSECUTIVE_REJECTS = 5;

    private final double jerkPsd;
    private final double initialRateSigmaMps;
    private final double initialAccelSigmaMps2;
    private final double gateSigma;

    private boolean initialised;
    private long timeNanos;
    private long initTimeNanos;
    private int updates;
    private int consecutiveRejects;
    private double d;
    private double v;
    private double a;
    // symmetric covariance
    private double pdd;
    private double pdv;
    private double pda;
    private double pvv;
    private double pva;
    private double paa;

    /**
     * @param jerkPsd power spectral density of the white jerk driving the model, m²/s⁵: larger
     *     follows braking onsets faster, smaller averages noise longer
     * @param initialRateSigmaMps prior spread of the range rate when a track starts
     * @param initialAccelSigmaMps2 prior spread of the range acceleration when a track starts
     * @param gateSigma innovation gate, standard deviations
     */
    public RangeKalman(double jerkPsd, double initialRateSigmaMps, double initialAccelSigmaMps2, double gateSigma) {
        if (!(jerkPsd > 0) || !(initialRateSigmaMps > 0) || !(initialAccelSigmaMps2 > 0) || !(gateSigma > 0)) {
            throw new IllegalArgumentException("RangeKalman parameters must be positive");
        }
        this.jerkPsd = jerkPsd;
        this.initialRateSigmaMps = initialRateSigmaMps;
        this.initialAccelSigmaMps2 = initialAccelSigmaMps2;
        this.gateSigma = gateSigma;
    }

    public void reset() {
        initialised = false;
        updates = 0;
        consecutiveRejects = 0;
    }

    public boolean isInitialised() {
        return initialised;
    }

    private void init(long tNanos, double rangeM, double rangeVar, double rate, double rateVar) {
        initialised = true;
        timeNanos = tNanos;
        initTimeNanos = tNanos;
        updates = 1;
        consecutiveRejects = 0;
        d = rangeM;
        v = rate;
        a = 0;
        pdd = rangeVar;
        pdv = 0;
        pda = 0;
        pvv = rateVar;
        pva = 0;
        paa = initialAccelSigmaMps2 * initialAccelSigmaMps2;
    }

    /** Propagates the state to {@code tNanos}; a time in the past is ignored (no retrodiction). */
    public void predictTo(long tNanos) {
        if (!initialised || tNanos <= timeNanos) {
            return;
        }
        double dt = (tNanos - timeNanos) * 1e-9;
        timeNanos = tNanos;
        double dt2 = dt * dt;
        d += v * dt + 0.5 * a * dt2;
        v += a * dt;
        // P = F P Fᵀ with F = [[1, dt, dt²/2], [0, 1, dt], [0, 0, 1]]
        double h = 0.5 * dt2;
        double ndd = pdd + 2 * dt * pdv + 2 * h * pda + dt2 * pvv + 2 * dt * h * pva + h * h * paa;
        double ndv = pdv + dt * pda + dt * pvv + dt2 * pva + h * pva + h * dt * paa;
        double nda = pda + dt * pva + h * paa;
        double nvv = pvv + 2 * dt * pva + dt2 * paa;
        double nva = pva + dt * paa;
        // + Q for white jerk
        double q = jerkPsd;
        double dt3 = dt2 * dt;
        pdd = ndd + q * dt3 * dt2 / 20;
        pdv = ndv + q * dt2 * dt2 / 8;
        pda = nda + q * dt3 / 6;
        pvv = nvv + q * dt3 / 3;
        pva = nva + q * dt2 / 2;
        paa = paa + q * dt;
    }

    /**
     * Takes a range measurement at {@code tNanos}; starts the filter on the first one.
     *
     * @return false when the measurement was rejected by the innovation gate
     */
    public boolean updateRange(long tNanos, double rangeM, double sigmaM) {
        if (!initialised) {
            init(tNanos, rangeM, sigmaM * sigmaM, 0, initialRateSigmaMps * initialRateSigmaMps);
            return true;
        }
        predictTo(tNanos);
        double r = sigmaM * sigmaM;
        double y = rangeM - d;
        double s = pdd + r;
        if (y * y > gateSigma * gateSigma * s) {
            if (++consecutiveRejects >= MAX_CONSECUTIVE_REJECTS) {
                init(tNanos, rangeM, r, 0, initialRateSigmaMps * initialRateSigmaMps);
                return true;
            }
            return false;
        }
        consecutiveRejects = 0;
        updates++;
        applyRange(y, s);
        return true;
    }

    /** Takes a range and range-rate measurement (radar) with independent noise. */
    public void updateRangeAndRate(long tNanos, double rangeM, double rangeSigmaM, double rateMps, double rateSigmaMps) {
        if (!initialised) {
            init(tNanos, rangeM, rangeSigmaM * rangeSigmaM, rateMps, rateSigmaMps * rateSigmaMps);
            return;
        }
        predictTo(tNanos);
        updates++;
        applyRange(rangeM - d, pdd + rangeSigmaM * rangeSigmaM);
        double s = pvv + rateSigmaMps * rateSigmaMps;
        double y = rateMps - v;
        double kd = pdv / s;
        double kv = pvv / s;
        double ka = pva / s;
        d += kd * y;
        v += kv * y;
        a += ka * y;
        double odv = pdv;
        double ovv = pvv;
        double ova = pva;
        pdd -= kd * odv;
        pdv -= kd * ovv;
        pda -= kd * ova;
        pvv -= kv * ovv;
        pva -= kv * ova;
        paa -= ka * ova;
    }

    private void applyRange(double y, double s) {
        double kd = pdd / s;
        double kv = pdv / s;
        double ka = pda / s;
        d += kd * y;
        v += kv * y;
        a += ka * y;
        double odd = pdd;
        double odv = pdv;
        double oda = pda;
        pdd -= kd * odd;
        pdv -= kd * odv;
        pda -= kd * oda;
        pvv -= kv * odv;
        pva -= kv * oda;
        paa -= ka * oda;
    }

    public double rangeM() {
        return d;
    }

    /** dRange/dt, m/s: negative when closing. */
    public double rangeRateMps() {
        return v;
    }

    /** d²Range/dt², m/s²: negative when the gap closes ever faster (lead braking). */
    public double rangeAccelMps2() {
        return a;
    }

    public double rangeSigmaM() {
        return Math.sqrt(Math.max(0, pdd));
    }

    public double rangeRateSigmaMps() {
        return Math.sqrt(Math.max(0, pvv));
    }

    public double rangeAccelSigmaMps2() {
        return Math.sqrt(Math.max(0, paa));
    }

    /** Covariance of range and range rate, m²/s. */
    public double covRangeRate() {
        return pdv;
    }

    /** Covariance of range and range acceleration, m²/s². */
    public double covRangeAccel() {
        return pda;
    }

    /** Covariance of range rate and range acceleration, m²/s³. */
    public double covRateAccel() {
        return pva;
    }

    /** Measurements taken since the filter (re)started. */
    public int updates() {
        return updates;
    }

    /** Time the filter has been running since it (re)started, s. */
    public double ageS() {
        return initialised ? (timeNanos - initTimeNanos) * 1e-9 : 0;
    }

    public long timeNanos() {
        return timeNanos;
    }
}
