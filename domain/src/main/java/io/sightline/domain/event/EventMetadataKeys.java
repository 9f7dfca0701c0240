package io.sightline.domain.event;

/** Metadata keys written next to every stored event. Never rename one: stored events use them. */
public final class EventMetadataKeys {

    /** The producer-assigned event id; also becomes Axon's event identifier. */
    public static final String EVENT_ID = "eventId";
    /** Edge wall-clock time of the event, epoch nanoseconds. */
    public static final String OCCURRED_AT_NANOS = "occurredAtNanos";
    /** W3C trace context of the edge span that produced the event. */
    public static final String TRACEPARENT = "traceparent";

    /**
     * The edge sequence of every event from a session's first tier gap on (ADR-0027), and of a window
     * uploaded later on demand: the store's sequence then differs. Absent means the two are equal and
     * the store is in the edge's order.
     */
    public static final String EDGE_SEQUENCE = "edgeSequence";

    private EventMetadataKeys() {
    }
}
