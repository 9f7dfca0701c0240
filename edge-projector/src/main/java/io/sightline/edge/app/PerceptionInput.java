package io.sightline.edge.app;

/** The shared perception an application may read; declared so that a host can check it provides them. */
public enum PerceptionInput {
    /** Confirmed tracks of the classes the application judges, with filtered range, range rate, acceleration and lateral state. */
    CONFIRMED_TRACKS,
    /** The latest fresh ego-state sample: speed, and the event that carried it. */
    VEHICLE_STATE,
    /** The camera-health episode in force ({@code CameraObstructed}), which decisions name among their causes. */
    CAMERA_HEALTH
}
