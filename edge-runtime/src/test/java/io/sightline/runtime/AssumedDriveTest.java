package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sightline.domain.event.CameraCalibration;
import io.sightline.edge.range.CameraModel;
import io.sightline.edge.range.ObjectClass;
import org.junit.jupiter.api.Test;

/** The documented assumptions hold in the camera model the estimator actually uses. */
class AssumedDriveTest {

    @Test
    void theHorizonSitsWhereTheBundledClipsLaneLinesConverge() {
        CameraModel camera = AssumedDrive.camera(960, 540);
        assertThat(camera.horizonRowPx()).isCloseTo(308, within(1.0));
        assertThat(camera.groundRangeM(308)).as("at the horizon the road is infinitely far").isInfinite();
    }

    @Test
    void groundPlaneAndKnownWidthRangesAgreeForACarInTheClip() {
        // The dark sedan in the left lane at frame 100: bottom row 385, about 95 px wide.
        CameraModel camera = AssumedDrive.camera(960, 540);
        double groundM = camera.groundRangeM(385);
        double widthM = camera.fxPx() * ObjectClass.CAR.widthM() / 95.0;
        assertThat(groundM / widthM).isBetween(0.8, 1.25);
    }

    @Test
    void theCalibrationIsRecordedAsAssumed() {
        CameraCalibration c = AssumedDrive.calibration(AssumedDrive.camera(960, 540));
        assertThat(c.assumed()).isTrue();
        assertThat(c.calibrationId()).isEqualTo(AssumedDrive.CALIBRATION_ID);
        assertThat(c.mountingHeightM()).isEqualTo(AssumedDrive.MOUNTING_HEIGHT_M);
        assertThat(AssumedDrive.calibration(AssumedDrive.camera(1280, 720)).fxPx()).as("focal length scales with width")
                .isCloseTo(AssumedDrive.FOCAL_LENGTH_PX * 1280 / 960, within(1e-9));
    }
}
