package io.sightline.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.explain.sample.SyntheticDrive;
import io.sightline.explain.trace.CausalTrace;
import io.sightline.explain.trace.CausalTraceEngine;
import io.sightline.explain.trace.NoSuchAlertException;
import io.sightline.explain.trace.TraceNode;
import io.sightline.explain.trace.TraceOptions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The walk over real event records held in memory: exact nodes, roles, edges, bounds and batching. */
class CausalTraceEngineTest {

    static final String S = "s-unit";

    static String f(int k) {
        return S + "/f" + k;
    }

    static String tu(int k) {
        return f(k) + "/trk-1";
    }

    static String det(int k) {
        return f(k) + "/det-0";
    }

    /** Every edge of alert 1's trace with the default bounds (0.5 s window reaches back to the track's start at 10.0 s). */
    static Set<String> expectedEdges(int oldestUpdate) {
        Set<String> e = new LinkedHashSet<>();
        e.add(S + "/alert/1 -> " + tu(4) + "/FORWARD_COLLISION");
        e.add(tu(4) + "/FORWARD_COLLISION -> " + tu(4));
        e.add(tu(4) + "/FORWARD_COLLISION -> " + f(4) + "/ego");
        for (int k = 4; k >= oldestUpdate; k--) {
            e.add(tu(k) + " -> " + det(k));
            e.add(det(k) + " -> " + f(k));
            e.add(det(k) + " -> " + S + "/model/yolox (provenance)");
            if (k > oldestUpdate) {
                e.add(tu(k) + " -> " + tu(k - 1));
            }
        }
        if (oldestUpdate == 0) {
            e.add(tu(0) + " -> " + tu(0) + "/start");
            e.add(tu(0) + "/start -> " + det(0));
        }
        e.add(tu(4) + "/FORWARD_COLLISION -> " + S + "/start (provenance)");
        e.add(S + "/alert/1/act/buzzer -> " + S + "/alert/1");
        e.add(S + "/alert/1/review -> " + S + "/alert/1");
        return e;
    }

    @Test
    void traceHasExactlyTheLineageProvenanceAndConsequencesOfTheAlert() {
        SyntheticDrive drive = Sessions.unitSession(S);
        InMemoryEventLookup lookup = Sessions.lookup(drive.events(), S);
        CausalTrace trace = new CausalTraceEngine(lookup).trace(S + "/alert/1");

        Map<String, TraceNode.Role> roles = trace.nodes().values().stream()
                .collect(Collectors.toMap(TraceNode::eventId, TraceNode::role));
        Map<String, TraceNode.Role> expected = new java.util.HashMap<>();
        expected.put(S + "/alert/1", TraceNode.Role.ALERT);
        for (String id : List.of(tu(4) + "/FORWARD_COLLISION", tu(4), f(4) + "/ego", det(4), f(4))) {
            expected.put(id, TraceNode.Role.CAUSE);
        }
        for (int k = 0; k < 4; k++) {
            expected.put(tu(k), TraceNode.Role.TRACK_HISTORY);
            expected.put(det(k), TraceNode.Role.TRACK_HISTORY);
            expected.put(f(k), TraceNode.Role.TRACK_HISTORY);
        }
        expected.put(tu(0) + "/start", TraceNode.Role.TRACK_HISTORY);
        expected.put(S + "/start", TraceNode.Role.PROVENANCE);
        expected.put(S + "/model/yolox", TraceNode.Role.PROVENANCE);
        expected.put(S + "/alert/1/act/buzzer", TraceNode.Role.CONSEQUENCE);
        expected.put(S + "/alert/1/review", TraceNode.Role.CONSEQUENCE);
        assertThat(roles).isEqualTo(expected);
        assertThat(trace.nodes()).hasSize(23);
        assertThat(trace.edgeStrings()).containsExactlyInAnyOrderElementsOf(expectedEdges(0));
        assertThat(trace.truncatedCauseIds()).isEmpty();
        assertThat(trace.missingCauseIds()).isEmpty();

        TraceNode decision = trace.decidingAssessment().orElseThrow();
        assertThat(decision.sessionTimeS()).isCloseTo(10.4, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(decision.summary()).isEqualTo(
                "FORWARD_COLLISION WARNING on trk-1: range 18.4 m, closing 9 m/s, rel. accel 0 m/s², TTC 2.04 s, ego 22.4 m/s");
        assertThat(trace.nodes().get(S + "/model/yolox").summary()).isEqualTo("yolox-nano 0.1.1rc0 (primary, sha256 695e…)");
    }

    @Test
    void walkAsksTheStoreOncePerLevelNotOncePerNode() {
        SyntheticDrive drive = Sessions.unitSession(S);
        InMemoryEventLookup lookup = Sessions.lookup(drive.events(), S);
        CausalTrace trace = new CausalTraceEngine(lookup).trace(S + "/alert/1");
        // alert; prefetch (empty); 8 levels (RA; TU4+ego; det4+TU3; ... ; frame 0); session start; model; effects.
        assertThat(trace.lookups()).isEqualTo(13).isEqualTo(lookup.lookups());
    }

    @Test
    void prefetchedUpstreamGivesTheSameTraceInFiveRoundTrips() {
        SyntheticDrive drive = Sessions.unitSession(S);
        CausalTrace walked = new CausalTraceEngine(Sessions.lookup(drive.events(), S)).trace(S + "/alert/1");
        InMemoryEventLookup prefetching = new InMemoryEventLookup(Sessions.lookup(drive.events(), S)
                .findByIds(drive.events().stream().map(e -> e.eventId()).toList()).values(), true);
        CausalTrace trace = new CausalTraceEngine(prefetching).trace(S + "/alert/1");
        assertThat(trace.nodes().keySet()).isEqualTo(walked.nodes().keySet());
        assertThat(trace.edgeStrings()).isEqualTo(walked.edgeStrings());
        assertThat(trace.nodes().values()).extracting(TraceNode::role).isEqualTo(walked.nodes().values().stream().map(TraceNode::role).toList());
        // alert, prefetch, session start, model, effects
        assertThat(trace.lookups()).isEqualTo(5).isEqualTo(prefetching.lookups());

        // An incomplete prefetch (an index that lags) leaves the rest to the level walk: same trace.
        EventLookup lagging = new EventLookup() {
            public Map<String, StoredEvent> findByIds(java.util.Collection<String> ids) {
                return prefetching.findByIds(ids);
            }

            public Map<String, StoredEvent> prefetchUpstream(java.util.Collection<String> ids, int maxHops) {
                return prefetching.prefetchUpstream(ids, 3);
            }

            public java.util.Optional<StoredEvent> findAlert(String alertId) {
                return prefetching.findAlert(alertId);
            }

            public List<StoredEvent> findEffects(String eventId) {
                return prefetching.findEffects(eventId);
            }

            public java.util.Optional<StoredEvent> sessionStart(String sessionId) {
                return prefetching.sessionStart(sessionId);
            }

            public java.util.Optional<StoredEvent> modelActivation(String s, String sha, long g, long q) {
                return prefetching.modelActivation(s, sha, g, q);
            }

            public List<StoredEvent> sessionEvents(String s, long f, long t, Set<Class<? extends io.sightline.domain.event.SightlineEvent>> types) {
                return prefetching.sessionEvents(s, f, t, types);
            }
        };
        CausalTrace partial = new CausalTraceEngine(lagging).trace(S + "/alert/1");
        assertThat(partial.nodes().keySet()).isEqualTo(walked.nodes().keySet());
        assertThat(partial.edgeStrings()).isEqualTo(walked.edgeStrings());
        // RA, TU4+ego, det4+TU3, f4+det3+TU2 came prefetched (hops 0-3); the 4 levels from f3+det2+TU1 on are asked:
        // alert + prefetch + 4 + start, model, effects.
        assertThat(partial.lookups()).isEqualTo(9);
    }

    @Test
    void trackHistoryStopsAtTheWindowAndRecordsWhereItWasCut() {
        SyntheticDrive drive = Sessions.unitSession(S);
        CausalTrace trace = new CausalTraceEngine(Sessions.lookup(drive.events(), S), new TraceOptions(250_000_000L, 12))
                .trace(S + "/alert/1");
        // Decision at 10.4 s, cutoff 10.15 s: updates at 10.3 and 10.2 s stay, 10.1 s is cut.
        assertThat(trace.truncatedCauseIds()).containsExactly(tu(1));
        assertThat(trace.nodes()).hasSize(16).doesNotContainKey(tu(1)).doesNotContainKey(f(1)).containsKey(f(2));
        Set<String> edges = expectedEdges(2);
        assertThat(trace.edgeStrings()).containsExactlyInAnyOrderElementsOf(edges);

        CausalTrace byCount = new CausalTraceEngine(Sessions.lookup(drive.events(), S), new TraceOptions(10_000_000_000L, 1))
                .trace(S + "/alert/1");
        assertThat(byCount.truncatedCauseIds()).containsExactly(tu(2));
        assertThat(byCount.nodesOfType("TrackUpdated")).extracting(TraceNode::eventId).containsExactly(tu(4), tu(3));
    }

    @Test
    void unknownAlertAndMissingCausesAreReportedNotHidden() {
        SyntheticDrive drive = Sessions.unitSession(S);
        List<StoredEvent> withoutFrame4 = Sessions.lookup(drive.events(), S).findByIds(
                drive.events().stream().map(e -> e.eventId()).filter(id -> !id.equals(f(4))).toList()).values().stream().toList();
        CausalTrace trace = new CausalTraceEngine(new InMemoryEventLookup(withoutFrame4)).trace(S + "/alert/1");
        assertThat(trace.missingCauseIds()).containsExactly(f(4));
        assertThat(trace.nodes()).doesNotContainKey(f(4)).containsKey(det(4));

        assertThatThrownBy(() -> new CausalTraceEngine(Sessions.lookup(drive.events(), S)).trace("nope"))
                .isInstanceOf(NoSuchAlertException.class).hasMessageContaining("nope");
    }
}
