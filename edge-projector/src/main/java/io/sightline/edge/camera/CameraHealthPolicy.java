package io.sightline.edge.camera;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * When the camera counts as obstructed: named thresholds on each frame's picture statistics,
 * versioned like the risk policy and recorded in full in every {@code CameraObstructed}. The
 * statistics are those of {@code FrameStatistics} (grey, quarter resolution).
 *
 * <p>Defaults, from the bundled clips measured on 2026-12-07 (docs/observability.md): daytime
 * road frames have mean luma 97–132, luma spread 41–57 and Laplacian variance 535–1,900; the same
 * frames under a Gaussian blur of σ = 6 px have a Laplacian variance of 11–27. The thresholds sit
 * well inside the gaps, so that a healthy daytime camera never trips them.
 *
 * @param coveredLumaStdDevBelow       a picture this uniform shows nothing (lens cap, mud, a hand)
 * @param darkMeanLumaBelow            brightness (8-bit) below which the detector cannot see
 * @param blurredLaplacianVarianceBelow sharpness below which edges are gone (fog, condensation, dirt, focus)
 * @param confirmAfterS                a condition must hold this long before it is reported (a passing shadow, a bridge)
 * @param restoreAfterS                and be absent this long before recovery is reported
 */
public record CameraHealthPolicy(String version, double coveredLumaStdDevBelow, double darkMeanLumaBelow,
                                 double blurredLaplacianVarianceBelow, double confirmAfterS, double restoreAfterS) {

    public static final String DEFAULT_VERSION = "camera-health-1";

    public CameraHealthPolicy {
        if (version == null || version.isBlank()) {
            throw new IllegalArgumentException("a camera-health policy needs a version");
        }
        for (double v : new double[] {coveredLumaStdDevBelow, darkMeanLumaBelow, blurredLaplacianVarianceBelow, confirmAfterS, restoreAfterS}) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("camera-health thresholds must be finite and >= 0, got " + v);
            }
        }
    }

    public static CameraHealthPolicy defaults() {
        return new CameraHealthPolicy(DEFAULT_VERSION, 10.0, 20.0, 60.0, 1.0, 2.0);
    }

    /** The thresholds by name, as recorded in the events. */
    public Map<String, Double> thresholds() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("coveredLumaStdDevBelow", coveredLumaStdDevBelow);
        m.put("darkMeanLumaBelow", darkMeanLumaBelow);
        m.put("blurredLaplacianVarianceBelow", blurredLaplacianVarianceBelow);
        m.put("confirmAfterS", confirmAfterS);
        m.put("restoreAfterS", restoreAfterS);
        return m;
    }
}
