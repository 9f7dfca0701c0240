package io.sightline.domain.event;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One event as the edge journal holds it: the producer's id, its place in the session and its
 * edge time, around the immutable payload.
 *
 * @param eventId         made by the producer, never by the record; stable across re-sends
 * @param sequence        position in the drive session, from 0, gap-free
 * @param occurredAtNanos edge wall-clock time, epoch nanoseconds; never goes backwards in a session
 * @param traceparent     W3C trace context of the edge span that produced the event, or {@code null};
 *                        stored in metadata so a cloud-side span links back to the edge frame
 */
public record EventEnvelope(String eventId, long sequence, long occurredAtNanos, SightlineEvent payload, String traceparent) {

    private static final Pattern TRACEPARENT = Pattern.compile("^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$");

    public EventEnvelope(String eventId, long sequence, long occurredAtNanos, SightlineEvent payload) {
        this(eventId, sequence, occurredAtNanos, payload, null);
    }

    public EventEnvelope {
        if (traceparent != null && !TRACEPARENT.matcher(traceparent).matches()) {
            throw new IllegalArgumentException("traceparent must be W3C 'version-traceid-spanid-flags' (lower-case hex), got '"
                    + traceparent + "'");
        }
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(payload, "payload");
        if (eventId.isBlank()) {
            throw new IllegalArgumentException("eventId must not be blank");
        }
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence must be >= 0, got " + sequence);
        }
    }
}
