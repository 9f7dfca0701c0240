package io.sightline.edge.range;

import io.sightline.domain.event.CameraCalibration;

/**
 * Calibrated pinhole camera above a flat road, pitched down by {@code pitchRad}.
 *
 * <p>World frame (the scenario spec's): origin at the camera, Z forward, X right, Y down; the road
 * is the plane {@code Y = mountingHeightM}. The camera frame is the world frame rotated about X by
 * the pitch, so a point's depth along the optical axis is {@code zc = Z cosθ + Y sinθ} and its
 * height in the camera frame {@code yc = Y cosθ − Z sinθ}. The same model projects the simulated
 * world and inverts detections in the estimator, so a pitch error in one shows up in both.
 */
public record CameraModel(double fxPx, double fyPx, double cxPx, double cyPx, int widthPx, int heightPx,
                          double mountingHeightM, double pitchRad) {

    public CameraModel {
        requirePositive("fxPx", fxPx);
        requirePositive("fyPx", fyPx);
        requireFinite("cxPx", cxPx);
        requireFinite("cyPx", cyPx);
        if (widthPx <= 0 || heightPx <= 0) {
            throw new IllegalArgumentException("image size must be positive: " + widthPx + "x" + heightPx);
        }
        requirePositive("mountingHeightM", mountingHeightM);
        if (!(Math.abs(pitchRad) < Math.PI / 4)) {
            throw new IllegalArgumentException("pitchRad must be finite and within ±π/4: " + pitchRad);
        }
    }

    public static CameraModel of(CameraCalibration c) {
        return new CameraModel(c.fxPx(), c.fyPx(), c.cxPx(), c.cyPx(), c.imageWidthPx(), c.imageHeightPx(),
                c.mountingHeightM(), c.pitchRad());
    }

    public CameraCalibration toCalibration(String calibrationId, boolean assumed) {
        return new CameraCalibration(calibrationId, fxPx, fyPx, cxPx, cyPx, widthPx, heightPx,
                mountingHeightM, pitchRad, assumed);
    }

    /** Depth along the optical axis of world point (Y down, Z forward); ≤ 0 means behind the camera. */
    public double depthM(double yM, double zM) {
        return zM * Math.cos(pitchRad) + yM * Math.sin(pitchRad);
    }

    /** Image column of a world point; only meaningful when {@link #depthM} is positive. */
    public double columnPx(double xM, double yM, double zM) {
        return cxPx + fxPx * xM / depthM(yM, zM);
    }

    /** Image row of a world point; only meaningful when {@link #depthM} is positive. */
    public double rowPx(double yM, double zM) {
        double yc = yM * Math.cos(pitchRad) - zM * Math.sin(pitchRad);
        return cyPx + fyPx * yc / depthM(yM, zM);
    }

    /** Image row of the horizon (the vanishing line of the road plane). */
    public double horizonRowPx() {
        return cyPx - fyPx * Math.tan(pitchRad);
    }

    /**
     * Forward distance Z of the road point seen at image row {@code rowPx}: the ray's angle below
     * the horizontal is {@code θ + atan((v − cy)/fy)}, and it meets the road at {@code H / tan(angle)}.
     * For θ = 0 this is the textbook {@code Z = fy·H / (v − v_horizon)}. Returns +∞ at or above
     * the horizon (the ray never meets the road).
     */
    public double groundRangeM(double rowPx) {
        double angle = pitchRad + Math.atan((rowPx - cyPx) / fyPx);
        if (!(angle > 0)) {
            return Double.POSITIVE_INFINITY;
        }
        return mountingHeightM / Math.tan(angle);
    }

    /** dZ/dv of {@link #groundRangeM}, metres per pixel (for error propagation); positive number. */
    public double groundRangeSensitivityMPerPx(double rowPx) {
        double t = (rowPx - cyPx) / fyPx;
        double angle = pitchRad + Math.atan(t);
        double s = Math.sin(angle);
        // d/dv [H cot(angle)] = H / sin²(angle) · d(angle)/dv, d(angle)/dv = 1 / (fy (1 + t²))
        return mountingHeightM / (s * s) / (fyPx * (1 + t * t));
    }

    private static void requirePositive(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be positive and finite: " + v);
        }
    }

    private static void requireFinite(String name, double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be finite: " + v);
        }
    }
}
