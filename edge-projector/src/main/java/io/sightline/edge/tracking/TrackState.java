package io.sightline.edge.tracking;

/** Track lifecycle: tentative → confirmed ⇄ lost → removed. */
public enum TrackState {
    /** Born from an unmatched detection; not reported until it has enough hits in a row. */
    TENTATIVE,
    /** Matched to a detection this frame and reported. */
    CONFIRMED,
    /** Unmatched this frame; kept and predicted so that it can be re-found with the same id. */
    LOST,
    /** Gone for good: lost for longer than the lost-track budget. Its id is never reused. */
    REMOVED
}
