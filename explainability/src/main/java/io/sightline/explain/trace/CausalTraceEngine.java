package io.sightline.explain.trace;

import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.TrackStarted;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.explain.EventLookup;
import io.sightline.explain.StoredEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds the causal DAG of one alert by walking {@code causes} upstream from the AlertRaised:
 * RiskAssessed → TrackUpdated (and the track's earlier updates inside {@link TraceOptions}) and
 * VehicleStateSampled → DetectionObserved → FrameCaptured; then adds the provenance the decision
 * was made under (the session's DriveSessionStarted, the ModelActivated of every model that
 * produced a detection, by sha256) and the alert's consequences (actuation, clearing, review).
 *
 * <p>Round trips, not rows, dominate the latency, so the walk first asks the store to prefetch the
 * whole upstream DAG within the history bound ({@link EventLookup#prefetchUpstream}: one recursive
 * query over {@code trace_edges} in PostgreSQL) and then asks only for what the prefetch lacked,
 * one whole level at a time: with a caught-up index a trace is five round trips; without one it
 * costs one per level of the DAG (about 4 plus the track history), never one per node.
 * Spring-free: query-api supplies the JDBC {@link EventLookup}.
 */
public final class CausalTraceEngine {

    private final EventLookup lookup;
    private final TraceOptions options;

    public CausalTraceEngine(EventLookup lookup, TraceOptions options) {
        this.lookup = lookup;
        this.options = options;
    }

    public CausalTraceEngine(EventLookup lookup) {
        this(lookup, TraceOptions.DEFAULTS);
    }

    public CausalTrace trace(String alertId) {
        int[] lookups = {1};
        StoredEvent alert = lookup.findAlert(alertId).orElseThrow(() -> new NoSuchAlertException(alertId));
        Map<String, StoredEvent> included = new LinkedHashMap<>();
        Map<String, TraceNode.Role> roles = new HashMap<>();
        included.put(alert.eventId(), alert);
        roles.put(alert.eventId(), TraceNode.Role.ALERT);

        Set<String> truncated = new LinkedHashSet<>();
        Set<String> missing = new LinkedHashSet<>();
        Set<String> seen = new LinkedHashSet<>(Set.of(alert.eventId()));
        // Hops back along a track's own chain (0 = the update the assessment names), per pending id.
        Map<String, Integer> trackDepth = new HashMap<>();
        // Reached only from history nodes: a history update's detection and frame are history too.
        Map<String, TraceNode.Role> inheritedRole = new HashMap<>();
        long historyCutoffNanos = Long.MIN_VALUE;

        Set<String> frontier = new LinkedHashSet<>();
        for (String cause : alert.causes()) {
            if (seen.add(cause)) {
                frontier.add(cause);
            }
        }
        // Alert → RA → deciding update → up to N earlier updates → detection → frame, plus a hop for TrackStarted.
        Map<String, StoredEvent> prefetched = frontier.isEmpty() ? Map.of()
                : lookup.prefetchUpstream(frontier, options.maxTrackHistoryUpdates() + 4);
        if (!frontier.isEmpty()) {
            lookups[0]++;
        }
        while (!frontier.isEmpty()) {
            Map<String, StoredEvent> found = new HashMap<>();
            List<String> ask = new ArrayList<>();
            for (String id : frontier) {
                StoredEvent e = prefetched.get(id);
                if (e != null) {
                    found.put(id, e);
                } else {
                    ask.add(id);
                }
            }
            if (!ask.isEmpty()) {
                found.putAll(lookup.findByIds(ask));
                lookups[0]++;
            }
            Set<String> next = new LinkedHashSet<>();
            for (String id : frontier) {
                StoredEvent e = found.get(id);
                if (e == null) {
                    missing.add(id);
                    continue;
                }
                TraceNode.Role role = inheritedRole.getOrDefault(id, TraceNode.Role.CAUSE);
                boolean trackEvent = e.payload() instanceof TrackUpdated || e.payload() instanceof TrackStarted;
                int depth = trackDepth.getOrDefault(id, 0);
                if (trackEvent && depth > 0) {
                    if (depth > options.maxTrackHistoryUpdates() || e.occurredAtNanos() < historyCutoffNanos) {
                        truncated.add(id);
                        continue;
                    }
                    role = TraceNode.Role.TRACK_HISTORY;
                }
                if (e.payload() instanceof RiskAssessed) {
                    long cutoff = e.occurredAtNanos() - options.trackHistoryWindowNanos();
                    historyCutoffNanos = historyCutoffNanos == Long.MIN_VALUE ? cutoff : Math.min(historyCutoffNanos, cutoff);
                }
                included.put(id, e);
                roles.put(id, role);
                for (String cause : e.causes()) {
                    if (trackEvent) {
                        trackDepth.merge(cause, depth + 1, Math::min);
                    }
                    if (role == TraceNode.Role.TRACK_HISTORY) {
                        inheritedRole.putIfAbsent(cause, TraceNode.Role.TRACK_HISTORY);
                    } else {
                        inheritedRole.put(cause, TraceNode.Role.CAUSE);
                    }
                    if (seen.add(cause)) {
                        next.add(cause);
                    }
                }
            }
            frontier = next;
        }

        List<TraceEdge> edges = new ArrayList<>();
        for (StoredEvent e : included.values()) {
            for (String cause : e.causes()) {
                if (included.containsKey(cause)) {
                    edges.add(new TraceEdge(e.eventId(), cause, TraceEdge.Kind.CAUSE));
                }
            }
        }

        // Provenance: what the decision was configured with, recorded in the session itself.
        Optional<StoredEvent> start = lookup.sessionStart(alert.sessionId());
        lookups[0]++;
        start.ifPresent(s -> {
            included.putIfAbsent(s.eventId(), s);
            roles.put(s.eventId(), TraceNode.Role.PROVENANCE);
            for (StoredEvent e : List.copyOf(included.values())) {
                if (e.payload() instanceof RiskAssessed) {
                    edges.add(new TraceEdge(e.eventId(), s.eventId(), TraceEdge.Kind.PROVENANCE));
                }
            }
        });
        Map<String, List<StoredEvent>> detectionsBySha = new LinkedHashMap<>();
        for (StoredEvent e : included.values()) {
            if (e.payload() instanceof DetectionObserved d) {
                detectionsBySha.computeIfAbsent(d.modelSha256(), k -> new ArrayList<>()).add(e);
            }
        }
        for (Map.Entry<String, List<StoredEvent>> bySha : detectionsBySha.entrySet()) {
            long maxGlobal = bySha.getValue().stream().mapToLong(StoredEvent::globalIndex).max().orElse(Long.MAX_VALUE);
            long maxSeq = bySha.getValue().stream().mapToLong(StoredEvent::sequence).max().orElse(Long.MAX_VALUE);
            Optional<StoredEvent> model = lookup.modelActivation(alert.sessionId(), bySha.getKey(), maxGlobal, maxSeq);
            lookups[0]++;
            model.ifPresent(m -> {
                included.putIfAbsent(m.eventId(), m);
                roles.put(m.eventId(), TraceNode.Role.PROVENANCE);
                for (StoredEvent d : bySha.getValue()) {
                    edges.add(new TraceEdge(d.eventId(), m.eventId(), TraceEdge.Kind.PROVENANCE));
                }
            });
        }

        for (StoredEvent effect : lookup.findEffects(alert.eventId())) {
            if (included.putIfAbsent(effect.eventId(), effect) == null) {
                roles.put(effect.eventId(), TraceNode.Role.CONSEQUENCE);
                edges.add(new TraceEdge(effect.eventId(), alert.eventId(), TraceEdge.Kind.CAUSE));
            }
        }
        lookups[0]++;

        long startNanos = start.map(s -> ((DriveSessionStarted) s.payload()).startTimeNanos()).orElse(Long.MIN_VALUE);
        Map<String, TraceNode> nodes = new LinkedHashMap<>();
        for (StoredEvent e : included.values()) {
            double sessionTimeS = startNanos == Long.MIN_VALUE ? Double.NaN : (e.occurredAtNanos() - startNanos) / 1e9;
            nodes.put(e.eventId(), new TraceNode(e.eventId(), e.type(), roles.get(e.eventId()), e.occurredAtNanos(), sessionTimeS,
                    EventSummaries.summarize(e.payload()), e));
        }
        String alertIdValue = ((io.sightline.domain.event.AlertRaised) alert.payload()).alertId();
        return new CausalTrace(alertIdValue, alert.eventId(), alert.sessionId(), nodes, List.copyOf(edges), truncated, missing,
                lookups[0]);
    }
}
