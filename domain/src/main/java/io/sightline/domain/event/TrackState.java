package io.sightline.domain.event;

/** Track lifecycle. Values are persisted by name: never rename or reuse one. */
public enum TrackState {
    TENTATIVE,
    CONFIRMED,
    LOST,
    REMOVED
}
