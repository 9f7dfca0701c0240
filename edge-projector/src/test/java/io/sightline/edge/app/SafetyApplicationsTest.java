package io.sightline.edge.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.domain.risk.Comparison;
import io.sightline.domain.risk.FactorCatalog;
import io.sightline.domain.risk.FactorDefinition;
import io.sightline.domain.risk.FactorRole;
import io.sightline.domain.risk.FactorUnit;
import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.app.rollingstop.RollingStopApplication;
import io.sightline.edge.range.ObjectClass;
import io.sightline.edge.risk.AlertKind;
import io.sightline.edge.risk.ObjectKinematics;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.risk.RuleEvaluation;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What installing applications refuses, each with a message naming the application and what to fix. */
class SafetyApplicationsTest {

    /** An application assembled from parts, so that each test breaks exactly one of them. */
    record Declared(String name, List<AlertKind> kinds, List<FactorDefinition> factors, Map<String, Double> thresholds)
            implements SafetyApplication {
        @Override
        public String policyVersion() {
            return name + "-1";
        }

        @Override
        public List<AlertKind> alertKinds() {
            return kinds;
        }

        @Override
        public Set<PerceptionInput> inputs() {
            return Set.of(PerceptionInput.CONFIRMED_TRACKS);
        }

        @Override
        public ActuationConfig.PerKind actuation(AlertKind kind) {
            return ActuationConfig.defaults().forwardCollision();
        }

        @Override
        public boolean judges(ObjectClass objectClass) {
            return false;
        }

        @Override
        public boolean assess(Perception p, ObjectKinematics o, List<String> causes, RuleEvaluation out) {
            return false;
        }
    }

    static final AlertKind KIND = new AlertKind("TEST_CLOSE_CALL", "WARNING");
    static final FactorDefinition GAP = new FactorDefinition(KIND.name(), "testCloseCall.gap", "gap", FactorRole.HAZARD,
            FactorUnit.METRES, Comparison.LESS, List.of("testCloseCall.maxGapM"));

    static SafetyApplications standardWith(SafetyApplication app) {
        return SafetyApplications.standard(RiskPolicy.defaults(), ActuationConfig.defaults()).with(app);
    }

    @Test
    void aWellDeclaredApplicationInstallsAndItsFactorsJoinTheCatalog() {
        SafetyApplications apps = standardWith(new Declared("test-close-call", List.of(KIND), List.of(GAP),
                Map.of("testCloseCall.maxGapM", 2.0)));
        assertThat(apps.alertKinds()).extracting(AlertKind::name).containsExactly("FORWARD_COLLISION", "FOLLOWING_DISTANCE",
                "VULNERABLE_ROAD_USER", "ROLLING_STOP", "TEST_CLOSE_CALL");
        assertThat(FactorCatalog.byKey("testCloseCall.gap")).contains(GAP);
        assertThat(FactorCatalog.byKey(RollingStopApplication.MIN_SPEED.key())).contains(RollingStopApplication.MIN_SPEED);
        assertThat(FactorCatalog.ruleLevel("ROLLING_STOP")).contains("ADVISORY");
    }

    @Test
    void aPolicyThresholdNoFactorUsesIsRefused() {
        assertThatThrownBy(() -> standardWith(new Declared("test-close-call", List.of(KIND), List.of(GAP),
                Map.of("testCloseCall.maxGapM", 2.0, "testCloseCall.maxGapTypoM", 3.0))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("test-close-call").hasMessageContaining("testCloseCall.maxGapTypoM")
                .hasMessageContaining("no factor of the application uses");
    }

    @Test
    void aFactorWhosePolicyLacksItsThresholdIsRefused() {
        assertThatThrownBy(() -> standardWith(new Declared("test-close-call", List.of(KIND), List.of(GAP), Map.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("factor testCloseCall.gap is compared with testCloseCall.maxGapM, which its policy");
    }

    @Test
    void aThresholdInTheWrongUnitIsRefused() {
        assertThatThrownBy(() -> new FactorDefinition(KIND.name(), "testCloseCall.gap", "gap", FactorRole.HAZARD,
                FactorUnit.METRES, Comparison.LESS, List.of("testCloseCall.maxGapS")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is in m but its threshold 'testCloseCall.maxGapS' is not");
        assertThatThrownBy(() -> standardWith(new Declared("test-close-call", List.of(KIND), List.of(GAP),
                Map.of("testCloseCall.maxGapM", 2.0, "testCloseCall.holdTime", 1.0))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threshold testCloseCall.holdTime names no unit");
    }

    @Test
    void twoApplicationsClaimingTheSameAlertKindAreRefused() {
        AlertKind fcwAgain = new AlertKind("FORWARD_COLLISION", "WARNING");
        FactorDefinition f = new FactorDefinition("FORWARD_COLLISION", "testOther.gap", "gap", FactorRole.HAZARD,
                FactorUnit.METRES, Comparison.LESS, List.of("testOther.maxGapM"));
        assertThatThrownBy(() -> standardWith(new Declared("other-fcw", List.of(fcwAgain), List.of(f),
                Map.of("testOther.maxGapM", 1.0))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alert kind FORWARD_COLLISION is claimed by two safety applications, 'forward-collision' and 'other-fcw'");
    }

    @Test
    void aFactorOfAnotherRuleOrAKeyRedefinedIsRefused() {
        FactorDefinition foreign = new FactorDefinition("SOMEONE_ELSE", "testCloseCall.foreign", "x", FactorRole.HAZARD,
                FactorUnit.METRES, Comparison.LESS, List.of("testCloseCall.maxGapM"));
        assertThatThrownBy(() -> standardWith(new Declared("test-close-call", List.of(KIND), List.of(GAP, foreign),
                Map.of("testCloseCall.maxGapM", 2.0))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("belongs to rule SOMEONE_ELSE, which is not one of its alert kinds");
        FactorDefinition redefined = new FactorDefinition(KIND.name(), "fcw.ttc", "time to collision", FactorRole.HAZARD,
                FactorUnit.SECONDS, Comparison.LESS, List.of("testCloseCall.ttcS"));
        assertThatThrownBy(() -> standardWith(new Declared("test-close-call", List.of(KIND), List.of(redefined),
                Map.of("testCloseCall.ttcS", 2.0))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("factor fcw.ttc is already defined");
    }

    @Test
    void twoApplicationsWithOneNameAreRefused() {
        assertThatThrownBy(() -> standardWith(new Declared("rolling-stop", List.of(KIND), List.of(GAP),
                Map.of("testCloseCall.maxGapM", 2.0))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two safety applications are named 'rolling-stop'");
    }
}
