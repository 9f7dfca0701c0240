package io.sightline.inference;

import io.sightline.domain.event.SightlineEvent;

/**
 * An event as produced at the edge: the producer-assigned id and edge wall-clock time around the
 * payload. The journal wraps it into an {@code EventEnvelope} by adding the session sequence.
 */
public record ProducedEvent(String eventId, long occurredAtNanos, SightlineEvent payload) {
}
