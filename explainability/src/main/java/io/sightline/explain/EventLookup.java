package io.sightline.explain;

import io.sightline.domain.event.SightlineEvent;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The read port the explainability engines need from an event store. query-api implements it over
 * PostgreSQL ({@code io.sightline.cloud.trace.JdbcEventLookup}); {@link InMemoryEventLookup} over a
 * list of events. Every method is a bulk or indexed lookup: the trace engine calls
 * {@link #findByIds} once per level of the causal DAG, never once per node, because round trips,
 * not rows, dominate the latency of a trace.
 */
public interface EventLookup {

    /** The stored events with these ids; ids that are not stored are absent from the map. */
    Map<String, StoredEvent> findByIds(Collection<String> eventIds);

    /**
     * A hint that lets an implementation with an index of causes load a whole upstream DAG in one
     * round trip: the events reachable from {@code fromIds} by following causes at most
     * {@code maxHops} times (the starting events included). The answer may be incomplete (such an
     * index is a projection and may lag), so callers treat an absent id as "ask again", never as
     * missing. The default prefetches nothing.
     */
    default Map<String, StoredEvent> prefetchUpstream(Collection<String> fromIds, int maxHops) {
        return Map.of();
    }

    /** The AlertRaised whose {@code alertId} is this, or whose event id is this. */
    Optional<StoredEvent> findAlert(String alertId);

    /** Events that name {@code eventId} among their causes (the alert's actuation, clearing and review). */
    List<StoredEvent> findEffects(String eventId);

    /**
     * Events that name any of {@code eventIds} among their causes, each once, in store order: every
     * detection on a set of frames, say. The default asks {@link #findEffects(String)} per id; a
     * store with an index of causes answers in one round trip.
     */
    default List<StoredEvent> findEffectsOfAny(Collection<String> eventIds) {
        Map<String, StoredEvent> byId = new java.util.LinkedHashMap<>();
        for (String id : eventIds) {
            for (StoredEvent e : findEffects(id)) {
                byId.putIfAbsent(e.eventId(), e);
            }
        }
        List<StoredEvent> out = new java.util.ArrayList<>(byId.values());
        out.sort(java.util.Comparator.comparingLong(StoredEvent::globalIndex).thenComparingLong(StoredEvent::sequence));
        return out;
    }

    /** The session's DriveSessionStarted (sequence 0). */
    Optional<StoredEvent> sessionStart(String sessionId);

    /**
     * The latest ModelActivated of the session for this sha256 stored at or before
     * {@code atOrBeforeGlobalIndex} (before {@code atOrBeforeSequence} where there is no global index).
     */
    Optional<StoredEvent> modelActivation(String sessionId, String modelSha256, long atOrBeforeGlobalIndex, long atOrBeforeSequence);

    /**
     * The session's events of the given types whose edge time lies in [{@code fromNanos},
     * {@code toNanos}], in session order.
     */
    List<StoredEvent> sessionEvents(String sessionId, long fromNanos, long toNanos, Set<Class<? extends SightlineEvent>> types);
}
