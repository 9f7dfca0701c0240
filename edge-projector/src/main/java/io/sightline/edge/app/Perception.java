package io.sightline.edge.app;

/**
 * The shared perception at the current input, as an application sees it. A view the projector
 * updates in place: read it during the call, never keep it.
 */
public interface Perception {

    /** Stream time of the current input, ns. */
    long timeNanos();

    /** Id of the current frame (or of the measurement standing for it). */
    String frameId();

    /** Ego speed from the latest fresh vehicle-state sample, m/s. */
    double egoSpeedMps();

    /** Id of that {@code VehicleStateSampled} event: a cause of any decision that uses the speed. */
    String vehicleStateId();

    /** Whether a vehicle-state sample is fresh enough to decide with; no decision is made otherwise. */
    boolean egoStateFresh();

    /** Camera pitch against the road, rad: turns a range along the ray into a depth along the road. */
    double cameraPitchRad();
}
