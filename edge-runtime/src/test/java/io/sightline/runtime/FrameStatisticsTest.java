package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.sightline.inference.ProjectHome;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import io.sightline.testkit.ProjectHomeExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The picture statistics on a real road frame, and on the same frame darkened, blurred and covered. */
@ExtendWith(ProjectHomeExtension.class)
class FrameStatisticsTest {

    private static Mat road() {
        Mat m = opencv_imgcodecs.imread(ProjectHome.get().resolve("inference-adapters/src/test/resources/images/test1.jpg").toString());
        assertThat(m.empty()).as("test image").isFalse();
        return m;
    }

    @Test
    void darkeningBlurringAndCoveringMoveTheirStatistic() {
        try (FrameStatistics stats = new FrameStatistics(); Mat road = road(); Mat dark = new Mat(); Mat blurred = new Mat();
             Mat covered = new Mat(road.rows(), road.cols(), road.type(), new Scalar(30, 30, 30, 0))) {
            stats.measure(road);
            double luma = stats.meanLuma();
            double spread = stats.lumaStdDev();
            double sharpness = stats.laplacianVariance();
            assertThat(luma).isBetween(30.0, 230.0);
            assertThat(stats.rmsContrast()).isCloseTo(spread / 255, offset(1e-12));

            // 40 % darker: every pixel times 0.6, so brightness and spread scale by 0.6 and sharpness by 0.36.
            road.convertTo(dark, -1, 0.6, 0);
            stats.measure(dark);
            assertThat(stats.meanLuma() / luma).isCloseTo(0.6, offset(0.02));
            assertThat(stats.lumaStdDev() / spread).isCloseTo(0.6, offset(0.03));
            assertThat(stats.laplacianVariance() / sharpness).isCloseTo(0.36, offset(0.05));

            opencv_imgproc.GaussianBlur(road, blurred, new Size(31, 31), 8);
            stats.measure(blurred);
            assertThat(stats.meanLuma()).isCloseTo(luma, offset(2.0));
            assertThat(stats.laplacianVariance()).as("blur").isLessThan(sharpness / 10);

            stats.measure(covered);
            assertThat(stats.meanLuma()).isCloseTo(30, offset(0.5));
            assertThat(stats.lumaStdDev()).isCloseTo(0, offset(1e-9));
            assertThat(stats.laplacianVariance()).isCloseTo(0, offset(1e-9));
        }
    }

    @Test
    void aGreyFrameAndAChangeOfSizeWork() {
        try (FrameStatistics stats = new FrameStatistics(); Mat grey = new Mat(90, 160, opencv_core.CV_8UC1, new Scalar(200)); Mat road = road()) {
            stats.measure(road);
            stats.measure(grey);
            assertThat(stats.meanLuma()).isCloseTo(200, offset(1e-9));
        }
    }
}
