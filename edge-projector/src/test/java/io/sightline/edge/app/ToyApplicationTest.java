package io.sightline.edge.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.risk.Comparison;
import io.sightline.domain.risk.FactorDefinition;
import io.sightline.domain.risk.FactorRole;
import io.sightline.domain.risk.FactorUnit;
import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.range.ObjectClass;
import io.sightline.edge.risk.AlertKind;
import io.sightline.edge.risk.ObjectKinematics;
import io.sightline.edge.risk.RuleEvaluation;
import io.sightline.edge.scenario.ScenarioRunner;
import io.sightline.edge.scenario.ScenarioSpec;
import io.sightline.edge.scenario.ScenarioSpecParser;
import io.sightline.edge.testdata.SafetyTestData;
import io.sightline.explain.InMemoryEventLookup;
import io.sightline.explain.StoredEvent;
import io.sightline.explain.margins.Counterfactual;
import io.sightline.explain.margins.Counterfactuals;
import io.sightline.explain.margins.FactorMargin;
import io.sightline.explain.narrative.Narrative;
import io.sightline.explain.narrative.Narrator;
import io.sightline.explain.trace.CausalTrace;
import io.sightline.explain.trace.CausalTraceEngine;
import io.sightline.explain.whatif.PolicyThresholds;
import io.sightline.explain.whatif.WhatIfReplay;
import io.sightline.explain.whatif.WhatIfReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A new safety application costs no core change: this one is written here, in test code alone,
 * and gets events, actuation, traces, narratives, margins and what-if from the platform with no
 * code of its own anywhere else (ADR-0029).
 */
class ToyApplicationTest {

    /** Any pedestrian within a radius, in or out of the path: a toy, not a safety rule. */
    static final class PedestrianProximity implements SafetyApplication {
        static final AlertKind KIND = new AlertKind("TOY_PEDESTRIAN_PROXIMITY", "ADVISORY");
        static final FactorDefinition RANGE = new FactorDefinition(KIND.name(), "toyProximity.range", "pedestrian range",
                FactorRole.HAZARD, FactorUnit.METRES, Comparison.LESS_OR_EQUAL, List.of("toyProximity.maxRangeM"));
        static final FactorDefinition SPEED = new FactorDefinition(KIND.name(), "toyProximity.egoSpeed", "ego speed",
                FactorRole.GATE, FactorUnit.METRES_PER_SECOND, Comparison.GREATER_OR_EQUAL, List.of("toyProximity.minEgoSpeedMps"));

        final double maxRangeM;

        PedestrianProximity(double maxRangeM) {
            this.maxRangeM = maxRangeM;
        }

        @Override
        public String name() {
            return "toy-proximity";
        }

        @Override
        public String policyVersion() {
            return "toy-proximity-0.1";
        }

        @Override
        public List<AlertKind> alertKinds() {
            return List.of(KIND);
        }

        @Override
        public Set<PerceptionInput> inputs() {
            return Set.of(PerceptionInput.CONFIRMED_TRACKS, PerceptionInput.VEHICLE_STATE);
        }

        @Override
        public List<FactorDefinition> factors() {
            return List.of(RANGE, SPEED);
        }

        @Override
        public Map<String, Double> thresholds() {
            return Map.of("toyProximity.maxRangeM", maxRangeM, "toyProximity.minEgoSpeedMps", 1.0);
        }

        @Override
        public ActuationConfig.PerKind actuation(AlertKind kind) {
            return new ActuationConfig.PerKind(1.0, 0.5, 10.0, 30, List.of("HUD"), "TOY");
        }

        @Override
        public boolean judges(ObjectClass objectClass) {
            return objectClass == ObjectClass.PERSON;
        }

        @Override
        public boolean assess(Perception p, ObjectKinematics o, List<String> causes, RuleEvaluation out) {
            out.start(KIND);
            out.ttcS(o.rangeM / Math.max(0.1, o.closingSpeedMps()));
            boolean near = out.factor(RANGE, o.rangeM, maxRangeM);
            boolean moving = out.factor(SPEED, p.egoSpeedMps(), 1.0);
            out.conclude(near, moving, true, near);
            return true;
        }
    }

    static final long T0_NANOS = 1_764_000_000_000_000_000L;

    /** The pedestrian-crossing example with the toy installed after the shipped applications, as stored events. */
    static List<StoredEvent> run(double maxRangeM) throws Exception {
        ScenarioSpec spec = ScenarioSpecParser.parse(SafetyTestData.scenarioDir().resolve("vru-pedestrian-crossing.json"));
        String session = spec.id() + "/s" + spec.noise().seed();
        List<StoredEvent> stored = new ArrayList<>();
        SafetyApplications[] installed = new SafetyApplications[1];
        ScenarioRunner runner = ScenarioRunner.withDefaults().withApplications(policy -> {
            installed[0] = SafetyApplications.standard(policy, ActuationConfig.defaults()).with(new PedestrianProximity(maxRangeM));
            return installed[0];
        });
        runner.run(spec, spec.noise().seed(), (id, at, e) -> stored.add(stored(session, stored.size() + 1, id, at, e)));
        DriveSessionStarted start = new DriveSessionStarted(session, "fleet", "vehicle", "device", "test", 0, null,
                "sightline-risk-1.0.0", installed[0].thresholds());
        stored.add(0, stored(session, 0, session + "/start", 0, start));
        return stored;
    }

    static StoredEvent stored(String session, int sequence, String id, long atNanos, SightlineEvent payload) {
        return new StoredEvent(id, session, sequence, sequence + 1L, atNanos, payload);
    }

    @Test
    void aToyApplicationFromTestCodeGetsEventsTracesNarrativesMarginsAndWhatIf() throws Exception {
        List<StoredEvent> events = run(15.0);

        List<RiskAssessed> assessed = events.stream().map(StoredEvent::payload).filter(RiskAssessed.class::isInstance)
                .map(RiskAssessed.class::cast).filter(r -> r.ruleName().equals(PedestrianProximity.KIND.name())).toList();
        assertThat(assessed).as("the toy's decisions are recorded").isNotEmpty()
                .allSatisfy(r -> assertThat(r.policyVersion()).isEqualTo("toy-proximity-0.1"));
        AlertRaised alert = events.stream().map(StoredEvent::payload).filter(AlertRaised.class::isInstance)
                .map(AlertRaised.class::cast).filter(a -> a.kind().equals(PedestrianProximity.KIND.name())).findFirst()
                .orElseThrow(() -> new AssertionError("the toy raised no alert"));
        assertThat(alert.level()).isEqualTo("ADVISORY");
        assertThat(alert.policyVersion()).isEqualTo("toy-proximity-0.1");
        assertThat(events).extracting(StoredEvent::payload).filteredOn(AlertRaised.class::isInstance)
                .extracting(p -> ((AlertRaised) p).kind()).as("the shipped VRU warning still fires beside it")
                .contains("VULNERABLE_ROAD_USER");

        InMemoryEventLookup lookup = new InMemoryEventLookup(events);
        CausalTrace trace = new CausalTraceEngine(lookup).trace(alert.alertId());
        RiskAssessed deciding = (RiskAssessed) trace.decidingAssessment().orElseThrow().payload();
        assertThat(deciding.ruleName()).isEqualTo(PedestrianProximity.KIND.name());
        assertThat(trace.nodesOfType("TrackUpdated")).as("the trace walks back to the track").isNotEmpty();

        Narrative narrative = Narrator.narrate(trace);
        assertThat(narrative.text()).contains("Toy pedestrian proximity advisory").contains("pedestrian range")
                .contains("15");

        Counterfactual margins = Counterfactuals.of(deciding);
        FactorMargin range = margins.factors().stream().filter(f -> f.factor().equals("toyProximity.range")).findFirst().orElseThrow();
        assertThat(range.label()).isEqualTo("pedestrian range");
        assertThat(range.marginInUnit()).isEqualTo(15.0 - deciding.factors().get(0).value());
        assertThat(range.decisive()).isTrue();

        PolicyThresholds recorded = PolicyThresholds.of((DriveSessionStarted) events.get(0).payload());
        WhatIfReport gated = new WhatIfReplay(lookup).replay(events.get(0).sessionId(), 0, Long.MAX_VALUE,
                recorded.with("toy-gated", Map.of("toyProximity.minEgoSpeedMps", 100.0)));
        assertThat(gated.recordedAlerts()).filteredOn(a -> a.kind().equals(PedestrianProximity.KIND.name())).singleElement()
                .satisfies(a -> assertThat(a.outcome()).isEqualTo(WhatIfReport.Outcome.DISAPPEARS));
        assertThat(gated.recordedAlerts()).filteredOn(a -> a.kind().equals("VULNERABLE_ROAD_USER"))
                .allSatisfy(a -> assertThat(a.outcome()).isEqualTo(WhatIfReport.Outcome.KEPT));
    }
}
