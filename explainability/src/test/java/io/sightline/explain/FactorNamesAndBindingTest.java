package io.sightline.explain;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.explain.margins.Counterfactuals;
import io.sightline.explain.margins.FactorNames;
import io.sightline.explain.whatif.Decision;
import io.sightline.explain.whatif.PolicyThresholds;
import io.sightline.explain.whatif.RecordedFactorDecisionModel;
import io.sightline.explain.whatif.ThresholdBinding;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Factor names as recorded events carry them (written out here, since they are the wire format)
 * against the explanations' view of the catalog.
 */
class FactorNamesAndBindingTest {

    private final ThresholdBinding binding = ThresholdBinding.edgePolicy();

    @Test
    void theTtcSpreadGateIsNamedAndBoundToItsThreshold() {
        assertThat(FactorNames.label("fcw.ttcSigma")).isEqualTo("TTC spread");
        assertThat(FactorNames.isGate("fcw.ttcSigma")).isTrue();
        assertThat(binding.thresholdFor("fcw.ttcSigma", Map.of("forwardCollision.maxTtcSigmaS", 0.7))).hasValue(0.7);
    }

    @Test
    void rolesComeFromTheCatalog() {
        assertThat(FactorNames.informational("fcw.requiredDecel")).isTrue();
        assertThat(FactorNames.isPath("vru.predictedLateralOffset")).isTrue();
        assertThat(FactorNames.isTtc("vru.ttc")).isTrue();
        assertThat(FactorNames.isGate("headway.durationBelow")).as("a hazard, not a gate").isFalse();
    }

    @Test
    void pathCorridorsAreTheSumOfHalfWidthAndTheRulesMargin() {
        Map<String, Double> t = Map.of("egoHalfWidthM", 0.9, "followingDistance.corridorMarginM", 0.4);
        assertThat(binding.thresholdFor("headway.lateralOffset", t)).hasValue(1.3);
        assertThat(binding.thresholdFor("fcw.lateralOffset", t)).as("another rule's margin").isEmpty();
    }

    @Test
    void theRecordedLegacyTtcKeyStillBindsButTheCatalogKeyWins() {
        assertThat(binding.thresholdFor("fcw.ttc", Map.of("fcw.ttcWarnS", 2.1))).hasValue(2.1);
        assertThat(binding.thresholdFor("fcw.ttc", Map.of("fcw.ttcWarnS", 2.1, "forwardCollision.ttcRaiseS", 3.0))).hasValue(3.0);
    }

    @Test
    void anUnknownFactorKeepsItsRecordedNameAndDecides() {
        assertThat(FactorNames.label("rollingStop.speedAtLine")).isEqualTo("rollingStop.speedAtLine");
        assertThat(FactorNames.informational("rollingStop.speedAtLine")).isFalse();
        assertThat(binding.thresholdFor("rollingStop.speedAtLine", Map.of("rollingStop.speedAtLine", 1.0))).hasValue(1.0);
    }

    @Test
    void aWhatIfOnTheTtcSpreadThresholdWithholdsTheWarning() {
        RiskAssessed r = new RiskAssessed("a", "f", "trk-1", "FORWARD_COLLISION", "v1", "WARNING", 40, 20, 0, 2, 20,
                List.of(new RiskFactor("fcw.ttc", 2, "s", "<=", 3, 1, true),
                        new RiskFactor("fcw.ttcSigma", 0.4, "s", "<=", 1, 0.6, true)), List.of());
        Decision d = new RecordedFactorDecisionModel()
                .decide(r, new PolicyThresholds("tight", Map.of("forwardCollision.ttcRaiseS", 3.0, "forwardCollision.maxTtcSigmaS", 0.3)));
        assertThat(d.requested()).isFalse();
        assertThat(d.factorsWithoutThreshold()).isEmpty();
    }

    @Test
    void theMarginsTableShowsTheTtcSpreadByItsName() {
        RiskAssessed r = new RiskAssessed("a", "f", "trk-1", "FORWARD_COLLISION", "v1", "WARNING", 40, 20, 0, 2, 20,
                List.of(new RiskFactor("fcw.ttc", 2, "s", "<=", 3, 1, true),
                        new RiskFactor("fcw.ttcSigma", 0.4, "s", "<=", 1, 0.6, true)), List.of());
        assertThat(Counterfactuals.of(r).factors()).filteredOn(m -> m.factor().equals("fcw.ttcSigma")).singleElement()
                .satisfies(m -> {
                    assertThat(m.label()).isEqualTo("TTC spread");
                    assertThat(m.decisive()).isTrue();
                    assertThat(m.statement()).startsWith("no alert if TTC spread had been > 1 s");
                });
    }
}
