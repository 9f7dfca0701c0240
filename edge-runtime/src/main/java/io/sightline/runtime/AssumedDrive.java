package io.sightline.runtime;

import io.sightline.domain.event.CameraCalibration;
import io.sightline.edge.range.CameraModel;

/**
 * What the bundled dashcam clips do not say about themselves, stated once and recorded in every
 * session they produce ({@code DriveSessionStarted.calibration.assumed = true}, and
 * {@code VehicleStateSampled.source} = {@link #EGO_SPEED_SOURCE}), so an investigator reading an
 * alert sees that its range and speed rest on assumptions, not measurements.
 *
 * <p><b>Camera</b> (960×540 Udacity clips): focal length 870 px, from Udacity's published
 * calibration of the same course's dashcam (about 1,156 px at 1280×720) scaled by 0.75; principal
 * point at the image centre; mounting height 1.2 m (a windscreen camera in a sedan); pitch
 * −0.0437 rad (2.5° up), which puts the horizon on row 308, where the lane lines of
 * {@code udacity_ll_solidWhiteRight.mp4} converge (read off frames 0 and 100). Only the horizon was
 * read from the clip; focal length and height are assumptions, so ranges may be off by tens of
 * percent. Cross-check: the ground-plane and known-width (1.8 m car) ranges of the cars in the
 * clip agree within about 20 %, and the estimator fuses both.
 *
 * <p><b>Ego speed</b>: the clips carry no CAN data. Without a speed the risk policy makes no
 * decision at all (a missing speed must not open the speed gates), so the run feeds a constant
 * {@link #EGO_SPEED_MPS} (90 km/h, the clip is highway driving) once per frame. Override with
 * {@code --ego-speed-mps}.
 */
public final class AssumedDrive {

    public static final String CALIBRATION_ID = "udacity-960x540-assumed-v1";
    public static final double FOCAL_LENGTH_PX = 870.0;
    public static final double MOUNTING_HEIGHT_M = 1.2;
    /** Negative: pitched up; horizon row = cy − fy·tan(pitch) = 270 + 38 = 308 px at 960×540. */
    public static final double PITCH_RAD = -0.0437;
    public static final double EGO_SPEED_MPS = 25.0;
    public static final String EGO_SPEED_SOURCE = "assumed-constant (clip has no vehicle signals)";

    private AssumedDrive() {
    }

    /** The assumed camera for a clip of this size (principal point at its centre, focal length scaled to its width). */
    public static CameraModel camera(int widthPx, int heightPx) {
        double fx = FOCAL_LENGTH_PX * widthPx / 960.0;
        return new CameraModel(fx, fx, widthPx / 2.0, heightPx / 2.0, widthPx, heightPx, MOUNTING_HEIGHT_M, PITCH_RAD);
    }

    public static CameraCalibration calibration(CameraModel camera) {
        String id = camera.widthPx() == 960 && camera.heightPx() == 540
                ? CALIBRATION_ID : "assumed-" + camera.widthPx() + "x" + camera.heightPx() + "-v1";
        return camera.toCalibration(id, true);
    }
}
