package io.sightline.app.clip;

/**
 * Where a composited lead vehicle is at time t, in the ego's road frame (X right, Z forward,
 * metres from the camera), and how big it is. {@link HazardClip#project} draws any motion that
 * answers these; the bundled clip's {@link LeadVehicleScript} is one, the video suites' scripts
 * (speed profiles, lane changes, other widths) are others.
 */
public interface LeadMotion {

    /** Rear face of the lead ahead of the camera. */
    double gapM(double tS);

    /** Centre of the lead, right of the camera axis. */
    double lateralM(double tS);

    double widthM();

    double heightM();
}
