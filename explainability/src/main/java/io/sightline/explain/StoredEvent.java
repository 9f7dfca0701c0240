package io.sightline.explain;

import io.sightline.domain.event.DerivedEvent;
import io.sightline.domain.event.EventCatalog;
import io.sightline.domain.event.SightlineEvent;
import java.util.List;
import java.util.Objects;

/**
 * One event as the store holds it: the producer's id, its place in the session and the global
 * stream, its edge time, and the decoded (upcast) payload.
 *
 * @param eventId         producer-assigned id ({@code domain_event_entry.event_identifier})
 * @param sessionId       drive session = aggregate identifier
 * @param sequence        position in the session, from 0
 * @param globalIndex     position in the global stream; -1 when the store has none (in memory)
 * @param occurredAtNanos edge wall-clock time, epoch ns
 */
public record StoredEvent(String eventId, String sessionId, long sequence, long globalIndex, long occurredAtNanos,
                          SightlineEvent payload) {

    public StoredEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(payload, "payload");
    }

    /** The catalog name of the payload, e.g. {@code RiskAssessed}. */
    public String type() {
        return EventCatalog.nameOf(payload);
    }

    /** The ids this event was computed from; empty for root events. */
    public List<String> causes() {
        return payload instanceof DerivedEvent d && d.causes() != null ? d.causes() : List.of();
    }
}
