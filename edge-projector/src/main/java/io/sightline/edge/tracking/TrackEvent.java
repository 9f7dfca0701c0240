package io.sightline.edge.tracking;

/** What happened to a reported track in the frame just processed. */
public enum TrackEvent {
    /** First frame the track is confirmed; it took in a detection (see the row's detection index). */
    STARTED,
    /** A confirmed track took in a detection, including a lost track being re-found. */
    UPDATED,
    /** The track found no detection this frame and is now lost (still predicted, not removed). */
    LOST,
    /** The track is removed; this implies it is lost if it was confirmed in the previous frame. */
    REMOVED,
    /** A lost track stayed lost: nothing to emit. */
    NONE
}
