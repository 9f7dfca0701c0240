package io.sightline.edge.events;

import io.sightline.domain.event.SightlineEvent;

/**
 * Where the edge projector puts the events it produces, in causal order (an event is emitted after
 * every event it names in its causes). The id is made by the producer and is deterministic for a
 * given input, so a replay yields the same ids. Implementations: the journal, the scenario runner's
 * recorder, a test's list.
 */
public interface EdgeEventSink {

    /**
     * @param eventId producer-made id, unique within the session
     * @param occurredAtNanos stream time of the input that produced the event
     * @param event the immutable payload
     */
    void emit(String eventId, long occurredAtNanos, SightlineEvent event);

    /**
     * An input the projector refused (NaN or negative box size, NaN speed, a frame back in time,
     * ...), with the reason. The projector has already emitted it as an {@code InputRejected}
     * event through {@link #emit}; this hook is for a sink that counts or logs refusals as well.
     */
    default void inputRejected(String inputId, long atNanos, String reason) {
    }
}
