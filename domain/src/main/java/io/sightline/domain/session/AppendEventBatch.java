package io.sightline.domain.session;

import io.sightline.domain.event.EventEnvelope;
import java.util.List;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * Append a contiguous run of edge events to a drive session.
 *
 * @param firstSequence the sequence of {@code events.get(0)}; the events must be consecutive
 */
public record AppendEventBatch(
        @TargetAggregateIdentifier String sessionId,
        long firstSequence,
        List<EventEnvelope> events) {

    public AppendEventBatch {
        events = List.copyOf(events);
    }
}
