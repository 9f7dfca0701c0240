package io.sightline.edge.range;

/**
 * Monocular range of a road user from one detection box.
 *
 * <ul>
 *   <li><b>Ground plane:</b> the box bottom is where the object meets the road; its row gives
 *       {@code Z = H / tan(θ + atan((v − cy)/fy))} ({@link CameraModel#groundRangeM}), which is
 *       {@code fy·H/(v − v_horizon)} for a level camera. Its error grows with Z²: one pixel is
 *       worth {@code Z²/(fy·H)} metres, and pitch error (road slope, suspension) adds
 *       {@code fy·σθ} pixels.</li>
 *   <li><b>Known width:</b> {@code Z = fx·W/(w·cosθ)} with the class's width prior W. Its relative
 *       error is the box-width error over w combined with the prior's spread σW/W; a wrong prior
 *       scales the range but not the time to collision, which is why it is still worth having.</li>
 *   <li><b>Fusion:</b> inverse-variance weighting, {@code Z = (Zg/σg² + Zw/σw²)/(1/σg² + 1/σw²)},
 *       {@code σ² = 1/(1/σg² + 1/σw²)}; the minimum-variance unbiased combination of two
 *       independent estimates.</li>
 * </ul>
 * A box edge on the image border is clipped, so the measurement that needs it is not used.
 * Stateless apart from its configuration; allocation-free.
 */
public final class MonocularRange {

    /**
     * A box edge within this distance of the image border is treated as clipped. A detector's box
     * around an object cut by the border ends a pixel or two inside it (its edges jitter by about
     * that much), so at 0.5 px most clipped boxes passed as whole: their width and bottom row were
     * taken as the object's, and a car passed at the lane edge was ranged too far and placed in the
     * path as it left the image (the lane-edge benign families, docs/evaluation.md).
     */
    static final double BORDER_TOLERANCE_PX = 3.0;

    private final CameraModel camera;
    private final double edgeSigmaPx;
    private final double pitchSigmaRad;
    private final double minRowsBelowHorizonPx;

    /**
     * @param edgeSigmaPx one standard deviation of a detector box edge, px
     * @param pitchSigmaRad one standard deviation of the camera's dynamic pitch against the road
     *     (slope changes, braking dive), rad
     * @param minRowsBelowHorizonPx the box bottom must be at least this far below the horizon for
     *     a ground-plane range: closer to the horizon the range is unbounded
     */
    public MonocularRange(CameraModel camera, double edgeSigmaPx, double pitchSigmaRad, double minRowsBelowHorizonPx) {
        if (!(edgeSigmaPx > 0) || !(pitchSigmaRad >= 0) || !(minRowsBelowHorizonPx > 0)) {
            throw new IllegalArgumentException("sigmas must be positive: edge " + edgeSigmaPx
                    + ", pitch " + pitchSigmaRad + ", rows " + minRowsBelowHorizonPx);
        }
        this.camera = camera;
        this.edgeSigmaPx = edgeSigmaPx;
        this.pitchSigmaRad = pitchSigmaRad;
        this.minRowsBelowHorizonPx = minRowsBelowHorizonPx;
    }

    public CameraModel camera() {
        return camera;
    }

    /** Measures box (x1, y1, x2, y2), px, of an object of class {@code cls} into {@code out}. */
    public void measure(double x1, double y1, double x2, double y2, ObjectClass cls, RangeMeasurement out) {
        out.clear();
        boolean leftClipped = x1 <= BORDER_TOLERANCE_PX;
        boolean rightClipped = x2 >= camera.widthPx() - BORDER_TOLERANCE_PX;
        boolean bottomClipped = y2 >= camera.heightPx() - BORDER_TOLERANCE_PX;

        if (cls.touchesGround() && !bottomClipped && y2 - camera.horizonRowPx() >= minRowsBelowHorizonPx) {
            double z = camera.groundRangeM(y2);
            double rowSigmaPx = Math.hypot(edgeSigmaPx, camera.fyPx() * pitchSigmaRad);
            out.groundRangeM = z;
            out.groundSigmaM = camera.groundRangeSensitivityMPerPx(y2) * rowSigmaPx;
        }
        double widthPx = x2 - x1;
        if (cls.hasWidthPrior() && !leftClipped && !rightClipped && widthPx > 0) {
            double z = camera.fxPx() * cls.widthM() / (widthPx * Math.cos(camera.pitchRad()));
            // two independent edges make up the width
            double relPx = Math.sqrt(2) * edgeSigmaPx / widthPx;
            double relPrior = cls.widthSigmaM() / cls.widthM();
            out.widthRangeM = z;
            out.widthSigmaM = z * Math.hypot(relPx, relPrior);
        }
        fuse(out);
        if (!out.isValid()) {
            return;
        }
        double depth = out.rangeM * Math.cos(camera.pitchRad());
        double centrePx;
        if (!leftClipped && !rightClipped) {
            centrePx = 0.5 * (x1 + x2);
        } else if (cls.hasWidthPrior() && !(leftClipped && rightClipped)) {
            // one edge is real: the centre is half a prior width beyond it
            double halfWidthPx = 0.5 * cls.widthM() * camera.fxPx() / depth;
            centrePx = leftClipped ? x2 - halfWidthPx : x1 + halfWidthPx;
        } else {
            centrePx = 0.5 * (x1 + x2);
        }
        out.bearingTan = (centrePx - camera.cxPx()) / camera.fxPx();
    }

    private static void fuse(RangeMeasurement m) {
        boolean g = Double.isFinite(m.groundRangeM) && m.groundSigmaM > 0;
        boolean w = Double.isFinite(m.widthRangeM) && m.widthSigmaM > 0;
        if (g && w) {
            double wg = 1 / (m.groundSigmaM * m.groundSigmaM);
            double ww = 1 / (m.widthSigmaM * m.widthSigmaM);
            m.rangeM = (m.groundRangeM * wg + m.widthRangeM * ww) / (wg + ww);
            m.sigmaM = Math.sqrt(1 / (wg + ww));
        } else if (g) {
            m.rangeM = m.groundRangeM;
            m.sigmaM = m.groundSigmaM;
        } else if (w) {
            m.rangeM = m.widthRangeM;
            m.sigmaM = m.widthSigmaM;
        }
    }
}
