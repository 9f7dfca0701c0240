package io.sightline.edge.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DerivedEvent;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.app.core.FollowingDistanceApplication;
import io.sightline.edge.app.core.ForwardCollisionApplication;
import io.sightline.edge.app.core.VulnerableRoadUserApplication;
import io.sightline.edge.app.host.StoredSessionHost;
import io.sightline.edge.app.rollingstop.RollingStopApplication;
import io.sightline.edge.app.rollingstop.RollingStopPolicy;
import io.sightline.edge.replay.RecordedInputs;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.scenario.ScenarioRecording;
import io.sightline.edge.scenario.ScenarioSpecParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A safety application run over a stored session (ADR-0029) decides as it does at the edge: the
 * same verdicts, naming the same edge events, under ids of its own; and it never stores a verdict
 * whose cause the store does not hold.
 */
class StoredSessionHostTest {

    /** What a fleet that runs rolling stop in the cloud installs at the edge. */
    static final Function<RiskPolicy, SafetyApplications> EDGE_WITHOUT_ROLLING_STOP = p -> new SafetyApplications(List.of(
            new ForwardCollisionApplication(p, ActuationConfig.defaults().forwardCollision()),
            new FollowingDistanceApplication(p, ActuationConfig.defaults().followingDistance()),
            new VulnerableRoadUserApplication(p, ActuationConfig.defaults().vulnerableRoadUser())));

    static ScenarioRecording.Recorded record(String spec, long seed, Function<RiskPolicy, SafetyApplications> apps)
            throws Exception {
        return ScenarioRecording.record(ScenarioSpecParser.parse(RollingStopScenarioTest.spec(spec)), seed, apps, "fleet-a",
                "veh-1");
    }

    static List<RiskAssessed> rollingStopVerdicts(List<?> payloads) {
        return payloads.stream().filter(RiskAssessed.class::isInstance).map(RiskAssessed.class::cast)
                .filter(r -> r.ruleName().equals("ROLLING_STOP")).toList();
    }

    @Test
    void inTheCloudRollingStopDecidesAsAtTheEdgeAndNamesTheEdgesEvents() throws Exception {
        for (long seed = 1; seed <= 5; seed++) {
            ScenarioRecording.Recorded edgeOnly = record("rolling-stop-slows-to-3mps", seed, EDGE_WITHOUT_ROLLING_STOP);
            ScenarioRecording.Recorded edgeWith = record("rolling-stop-slows-to-3mps", seed,
                    p -> SafetyApplications.standard(p, ActuationConfig.defaults()));
            assertThat(rollingStopVerdicts(edgeOnly.events().stream().map(EventEnvelope::payload).toList()))
                    .as("the edge did not run rolling stop").isEmpty();

            StoredSessionHost.Run run = StoredSessionHost.run(edgeOnly.sessionId(), edgeOnly.events(),
                    new RollingStopApplication(RollingStopPolicy.defaults()), StoredSessionHost.Settings.defaults());

            assertThat(run.outcome()).isEqualTo("RAN");
            assertThat(run.trackEventsRederived()).as("seed %d: the edge's tracks derived again", seed).isPositive();
            assertThat(run.trackEventsDiverged()).as("seed %d: %s", seed, run.examples()).isZero();
            assertThat(run.verdictsDropped()).isZero();
            List<RiskAssessed> cloud = rollingStopVerdicts(run.decisions().stream().map(StoredSessionHost.Decision::payload).toList());
            List<RiskAssessed> edge = rollingStopVerdicts(edgeWith.events().stream().map(EventEnvelope::payload).toList());
            assertThat(cloud).as("seed %d: one verdict when the sign is passed", seed).hasSize(1);
            assertThat(cloud).hasSameSizeAs(edge);
            for (int i = 0; i < cloud.size(); i++) {
                RiskAssessed c = cloud.get(i);
                RiskAssessed e = edge.get(i);
                assertThat(c.assessmentId()).startsWith(edgeOnly.sessionId() + "/apps/rolling-stop/");
                assertThat(new RiskAssessed(e.assessmentId(), c.frameId(), c.trackId(), c.ruleName(), c.policyVersion(), c.level(),
                        c.rangeM(), c.closingSpeedMps(), c.relativeAccelMps2(), c.ttcS(), c.egoSpeedMps(), c.factors(), c.causes()))
                        .as("seed %d: the same verdict, with the same causes, as the edge's", seed).isEqualTo(e);
            }
            Set<String> stored = edgeOnly.events().stream().map(EventEnvelope::eventId).collect(Collectors.toSet());
            for (StoredSessionHost.Decision d : run.decisions()) {
                for (String cause : ((DerivedEvent) d.payload()).causes()) {
                    boolean ownDecision = run.decisions().stream().anyMatch(x -> x.eventId().equals(cause));
                    assertThat(stored.contains(cause) || ownDecision).as("%s names %s, an event that exists", d.eventId(), cause)
                            .isTrue();
                }
            }
            List<AlertRaised> alerts = run.decisions().stream().map(StoredSessionHost.Decision::payload)
                    .filter(AlertRaised.class::isInstance).map(AlertRaised.class::cast).toList();
            assertThat(alerts).as("seed %d: rolled through at 3 m/s", seed).hasSize(1);
            assertThat(alerts.get(0).kind()).isEqualTo("ROLLING_STOP");
            assertThat(alerts.get(0).alertId()).startsWith(edgeOnly.sessionId() + "/apps/rolling-stop/alert/");
            assertThat(stored).as("no id the edge used").doesNotContainAnyElementsOf(
                    run.decisions().stream().map(StoredSessionHost.Decision::eventId).toList());
        }
    }

    @Test
    void aFullStopRaisesNothingInTheCloudEither() throws Exception {
        ScenarioRecording.Recorded s = record("rolling-stop-full-stop", 1, EDGE_WITHOUT_ROLLING_STOP);
        StoredSessionHost.Run run = StoredSessionHost.run(s.sessionId(), s.events(),
                new RollingStopApplication(RollingStopPolicy.defaults()), StoredSessionHost.Settings.defaults());
        assertThat(run.outcome()).isEqualTo("RAN");
        assertThat(run.alertsRaised()).isZero();
        assertThat(run.riskAssessments()).as("the sign is judged, and passes").isEqualTo(1);
    }

    @Test
    void aSessionWhoseEdgeRanTheApplicationIsLeftAlone() throws Exception {
        ScenarioRecording.Recorded s = record("rolling-stop-slows-to-3mps", 1,
                p -> SafetyApplications.standard(p, ActuationConfig.defaults()));
        StoredSessionHost.Run run = StoredSessionHost.run(s.sessionId(), s.events(),
                new RollingStopApplication(RollingStopPolicy.defaults()), StoredSessionHost.Settings.defaults());
        assertThat(run.outcome()).isEqualTo("AT_EDGE");
        assertThat(run.reason()).contains("ran rolling-stop");
        assertThat(run.decisions()).isEmpty();
    }

    @Test
    void aVerdictWhoseTrackTheStoreDoesNotHoldIsDroppedNeverStoredWithAMissingCause() throws Exception {
        ScenarioRecording.Recorded s = record("rolling-stop-slows-to-3mps", 1, EDGE_WITHOUT_ROLLING_STOP);
        StoredSessionHost.Run full = StoredSessionHost.run(s.sessionId(), s.events(),
                new RollingStopApplication(RollingStopPolicy.defaults()), StoredSessionHost.Settings.defaults());
        RiskAssessed verdict = rollingStopVerdicts(full.decisions().stream().map(StoredSessionHost.Decision::payload).toList()).get(0);
        String trackCause = verdict.causes().stream().filter(c -> s.events().stream()
                .anyMatch(e -> e.eventId().equals(c) && e.payload() instanceof TrackUpdated)).findFirst().orElseThrow();
        List<EventEnvelope> holed = new ArrayList<>(s.events());
        holed.removeIf(e -> e.eventId().equals(trackCause));

        StoredSessionHost.Run run = StoredSessionHost.run(s.sessionId(), holed, new RollingStopApplication(RollingStopPolicy.defaults()),
                StoredSessionHost.Settings.defaults());
        assertThat(run.trackEventsDiverged()).isEqualTo(1);
        assertThat(run.verdictsDropped()).as("the verdict, the alert it raised and the alert's clearing").isEqualTo(3);
        assertThat(run.decisions()).noneMatch(d -> d.payload() instanceof RiskAssessed r && r.ruleName().equals("ROLLING_STOP"));
        assertThat(run.alertsRaised()).isZero();
        assertThat(run.examples()).anyMatch(x -> x.contains(trackCause));
    }

    @Test
    void aSessionWithoutItsStartIsRefusedWithTheReason() throws Exception {
        ScenarioRecording.Recorded s = record("rolling-stop-slows-to-3mps", 1, EDGE_WITHOUT_ROLLING_STOP);
        StoredSessionHost.Run run = StoredSessionHost.run(s.sessionId(), s.events().subList(1, s.events().size()),
                new RollingStopApplication(RollingStopPolicy.defaults()), StoredSessionHost.Settings.defaults());
        assertThat(run.outcome()).isEqualTo("REFUSED");
        assertThat(run.reason()).contains("no DriveSessionStarted");
    }

    @Test
    void theRecordingReplaysToTheSameEventsTheRunMade() throws Exception {
        // the recording's order is one the replay feeder decides exactly as the run did
        ScenarioRecording.Recorded s = record("rolling-stop-slows-to-3mps", 2, p -> SafetyApplications.standard(p,
                ActuationConfig.defaults()));
        List<String> recordedDerived = s.events().stream()
                .filter(e -> RecordedInputs.DERIVED_TYPES.contains(io.sightline.domain.event.EventCatalog.nameOf(e.payload())))
                .map(EventEnvelope::eventId).toList();
        List<String> replayed = new ArrayList<>();
        io.sightline.edge.pipeline.EdgeProjector projector = new io.sightline.edge.pipeline.EdgeProjector(s.sessionId(),
                io.sightline.edge.range.CameraModel.of(RecordedInputs.start(s.events()).calibration()),
                RecordedInputs.inferFrameRateHz(s.events()), io.sightline.edge.tracking.TrackerConfig.defaults(),
                io.sightline.edge.pipeline.EstimatorConfig.defaults(), RiskPolicy.fromThresholds(RecordedInputs.start(s.events())
                        .policyVersion(), RecordedInputs.start(s.events()).policyThresholds()), ActuationConfig.defaults(),
                (id, at, e) -> replayed.add(id));
        RecordedInputs.feed(s.events(), RecordedInputs.start(s.events()), projector);
        assertThat(replayed).isEqualTo(recordedDerived);
    }
}
