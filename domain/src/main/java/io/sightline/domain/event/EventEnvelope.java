package io.sightline.domain.event;

import java.util.Objects;

/**
 * One event as the edge journal holds it: the producer's id, its place in the session and its
 * edge time, around the immutable payload.
 *
 * @param eventId         made by the producer, never by the record; stable across re-sends
 * @param sequence        position in the drive session, from 0, gap-free
 * @param occurredAtNanos edge wall-clock time, epoch nanoseconds; never goes backwards in a session
 */
public record EventEnvelope(String eventId, long sequence, long occurredAtNanos, SightlineEvent payload) {

    public EventEnvelope {
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
