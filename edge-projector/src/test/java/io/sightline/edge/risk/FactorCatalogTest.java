package io.sightline.edge.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.risk.Comparison;
import io.sightline.domain.risk.Factor;
import io.sightline.domain.risk.FactorRole;
import io.sightline.domain.risk.ThresholdKey;
import io.sightline.edge.range.ObjectClass;
import io.sightline.explain.InMemoryEventLookup;
import io.sightline.explain.StoredEvent;
import io.sightline.explain.margins.FactorNames;
import io.sightline.explain.whatif.Decision;
import io.sightline.explain.whatif.PolicyThresholds;
import io.sightline.explain.whatif.RecordedFactorDecisionModel;
import io.sightline.explain.whatif.WhatIfReplay;
import io.sightline.explain.whatif.WhatIfReport;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * The factors the real {@link RiskEvaluator} emits against the domain catalog {@link Factor} and
 * the explainability that reads them back: each is catalogued, bound to a threshold of the policy,
 * named for people, and a what-if that moves its threshold across the recorded value changes the
 * decision exactly when the factor decides.
 */
class FactorCatalogTest {

    private static final RiskPolicy POLICY = RiskPolicy.defaults();
    private static final Map<String, Double> THRESHOLDS = POLICY.thresholds();
    private static final PolicyThresholds RECORDED_POLICY = new PolicyThresholds(POLICY.version(), THRESHOLDS);
    private static final long T0_NANOS = 1_764_000_000_000_000_000L;
    private static final long FRAME_NANOS = 100_000_000L;

    private final RiskEvaluator risk = new RiskEvaluator(POLICY);
    private final RecordedFactorDecisionModel whatIf = new RecordedFactorDecisionModel();

    private static ObjectKinematics object(ObjectClass cls, double halfWidthM, double rangeM, double closingMps) {
        ObjectKinematics o = new ObjectKinematics();
        o.trackKey = "trk-1";
        o.objectClass = cls;
        o.rangeM = rangeM;
        o.rangeSigmaM = 0.5;
        o.rangeRateMps = -closingMps;
        o.rangeRateSigmaMps = 0.3;
        o.rangeAccelSigmaMps2 = 0.5;
        o.halfWidthM = halfWidthM;
        o.trackAgeS = 2.0;
        return o;
    }

    private static ObjectKinematics car(double rangeM, double closingMps) {
        return object(ObjectClass.CAR, 0.9, rangeM, closingMps);
    }

    /** As EdgeProjector records it. */
    private static RiskAssessed recorded(String id, ObjectKinematics o, double egoSpeedMps, RuleEvaluation ev) {
        return new RiskAssessed(id, id + "/frame", o.trackKey, ev.kind().name(), POLICY.version(), ev.level(), o.rangeM,
                o.closingSpeedMps(), o.rangeAccelMps2, ev.ttcS(), egoSpeedMps, ev.factors(), List.of());
    }

    /** One requesting assessment per rule: between them every factor the policy has. */
    private List<RiskAssessed> requestingAssessments() {
        List<RiskAssessed> out = new ArrayList<>();
        RuleEvaluation ev = new RuleEvaluation();

        risk.forwardCollision(car(50, 20), 20, ev);
        assertThat(ev.requested()).as("FCW, 2.5 s TTC in path").isTrue();
        out.add(recorded("fcw", car(50, 20), 20, ev));

        // 0.4 s gap at 20 m/s, held 3.5 s: past the 3 s minimum duration
        ObjectKinematics tailgated = car(8, 0);
        risk.followingDistance(tailgated, 20, 0, ev);
        risk.followingDistance(tailgated, 20, 3_500_000_000L, ev);
        assertThat(ev.requested()).as("headway").isTrue();
        out.add(recorded("headway", tailgated, 20, ev));

        ObjectKinematics pedestrian = object(ObjectClass.PERSON, 0.25, 20, 10);
        risk.vulnerableRoadUser(pedestrian, 10, ev);
        assertThat(ev.requested()).as("VRU, 2 s TTC in path").isTrue();
        out.add(recorded("vru", pedestrian, 10, ev));
        return out;
    }

    @Test
    void everyEmittedFactorIsCataloguedWithTheRecordedUnitComparisonAndRule() {
        List<RiskAssessed> assessed = requestingAssessments();
        Set<String> emitted = new LinkedHashSet<>();
        SoftAssertions soft = new SoftAssertions();
        for (RiskAssessed r : assessed) {
            for (RiskFactor f : r.factors()) {
                emitted.add(f.name());
                soft.assertThat(Factor.byKey(f.name())).as("%s in the catalog", f.name()).isPresent();
                Factor.byKey(f.name()).ifPresent(c -> {
                    soft.assertThat(f.unit()).as("%s unit", f.name()).isEqualTo(c.unit().symbol());
                    soft.assertThat(f.comparison()).as("%s comparison", f.name()).isEqualTo(c.comparison().symbol());
                    soft.assertThat(r.ruleName()).as("%s rule", f.name()).isEqualTo(c.ruleName());
                });
            }
            soft.assertThat(r.factors()).extracting(RiskFactor::name).as("%s factors in catalog order", r.ruleName())
                    .containsExactlyElementsOf(Factor.ofRule(r.ruleName()).stream().map(Factor::key).toList());
        }
        soft.assertThat(emitted).as("the catalog holds nothing the policy does not emit")
                .containsExactlyInAnyOrderElementsOf(Stream.of(Factor.values()).map(Factor::key).toList());
        soft.assertAll();
    }

    @Test
    void policyThresholdKeysAreTheCatalogsKeys() {
        assertThat(THRESHOLDS.keySet())
                .containsExactlyInAnyOrderElementsOf(Stream.of(ThresholdKey.values()).map(ThresholdKey::key).toList());
    }

    @Test
    void everyEmittedFactorBindsToADefaultThresholdAndHasAHumanName() {
        SoftAssertions soft = new SoftAssertions();
        for (RiskAssessed r : requestingAssessments()) {
            for (RiskFactor f : r.factors()) {
                Factor c = Factor.byKey(f.name()).orElseThrow();
                soft.assertThat(THRESHOLDS).as("%s threshold keys in the defaults", f.name())
                        .containsKeys(c.thresholdKeys().stream().map(ThresholdKey::key).toArray(String[]::new));
                soft.assertThat(c.threshold(THRESHOLDS).orElse(Double.NaN)).as("%s: the catalog binds the threshold the evaluator used", f.name())
                        .isCloseTo(f.threshold(), within(1e-12));
                soft.assertThat(c.humanName()).as("%s human name", f.name()).isNotBlank().isNotEqualTo(f.name());
                soft.assertThat(FactorNames.label(f.name())).as("%s label in explanations", f.name()).isEqualTo(c.humanName());
                soft.assertThat(whatIf.decide(r, RECORDED_POLICY).factorsWithoutThreshold()).as("unbound in the what-if")
                        .doesNotContain(f.name());
            }
        }
        soft.assertAll();
    }

    /**
     * Overrides that put the factor's threshold past its recorded value, so that it fails;
     * for a sum the rule's own key moves (the corridor margin, not the ego half-width every path
     * factor shares).
     */
    private static Map<String, Double> failing(Factor factor, double value) {
        boolean upperBound = factor.comparison() == Comparison.LESS || factor.comparison() == Comparison.LESS_OR_EQUAL;
        // half the value's size keeps a small positive bound (the TTC spread) positive
        double step = value == 0 ? 0.1 : 0.5 * Math.abs(value);
        double target = upperBound ? value - step : value + step;
        List<ThresholdKey> keys = factor.thresholdKeys();
        ThresholdKey moved = keys.get(keys.size() - 1);
        double others = keys.stream().filter(k -> k != moved).mapToDouble(k -> THRESHOLDS.get(k.key())).sum();
        return Map.of(moved.key(), target - others);
    }

    @Test
    void movingAThresholdAcrossTheRecordedValueFlipsTheWhatIfExactlyWhenTheFactorDecides() {
        SoftAssertions soft = new SoftAssertions();
        for (RiskAssessed r : requestingAssessments()) {
            assertThat(whatIf.decide(r, RECORDED_POLICY).requested()).as("%s under its own policy", r.ruleName()).isTrue();
            for (RiskFactor f : r.factors()) {
                Factor c = Factor.byKey(f.name()).orElseThrow();
                Map<String, Double> overrides = failing(c, f.value());
                Decision d = whatIf.decide(r, RECORDED_POLICY.with("moved-" + f.name(), overrides));
                RiskFactor after = d.factors().stream().filter(x -> x.name().equals(f.name())).findFirst().orElseThrow();
                soft.assertThat(after.triggered()).as("%s fails once %s moves past %s", f.name(), overrides, f.value()).isFalse();
                soft.assertThat(d.requested()).as("%s (%s) still requests after %s", f.name(), c.role(), overrides)
                        .isEqualTo(c.role() == FactorRole.INFORMATIONAL);
            }
        }
        soft.assertAll();
    }

    /** A car closing at 20 m/s whose closing speed is known to ±15 m/s: TTC 2.0 … 1.6 s with σ 1.5 … 1.2 s. */
    private static ObjectKinematics vagueCar(int frame) {
        ObjectKinematics o = car(40 - 2 * frame, 20);
        o.rangeRateSigmaMps = 15;
        return o;
    }

    private static StoredEvent stored(String sessionId, int sequence, String id, long atNanos, SightlineEvent payload) {
        return new StoredEvent(id, sessionId, sequence, sequence + 1, atNanos, payload);
    }

    private static DriveSessionStarted started(String sessionId) {
        return new DriveSessionStarted(sessionId, "fleet", "vehicle", "device", "test", T0_NANOS, null, POLICY.version(), THRESHOLDS);
    }

    @Test
    void whatIfOnTheMaxTtcSigmaThresholdRaisesAnAlertTheTtcSpreadGateWithheld() {
        String s = "s-sigma-loose";
        List<StoredEvent> events = new ArrayList<>(List.of(stored(s, 0, s + "/start", T0_NANOS, started(s))));
        RuleEvaluation ev = new RuleEvaluation();
        for (int k = 0; k < 5; k++) {
            ObjectKinematics o = vagueCar(k);
            risk.forwardCollision(o, 20, ev);
            assertThat(ev.suppression()).as("frame %d withheld by the TTC spread", k).isEqualTo(SuppressionReason.LOW_CONFIDENCE);
            String id = s + "/f" + k + "/trk-1/FORWARD_COLLISION";
            events.add(stored(s, k + 1, id, T0_NANOS + (k + 1) * FRAME_NANOS, recorded(id, o, 20, ev)));
        }

        WhatIfReport report = new WhatIfReplay(new InMemoryEventLookup(events)).replay(s, T0_NANOS, T0_NANOS + 10 * FRAME_NANOS,
                PolicyThresholds.of(started(s)).with("sigma-2s", Map.of(ThresholdKey.FCW_MAX_TTC_SIGMA_S.key(), 2.0)));

        assertThat(report.changedDecisions()).hasSize(5).allSatisfy(c -> {
            assertThat(c.whatIfLevel()).isEqualTo("WARNING");
            assertThat(c.flippedFactors()).singleElement().satisfies(f -> {
                assertThat(f.factor()).isEqualTo(Factor.FCW_TTC_SIGMA.key());
                assertThat(f.recordedThreshold()).isEqualTo(1.0);
                assertThat(f.whatIfThreshold()).isEqualTo(2.0);
            });
        });
        assertThat(report.appearingAlerts()).singleElement().satisfies(a -> {
            assertThat(a.ruleName()).isEqualTo("FORWARD_COLLISION");
            assertThat(a.assessmentsRequested()).isEqualTo(5);
        });
    }

    @Test
    void whatIfOnTheMaxTtcSigmaThresholdRemovesAnAlertItNoLongerTrusts() {
        String s = "s-sigma-strict";
        List<StoredEvent> events = new ArrayList<>(List.of(stored(s, 0, s + "/start", T0_NANOS, started(s))));
        RuleEvaluation ev = new RuleEvaluation();
        String first = null;
        for (int k = 0; k < 3; k++) {
            ObjectKinematics o = car(50 - 2 * k, 20);
            risk.forwardCollision(o, 20, ev);
            assertThat(ev.requested()).isTrue();
            String id = s + "/f" + k + "/trk-1/FORWARD_COLLISION";
            first = first == null ? id : first;
            events.add(stored(s, k + 1, id, T0_NANOS + (k + 1) * FRAME_NANOS, recorded(id, o, 20, ev)));
        }
        String alertId = s + "/alert/1";
        events.add(stored(s, 4, alertId, T0_NANOS + FRAME_NANOS, new AlertRaised(alertId, "FORWARD_COLLISION", "WARNING", "trk-1",
                POLICY.version(), T0_NANOS + FRAME_NANOS, List.of(first))));
        double recordedSigmaS = ((RiskAssessed) events.get(1).payload()).factors().stream()
                .filter(f -> f.name().equals(Factor.FCW_TTC_SIGMA.key())).findFirst().orElseThrow().value();

        WhatIfReport report = new WhatIfReplay(new InMemoryEventLookup(events)).replay(s, T0_NANOS, T0_NANOS + 10 * FRAME_NANOS,
                PolicyThresholds.of(started(s)).with("sigma-tight", Map.of(ThresholdKey.FCW_MAX_TTC_SIGMA_S.key(), recordedSigmaS / 2)));

        assertThat(report.recordedAlerts()).singleElement().satisfies(a -> {
            assertThat(a.outcome()).isEqualTo(WhatIfReport.Outcome.DISAPPEARS);
            assertThat(a.decidingFactors()).filteredOn(f -> f.factor().equals(Factor.FCW_TTC_SIGMA.key())).singleElement()
                    .satisfies(f -> assertThat(f.whatIfTriggered()).isFalse());
        });
    }

    @Test
    void gateFactorsAreTheOnesSuppressionsName() {
        Set<String> gates = Stream.of(Factor.values()).filter(f -> f.role() == FactorRole.GATE).map(Factor::key)
                .collect(Collectors.toSet());
        RuleEvaluation ev = new RuleEvaluation();
        risk.forwardCollision(vagueCar(0), 20, ev);
        assertThat(ev.suppression()).isEqualTo(SuppressionReason.LOW_CONFIDENCE);
        for (int i = 0; i < ev.factorCount(); i++) {
            if (!ev.factorTriggered(i)) {
                assertThat(gates).as("failed factor of a suppressed rule").contains(ev.factorName(i));
            }
        }
    }
}
