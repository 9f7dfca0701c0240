package io.sightline.explain.trace;

import io.sightline.domain.event.SightlineEvent;
import io.sightline.explain.StoredEvent;

/**
 * One event of a causal trace.
 *
 * @param role         what the event is to the alert (see {@link Role})
 * @param sessionTimeS edge time since the session started, s (NaN without a DriveSessionStarted)
 * @param summary      one line for a person, with units
 */
public record TraceNode(String eventId, String type, Role role, long occurredAtNanos, double sessionTimeS, String summary,
                        StoredEvent event) {

    /** Where a node sits relative to the alert. */
    public enum Role {
        /** The AlertRaised itself. */
        ALERT,
        /** Upstream: the alert was computed from it (directly or transitively). */
        CAUSE,
        /** An earlier update of a deciding track (and its detection and frame), inside the history bound. */
        TRACK_HISTORY,
        /** DriveSessionStarted or ModelActivated: the configuration the decision was made under. */
        PROVENANCE,
        /** Downstream of the alert: actuation, clearing, review. */
        CONSEQUENCE
    }

    public SightlineEvent payload() {
        return event.payload();
    }
}
