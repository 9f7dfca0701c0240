package io.sightline.explain.trace;

/**
 * A directed edge "{@code fromEventId} was computed from {@code toEventId}".
 *
 * @param kind {@link Kind#CAUSE} when the event's {@code causes} name the other,
 *             {@link Kind#PROVENANCE} when it was made under that configuration event
 */
public record TraceEdge(String fromEventId, String toEventId, Kind kind) {

    public enum Kind { CAUSE, PROVENANCE }
}
