package io.sightline.explain.trace;

/**
 * How far back the walk follows a track's own history. The deciding TrackUpdated and its
 * detection and frame are always included; earlier updates of the same track matter only over the
 * window the estimators look at (TTC from scale expansion uses 0.3 s or more, the range filter
 * forgets within about a second), and following the chain to the track's birth would make one
 * trace cost as many round trips as the track has frames.
 *
 * @param trackHistoryWindowNanos earlier TrackUpdated/TrackStarted events are kept while they are
 *                                at most this much older than the deciding assessment
 * @param maxTrackHistoryUpdates  and at most this many of them per track, whatever the frame rate
 */
public record TraceOptions(long trackHistoryWindowNanos, int maxTrackHistoryUpdates) {

    /** 0.5 s and 12 updates: the 0.3 s TTC window at 25 fps with room to spare. */
    public static final TraceOptions DEFAULTS = new TraceOptions(500_000_000L, 12);

    public TraceOptions {
        if (trackHistoryWindowNanos < 0 || maxTrackHistoryUpdates < 0) {
            throw new IllegalArgumentException("track history bounds must be >= 0");
        }
    }
}
