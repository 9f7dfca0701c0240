package io.sightline.explain.trace;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.SightlineEvent;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The causal DAG of one alert: nodes by event id (in walk order: alert, then each level upstream,
 * then provenance, then consequences) and edges "computed from".
 *
 * @param truncatedCauseIds causes not followed because they lie outside the track-history bound
 * @param missingCauseIds   causes named by an event but not found in the store
 * @param lookups           round trips to the store the walk made
 */
public record CausalTrace(String alertId, String alertEventId, String sessionId, Map<String, TraceNode> nodes,
                          List<TraceEdge> edges, Set<String> truncatedCauseIds, Set<String> missingCauseIds, int lookups) {

    public TraceNode alertNode() {
        return nodes.get(alertEventId);
    }

    public AlertRaised alert() {
        return (AlertRaised) alertNode().payload();
    }

    /** The RiskAssessed the alert names: the decision to explain. */
    public Optional<TraceNode> decidingAssessment() {
        return alert().causes().stream().map(nodes::get)
                .filter(n -> n != null && n.payload() instanceof RiskAssessed).findFirst();
    }

    public Optional<DriveSessionStarted> sessionStarted() {
        return payloads(DriveSessionStarted.class).stream().findFirst();
    }

    public <T extends SightlineEvent> List<T> payloads(Class<T> type) {
        return nodes.values().stream().map(TraceNode::payload).filter(type::isInstance).map(type::cast).toList();
    }

    public List<TraceNode> nodesOfType(String type) {
        return nodes.values().stream().filter(n -> n.type().equals(type)).toList();
    }

    /** The detections the deciding track took in, newest first by walk order. */
    public List<DetectionObserved> detections() {
        return payloads(DetectionObserved.class);
    }

    /** Edges as "from -> to" strings, convenient to compare whole graphs. */
    public Set<String> edgeStrings() {
        return edges.stream().map(e -> e.fromEventId() + " -> " + e.toEventId() + (e.kind() == TraceEdge.Kind.PROVENANCE ? " (provenance)" : ""))
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    }
}
