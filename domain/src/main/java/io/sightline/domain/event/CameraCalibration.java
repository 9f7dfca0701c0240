package io.sightline.domain.event;

/**
 * Pinhole calibration of the forward camera, recorded in {@link DriveSessionStarted} so that a
 * range estimate can be explained later without today's configuration.
 *
 * @param calibrationId     name of the calibration (e.g. "udacity-540p-assumed-v1")
 * @param fxPx              focal length along x, pixels
 * @param fyPx              focal length along y, pixels
 * @param cxPx              principal point x, pixels
 * @param cyPx              principal point y, pixels
 * @param imageWidthPx      image width the intrinsics refer to
 * @param imageHeightPx     image height the intrinsics refer to
 * @param mountingHeightM   camera height above the road, metres
 * @param pitchRad          downward pitch, radians (0 = level)
 * @param assumed           true when the values are assumptions, not a measured calibration
 */
public record CameraCalibration(
        String calibrationId,
        double fxPx,
        double fyPx,
        double cxPx,
        double cyPx,
        int imageWidthPx,
        int imageHeightPx,
        double mountingHeightM,
        double pitchRad,
        boolean assumed) {
}
