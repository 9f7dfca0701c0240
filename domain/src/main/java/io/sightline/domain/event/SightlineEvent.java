package io.sightline.domain.event;

/**
 * Marker for every event in the Sightline catalog ({@code docs/events.md}).
 *
 * <p>Event records never carry their own id: the producer assigns it in the {@link EventEnvelope},
 * so a re-sent event keeps the id it was born with and PostgreSQL's unique key on
 * {@code event_identifier} can reject a double.
 */
public interface SightlineEvent {
}
