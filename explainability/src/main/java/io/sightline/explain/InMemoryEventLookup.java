package io.sightline.explain;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.SightlineEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An {@link EventLookup} over events held in memory: for the CLI over an exported session and for
 * tests of the engines without a database. It answers exactly what the JDBC implementation answers
 * for the same events (effects come from the payloads' causes, as trace_edges does in the store).
 */
public final class InMemoryEventLookup implements EventLookup {

    private final Map<String, StoredEvent> byId = new LinkedHashMap<>();
    private final Map<String, List<StoredEvent>> effects = new HashMap<>();
    private final Map<String, List<StoredEvent>> bySession = new HashMap<>();
    private final boolean prefetching;
    private int lookups;

    /** Without prefetching, as a store with no index of causes: the engine walks level by level. */
    public InMemoryEventLookup(Collection<StoredEvent> events) {
        this(events, false);
    }

    /** @param prefetching whether {@link #prefetchUpstream} answers (as PostgreSQL with trace_edges does) */
    public InMemoryEventLookup(Collection<StoredEvent> events, boolean prefetching) {
        this.prefetching = prefetching;
        for (StoredEvent e : events) {
            if (byId.putIfAbsent(e.eventId(), e) != null) {
                throw new IllegalArgumentException("event id stored twice: " + e.eventId());
            }
            bySession.computeIfAbsent(e.sessionId(), k -> new ArrayList<>()).add(e);
            for (String cause : e.causes()) {
                effects.computeIfAbsent(cause, k -> new ArrayList<>()).add(e);
            }
        }
        bySession.values().forEach(l -> l.sort(Comparator.comparingLong(StoredEvent::sequence)));
    }

    /** How many lookups were made: lets a test see that a trace batches by level. */
    public int lookups() {
        return lookups;
    }

    @Override
    public Map<String, StoredEvent> findByIds(Collection<String> eventIds) {
        lookups++;
        Map<String, StoredEvent> out = new LinkedHashMap<>();
        for (String id : eventIds) {
            StoredEvent e = byId.get(id);
            if (e != null) {
                out.put(id, e);
            }
        }
        return out;
    }

    @Override
    public Map<String, StoredEvent> prefetchUpstream(Collection<String> fromIds, int maxHops) {
        lookups++;
        if (!prefetching) {
            return Map.of();
        }
        Map<String, StoredEvent> out = new LinkedHashMap<>();
        List<String> level = new ArrayList<>(fromIds);
        for (int hop = 0; hop <= maxHops && !level.isEmpty(); hop++) {
            List<String> next = new ArrayList<>();
            for (String id : level) {
                StoredEvent e = byId.get(id);
                if (e != null && out.putIfAbsent(id, e) == null) {
                    next.addAll(e.causes());
                }
            }
            level = next;
        }
        return out;
    }

    @Override
    public Optional<StoredEvent> findAlert(String alertId) {
        lookups++;
        StoredEvent direct = byId.get(alertId);
        if (direct != null && direct.payload() instanceof AlertRaised) {
            return Optional.of(direct);
        }
        return byId.values().stream().filter(e -> e.payload() instanceof AlertRaised a && a.alertId().equals(alertId)).findFirst();
    }

    @Override
    public List<StoredEvent> findEffects(String eventId) {
        lookups++;
        return List.copyOf(effects.getOrDefault(eventId, List.of()));
    }

    @Override
    public Optional<StoredEvent> sessionStart(String sessionId) {
        lookups++;
        return bySession.getOrDefault(sessionId, List.of()).stream()
                .filter(e -> e.sequence() == 0 && e.payload() instanceof DriveSessionStarted).findFirst();
    }

    @Override
    public Optional<StoredEvent> modelActivation(String sessionId, String modelSha256, long atOrBeforeGlobalIndex,
                                                 long atOrBeforeSequence) {
        lookups++;
        StoredEvent found = null;
        for (StoredEvent e : bySession.getOrDefault(sessionId, List.of())) {
            if (e.sequence() > atOrBeforeSequence) {
                break;
            }
            if (e.payload() instanceof ModelActivated m && m.modelSha256().equals(modelSha256)) {
                found = e;
            }
        }
        return Optional.ofNullable(found);
    }

    @Override
    public List<StoredEvent> sessionEvents(String sessionId, long fromNanos, long toNanos,
                                           Set<Class<? extends SightlineEvent>> types) {
        lookups++;
        List<StoredEvent> out = new ArrayList<>();
        for (StoredEvent e : bySession.getOrDefault(sessionId, List.of())) {
            if (e.occurredAtNanos() >= fromNanos && e.occurredAtNanos() <= toNanos && types.contains(e.payload().getClass())) {
                out.add(e);
            }
        }
        return out;
    }
}
