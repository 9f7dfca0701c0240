package io.sightline.cloud.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.projection.AlertsProjection;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.cloud.testing.Projections;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.explain.InMemoryEventLookup;
import io.sightline.explain.StoredEvent;
import io.sightline.explain.margins.Counterfactual;
import io.sightline.explain.margins.Counterfactuals;
import io.sightline.explain.narrative.Narrative;
import io.sightline.explain.narrative.Narrator;
import io.sightline.explain.sample.SyntheticDrive;
import io.sightline.explain.trace.CausalTrace;
import io.sightline.explain.trace.CausalTraceEngine;
import io.sightline.explain.trace.TraceNode;
import io.sightline.explain.whatif.PolicyThresholds;
import io.sightline.explain.whatif.WhatIfReplay;
import io.sightline.explain.whatif.WhatIfReport;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The alerts projection and the causal-trace engine on the real Axon store in PostgreSQL, over a
 * session appended through ingestion with full lineage (frames, detections, tracks, vehicle state,
 * risk, alert, actuation, clearing, review).
 */
@CloudIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// The rebuild and the dead-letter test run last, in that order: the rebuild truncates the alerts the others read,
// and it replays everything stored, which must not yet include the dead-lettered session.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TraceIntegrationTest {

    static final long T0 = 1_764_000_000_000_000_000L;
    static final String S = "s-int";

    @Autowired
    IngestionService ingestion;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    Projections projections;
    @Autowired
    EventProcessingConfiguration processing;
    @Autowired
    CausalTraceEngine engine;
    @Autowired
    JdbcEventLookup lookup;
    @Autowired
    WhatIfReplay whatIf;
    @Autowired
    ExplainService explain;

    SyntheticDrive drive;

    /**
     * Approach 1 (trk-1, frames f0–f7) raises alert/1 at 10.4 s (18.4 m, 9 m/s, TTC 2.044 s) and
     * is never cleared; approach 2 (trk-2) raises nothing; approach 3 (trk-3, f12–f21, 15 m at
     * 9 m/s) raises alert/2 at 30.3 s (TTC 12.3/9 = 1.367 s), the lead cuts out at 30.6 s and the
     * alert clears after two assessments without a warning, at 30.7 s.
     */
    @BeforeAll
    void appendSessions() throws Exception {
        drive = new SyntheticDrive(S, T0).start("fleet-a", "veh-1", "v1", SyntheticDrive.POLICY_V1);
        drive.approach(10.0, 8, 10, 22.0, 9.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        drive.approach(20.0, 4, 10, 25.0, 10.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        drive.approach(30.0, 10, 10, 15.0, 9.0, 0.0, 22.4, 0.6, 2, "FALSE_POSITIVE");
        List<EventEnvelope> events = drive.events();
        // Several batches, so lineage crosses unit-of-work boundaries as it does from a real edge.
        for (int i = 0; i < events.size(); i += 40) {
            ingestion.append(S, i, events.subList(i, Math.min(events.size(), i + 40)));
        }
        await("alerts and trace edges", () -> count("select count(*) from alerts where session_id = ?", S) == 2
                && count("select count(*) from alerts where session_id = ? and verdict is not null", S) == 2
                && count("select count(*) from trace_edges where session_id = ? and cause_id = ?", S, S + "/alert/2") == 3);
    }

    long count(String sql, Object... args) {
        return jdbc.queryForObject(sql, Long.class, args);
    }

    void await(String what, BooleanSupplier condition) {
        projections.awaitProjection(what, condition, () -> "alerts: " + jdbc.queryForList("select * from alerts"));
    }

    InMemoryEventLookup inMemory() {
        return new InMemoryEventLookup(drive.events().stream()
                .map(e -> new StoredEvent(e.eventId(), S, e.sequence(), -1, e.occurredAtNanos(), e.payload())).toList());
    }

    @Test
    void alertsProjectionHasOneRowPerAlertWithFleetClearAndVerdict() {
        assertThat(processing.eventProcessor(AlertsProjection.NAME, PooledStreamingEventProcessor.class)).isPresent();
        List<Map<String, Object>> rows = jdbc.queryForList("select * from alerts where session_id = ? order by raised_at_nanos", S);
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).containsEntry("alert_id", S + "/alert/1").containsEntry("event_id", S + "/alert/1")
                .containsEntry("fleet_id", "fleet-a").containsEntry("vehicle_id", "veh-1").containsEntry("kind", "FORWARD_COLLISION")
                .containsEntry("level", "WARNING").containsEntry("track_id", "trk-1").containsEntry("policy_version", "v1")
                .containsEntry("raised_at_nanos", T0 + 10_400_000_000L).containsEntry("cleared_at_nanos", null)
                .containsEntry("verdict", "TRUE_POSITIVE").containsEntry("reviewer", "reviewer@fleet");
        assertThat(rows.get(1)).containsEntry("alert_id", S + "/alert/2").containsEntry("track_id", "trk-3")
                .containsEntry("raised_at_nanos", T0 + 30_300_000_000L).containsEntry("cleared_at_nanos", T0 + 30_700_000_000L)
                .containsEntry("cleared_reason", "CONDITION_ENDED").containsEntry("verdict", "FALSE_POSITIVE");
        Long storedIndex = jdbc.queryForObject("select global_index from domain_event_entry where event_identifier = ?", Long.class,
                S + "/alert/1");
        assertThat(rows.get(0)).containsEntry("global_index", storedIndex);
        assertThat(jdbc.queryForList("select model_sha256 from session_models where session_id = ?", String.class, S))
                .containsExactly(SyntheticDrive.YOLOX_SHA256);
    }

    @Test
    void traceFromTheStoreHasExactlyTheExpectedNodesAndEdges() {
        CausalTrace trace = engine.trace(S + "/alert/2");
        String ra = S + "/f15/trk-3/FORWARD_COLLISION";
        Map<String, TraceNode.Role> roles = trace.nodes().values().stream().collect(Collectors.toMap(TraceNode::eventId, TraceNode::role));
        Map<String, TraceNode.Role> expected = new java.util.HashMap<>();
        expected.put(S + "/alert/2", TraceNode.Role.ALERT);
        for (String id : List.of(ra, S + "/f15/trk-3", S + "/f15/ego", S + "/f15/det-0", S + "/f15")) {
            expected.put(id, TraceNode.Role.CAUSE);
        }
        // Decision at 30.3 s; the 0.5 s window reaches the track's start at 30.0 s.
        for (int f = 12; f <= 14; f++) {
            for (String id : List.of(S + "/f" + f + "/trk-3", S + "/f" + f + "/det-0", S + "/f" + f)) {
                expected.put(id, TraceNode.Role.TRACK_HISTORY);
            }
        }
        expected.put(S + "/f12/trk-3/start", TraceNode.Role.TRACK_HISTORY);
        expected.put(S + "/start", TraceNode.Role.PROVENANCE);
        expected.put(S + "/model/yolox", TraceNode.Role.PROVENANCE);
        for (String c : List.of("/act/buzzer", "/clr", "/review")) {
            expected.put(S + "/alert/2" + c, TraceNode.Role.CONSEQUENCE);
        }
        assertThat(roles).isEqualTo(expected);

        java.util.Set<String> edges = new java.util.LinkedHashSet<>(List.of(
                S + "/alert/2 -> " + ra, ra + " -> " + S + "/f15/trk-3", ra + " -> " + S + "/f15/ego",
                ra + " -> " + S + "/start (provenance)",
                S + "/f12/trk-3 -> " + S + "/f12/trk-3/start", S + "/f12/trk-3/start -> " + S + "/f12/det-0",
                S + "/alert/2/act/buzzer -> " + S + "/alert/2", S + "/alert/2/clr -> " + S + "/alert/2",
                S + "/alert/2/review -> " + S + "/alert/2"));
        for (int f = 12; f <= 15; f++) {
            edges.add(S + "/f" + f + "/trk-3 -> " + S + "/f" + f + "/det-0");
            edges.add(S + "/f" + f + "/det-0 -> " + S + "/f" + f);
            edges.add(S + "/f" + f + "/det-0 -> " + S + "/model/yolox (provenance)");
            if (f > 12) {
                edges.add(S + "/f" + f + "/trk-3 -> " + S + "/f" + (f - 1) + "/trk-3");
            }
        }
        assertThat(trace.edgeStrings()).containsExactlyInAnyOrderElementsOf(edges);
        assertThat(trace.missingCauseIds()).isEmpty();
        // alert, upstream prefetched through trace_edges in one statement, session start, model, effects
        assertThat(trace.lookups()).isEqualTo(5);
        assertThat(trace.nodes().get(S + "/f15").summary()).isEqualTo("frame 15 (f15) at 30.3 s of synthetic.mp4, 960×540 px");
    }

    @Test
    void storeAndMemoryGiveTheSameTraceWithDecodedPayloadsAndTimes() {
        for (String alert : List.of(S + "/alert/1", S + "/alert/2")) {
            CausalTrace fromStore = engine.trace(alert);
            CausalTrace fromMemory = new CausalTraceEngine(inMemory()).trace(alert);
            assertThat(fromStore.edgeStrings()).isEqualTo(fromMemory.edgeStrings());
            assertThat(fromStore.nodes().keySet()).isEqualTo(fromMemory.nodes().keySet());
            fromStore.nodes().values().forEach(n -> {
                TraceNode m = fromMemory.nodes().get(n.eventId());
                assertThat(n.payload()).as(n.eventId()).isEqualTo(m.payload());
                assertThat(n.occurredAtNanos()).as(n.eventId()).isEqualTo(m.occurredAtNanos());
                assertThat(n.summary()).isEqualTo(m.summary());
                assertThat(n.event().globalIndex()).as("global index from the store").isPositive();
            });
        }
    }

    @Test
    void traceIsCompleteWhenTheCauseIndexLags() {
        CausalTrace before = engine.trace(S + "/alert/1");
        String ra = S + "/f4/trk-1/FORWARD_COLLISION";
        // As if trace-edges had not reached the assessment yet: its causes must come from the payloads.
        List<Map<String, Object>> saved = jdbc.queryForList("select * from trace_edges where event_id = ?", ra);
        jdbc.update("delete from trace_edges where event_id = ?", ra);
        try {
            CausalTrace after = engine.trace(S + "/alert/1");
            assertThat(after.edgeStrings()).isEqualTo(before.edgeStrings());
            assertThat(after.nodes().keySet()).isEqualTo(before.nodes().keySet());
            // alert, prefetch (returns the assessment only), the 7 levels below it walked, start, model, effects
            assertThat(after.lookups()).isEqualTo(12);
        } finally {
            for (Map<String, Object> r : saved) {
                jdbc.update("insert into trace_edges values (?,?,?,?,?)", r.get("event_id"), r.get("cause_id"), r.get("event_type"),
                        r.get("session_id"), r.get("global_index"));
            }
        }
    }

    @Test
    void narrativeAndMarginsOfTheStoredAlert() {
        CausalTrace trace = engine.trace(S + "/alert/2");
        Narrative n = Narrator.narrate(trace);
        // k = 3 of approach 3: 15 − 0.9·3 = 12.3 m, TTC 12.3/9 = 1.3667 s; age 0.3 s.
        assertThat(n.headline()).isEqualTo("Forward collision warning at 30.3 s: car track trk-3 at 12.3 m closing at 9 m/s,"
                + " TTC 1.37 s against the 2.1 s threshold (policy v1); lateral offset -0.9 m < 1.2 m;"
                + " ego speed 22.4 m/s ≥ 8 m/s gate; track age 0.3 s ≥ 0.3 s gate;"
                + " detections by yolox-nano 0.1.1rc0 (sha256 695e…).");
        // v* = 12.3/2.1 = 5.857 m/s
        assertThat(n.details()).contains("No alert if closing speed had been below 5.86 m/s.", "Cleared after 0.4 s (CONDITION_ENDED).",
                "Actuated buzzer (triple-beep, 1 s).", "Reviewed FALSE_POSITIVE by reviewer@fleet.");

        Counterfactual cf = Counterfactuals.of((RiskAssessed) trace.decidingAssessment().orElseThrow().payload());
        assertThat(cf.factors().get(0).marginInUnit()).isCloseTo(2.1 - 12.3 / 9, offset(1e-9));
        // the track-age gate held with no room at all: 0.3 s against 0.3 s
        assertThat(cf.factors().get(3).marginInUnit()).isCloseTo(0, offset(1e-12));
        assertThat(cf.kinematics().get(1).boundary()).as("range at TTC = 2.1 s: 9·2.1").isCloseTo(18.9, offset(1e-9));
    }

    @Test
    void whatIfOverAStoredWindowDiffsTheDecisions() {
        PolicyThresholds v1 = PolicyThresholds.of((io.sightline.domain.event.DriveSessionStarted) lookup.sessionStart(S).orElseThrow().payload());
        assertThat(v1.thresholds()).isEqualTo(SyntheticDrive.POLICY_V1);
        // Window 10.0–11.0 s holds approach 1 only.
        WhatIfReport r = whatIf.replay(S, T0 + 10_000_000_000L, T0 + 11_000_000_000L,
                v1.with("v2", Map.of("forwardCollision.ttcRaiseS", 1.9)));
        assertThat(r.assessments()).isEqualTo(8);
        assertThat(r.changedDecisions()).extracting(WhatIfReport.DecisionChange::assessmentEventId)
                .containsExactly(S + "/f4/trk-1/FORWARD_COLLISION", S + "/f5/trk-1/FORWARD_COLLISION");
        assertThat(r.recordedAlerts()).singleElement().satisfies(a -> {
            assertThat(a.alertId()).isEqualTo(S + "/alert/1");
            assertThat(a.outcome()).isEqualTo(WhatIfReport.Outcome.KEPT);
            assertThat(a.shiftS()).isCloseTo(0.2, offset(1e-9));
        });

        // Whole session at 1.3 s: alert/1 (min TTC 1.74 s) disappears, alert/2 (1.37, 1.27, 1.17 s) starts 0.1 s later.
        WhatIfReport strict = whatIf.replay(S, T0, T0 + 60_000_000_000L, v1.with("v3", Map.of("forwardCollision.ttcRaiseS", 1.3)));
        assertThat(strict.assessments()).isEqualTo(22);
        assertThat(strict.recordedAlerts()).extracting(WhatIfReport.AlertOutcome::outcome)
                .containsExactly(WhatIfReport.Outcome.DISAPPEARS, WhatIfReport.Outcome.KEPT);
        assertThat(strict.recordedAlerts().get(1).shiftS()).isCloseTo(0.1, offset(1e-9));
        assertThat(strict.appearingAlerts()).isEmpty();
    }

    @Test
    void explanationsAreScopedToTheFleet() {
        AlertExplanation e = explain.explain(S + "/alert/1", "fleet-a").orElseThrow();
        assertThat(e.trace().alertId()).isEqualTo(S + "/alert/1");
        assertThat(e.narrative().headline()).startsWith("Forward collision warning at 10.4 s: car track trk-1 at 18.4 m");
        assertThat(e.margins().assessmentId()).isEqualTo(S + "/f4/trk-1/FORWARD_COLLISION");
        assertThat(explain.explain(S + "/alert/1", "fleet-b")).as("another fleet sees nothing").isEmpty();
        assertThat(explain.explain("no-such-alert", "fleet-a")).isEmpty();
        PolicyThresholds v1 = new PolicyThresholds("v1", SyntheticDrive.POLICY_V1);
        assertThat(explain.whatIf(S, "fleet-a", T0, T0 + 60_000_000_000L, v1)).hasValueSatisfying(r -> assertThat(r.assessments()).isEqualTo(22));
        assertThat(explain.whatIf(S, "fleet-b", T0, T0 + 60_000_000_000L, v1)).isEmpty();
    }

    @Test
    @Order(Integer.MAX_VALUE - 1)
    void rebuildTruncatesAndReplaysToTheSameRows() throws Exception {
        String rows = "select * from alerts where session_id = '" + S + "' order by alert_id";
        List<Map<String, Object>> before = jdbc.queryForList(rows);
        List<Map<String, Object>> sessionsBefore = jdbc.queryForList("select * from alert_sessions where session_id = ?", S);
        PooledStreamingEventProcessor processor = processing.eventProcessor(AlertsProjection.NAME, PooledStreamingEventProcessor.class)
                .orElseThrow();
        processor.shutDown();
        processor.resetTokens();
        assertThat(count("select count(*) from alerts")).as("reset handler truncated alerts").isZero();
        assertThat(count("select count(*) from session_models")).isZero();
        processor.start();
        await("replayed alerts", () -> count("select count(*) from alerts where session_id = ? and verdict is not null", S) == 2);
        assertThat(jdbc.queryForList(rows)).isEqualTo(before);
        assertThat(jdbc.queryForList("select * from alert_sessions where session_id = ?", S)).isEqualTo(sessionsBefore);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void failingAlertGoesToTheDeadLetterQueueAndOthersKeepFlowing() throws Exception {
        SyntheticDrive bad = new SyntheticDrive("s-bad", T0).start("fleet-b", "veh-2", "v1", SyntheticDrive.POLICY_V1);
        List<EventEnvelope> events = new java.util.ArrayList<>(bad.events());
        long t = T0 + 1_000_000_000L;
        events.add(new EventEnvelope("s-bad/alert/x", events.size(), t, new AlertRaised("s-bad/alert/x", "K".repeat(100), "WARNING",
                "trk-1", "v1", t, List.of("s-bad/none"))));
        ingestion.append("s-bad", 0, events);
        SyntheticDrive good = new SyntheticDrive("s-good", T0).start("fleet-b", "veh-3", "v1", SyntheticDrive.POLICY_V1);
        good.approach(1.0, 6, 10, 15.0, 9.0, 0.0, 22.4, 2, "UNSURE");
        ingestion.append("s-good", 0, good.events());

        await("dead letter of s-bad and the alert of s-good", () -> count("select count(*) from dead_letter_entry"
                + " where processing_group = ? and event_identifier = ?", AlertsProjection.NAME, "s-bad/alert/x") == 1
                && count("select count(*) from alerts where session_id = 's-good' and verdict = 'UNSURE'") == 1);
        assertThat(jdbc.queryForObject("select cause_message from dead_letter_entry where event_identifier = 's-bad/alert/x'", String.class))
                .contains("kind is 100 characters");
        assertThat(count("select count(*) from alerts where session_id = 's-bad'")).isZero();
    }
}
