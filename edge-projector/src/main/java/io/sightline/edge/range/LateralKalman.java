package io.sightline.edge.range;

/**
 * Kalman filter on one object's lateral position: state (X, Ẋ), constant velocity driven by white
 * acceleration. The lateral speed is what lets the vulnerable-road-user rule see that a pedestrian
 * on the kerb will be in the ego path by the time the ego gets there. Allocation-free.
 */
public final class LateralKalman {

    private final double accelPsd;
    private final double initialSpeedSigmaMps;

    private boolean initialised;
    private long timeNanos;
    private double x;
    private double vx;
    private double pxx;
    private double pxv;
    private double pvv;

    /**
     * @param accelPsd power spectral density of the white lateral acceleration, m²/s³
     * @param initialSpeedSigmaMps prior spread of the lateral speed when a track starts
     */
    public LateralKalman(double accelPsd, double initialSpeedSigmaMps) {
        if (!(accelPsd > 0) || !(initialSpeedSigmaMps > 0)) {
            throw new IllegalArgumentException("LateralKalman parameters must be positive");
        }
        this.accelPsd = accelPsd;
        this.initialSpeedSigmaMps = initialSpeedSigmaMps;
    }

    public void reset() {
        initialised = false;
    }

    public boolean isInitialised() {
        return initialised;
    }

    public void predictTo(long tNanos) {
        if (!initialised || tNanos <= timeNanos) {
            return;
        }
        double dt = (tNanos - timeNanos) * 1e-9;
        timeNanos = tNanos;
        x += vx * dt;
        double nxx = pxx + 2 * dt * pxv + dt * dt * pvv;
        double nxv = pxv + dt * pvv;
        pxx = nxx + accelPsd * dt * dt * dt / 3;
        pxv = nxv + accelPsd * dt * dt / 2;
        pvv = pvv + accelPsd * dt;
    }

    public void update(long tNanos, double lateralM, double sigmaM) {
        double r = sigmaM * sigmaM;
        if (!initialised) {
            initialised = true;
            timeNanos = tNanos;
            x = lateralM;
            vx = 0;
            pxx = r;
            pxv = 0;
            pvv = initialSpeedSigmaMps * initialSpeedSigmaMps;
            return;
        }
        predictTo(tNanos);
        double s = pxx + r;
        double y = lateralM - x;
        double kx = pxx / s;
        double kv = pxv / s;
        x += kx * y;
        vx += kv * y;
        double oxx = pxx;
        double oxv = pxv;
        pxx -= kx * oxx;
        pxv -= kx * oxv;
        pvv -= kv * oxv;
    }

    /** Lateral position of the object's centre, m, positive to the right. */
    public double lateralM() {
        return x;
    }

    public double lateralSpeedMps() {
        return vx;
    }

    public double lateralSpeedSigmaMps() {
        return Math.sqrt(Math.max(0, pvv));
    }
}
