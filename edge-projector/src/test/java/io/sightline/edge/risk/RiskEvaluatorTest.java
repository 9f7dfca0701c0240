package io.sightline.edge.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.sightline.domain.event.RiskFactor;
import io.sightline.domain.risk.Factor;
import io.sightline.edge.range.ObjectClass;
import java.util.List;
import org.junit.jupiter.api.Test;

class RiskEvaluatorTest {

    private final RiskPolicy policy = RiskPolicy.defaults();
    private final RiskEvaluator risk = new RiskEvaluator(policy);
    private final RuleEvaluation ev = new RuleEvaluation();

    /** A converged car track: range, closing speed, lateral centre. */
    private static ObjectKinematics car(double rangeM, double closingMps, double lateralM) {
        ObjectKinematics o = new ObjectKinematics();
        o.trackKey = "trk-1";
        o.objectClass = ObjectClass.CAR;
        o.rangeM = rangeM;
        o.rangeSigmaM = 0.5;
        o.rangeRateMps = -closingMps;
        o.rangeRateSigmaMps = 0.3;
        o.rangeAccelMps2 = 0;
        o.rangeAccelSigmaMps2 = 0.5;
        o.lateralM = lateralM;
        o.halfWidthM = 0.9;
        o.trackAgeS = 2.0;
        return o;
    }

    private static RiskFactor factor(List<RiskFactor> fs, Factor factor) {
        return fs.stream().filter(f -> f.name().equals(factor.key())).findFirst().orElseThrow();
    }

    @Test
    void fcwRecordsEveryFactorWithThresholdAndSignedMargin() {
        risk.forwardCollision(car(50, 20, 0), 20, ev);
        assertThat(ev.requested()).isTrue();
        assertThat(ev.level()).isEqualTo("WARNING");
        assertThat(ev.ttcS()).isCloseTo(2.5, within(1e-9));
        List<RiskFactor> fs = ev.factors();
        RiskFactor ttc = factor(fs, Factor.FCW_TTC);
        assertThat(ttc.value()).isCloseTo(2.5, within(1e-9));
        assertThat(ttc.threshold()).isEqualTo(policy.forwardCollision().ttcRaiseS());
        assertThat(ttc.comparison()).isEqualTo("<=");
        assertThat(ttc.margin()).isCloseTo(policy.forwardCollision().ttcRaiseS() - 2.5, within(1e-9));
        assertThat(ttc.unit()).isEqualTo("s");
        assertThat(ttc.triggered()).isTrue();
        RiskFactor lateral = factor(fs, Factor.FCW_LATERAL_OFFSET);
        assertThat(lateral.value()).isCloseTo(-0.9, within(1e-9));
        double corridorM = 0.9 + policy.forwardCollision().corridorMarginM();
        assertThat(lateral.threshold()).isCloseTo(corridorM, within(1e-9));
        assertThat(lateral.margin()).isCloseTo(corridorM + 0.9, within(1e-9));
        assertThat(factor(fs, Factor.FCW_REQUIRED_DECEL).value()).isCloseTo(4.0, within(1e-9));
        assertThat(factor(fs, Factor.FCW_EGO_SPEED).margin()).isCloseTo(20 - 2.78, within(1e-9));
    }

    @Test
    void fcwBelowThresholdMarginIsNegativeAndNothingIsAsked() {
        RiskPolicy.ForwardCollision p = policy.forwardCollision();
        double beyondHoldS = p.ttcClearS() + 0.1;
        risk.forwardCollision(car(20 * beyondHoldS, 20, 0), 20, ev);
        assertThat(ev.requested()).isFalse();
        assertThat(ev.suppression()).isNull();
        assertThat(ev.level()).isEqualTo("NONE");
        assertThat(factor(ev.factors(), Factor.FCW_TTC).margin()).isCloseTo(p.ttcRaiseS() - beyondHoldS, within(1e-9));
        // beyond the hold threshold: not sustained
        assertThat(ev.sustained()).isFalse();
        double inBandS = 0.5 * (p.ttcRaiseS() + p.ttcClearS());
        risk.forwardCollision(car(20 * inBandS, 20, 0), 20, ev);
        assertThat(ev.requested()).isFalse();
        assertThat(ev.sustained()).as("%s s is inside the hysteresis band", inBandS).isTrue();
    }

    @Test
    void fcwOutsideTheEgoPathIsNoHazardAndNoSuppression() {
        risk.forwardCollision(car(30, 20, 3.7), 20, ev);
        assertThat(ev.requested()).isFalse();
        assertThat(ev.suppression()).isNull();
        assertThat(factor(ev.factors(), Factor.FCW_LATERAL_OFFSET).margin())
                .isCloseTo(0.9 + policy.forwardCollision().corridorMarginM() - 2.8, within(1e-9));
    }

    @Test
    void fcwGatesSuppressWithTheirReason() {
        risk.forwardCollision(car(5, 2, 0), 1.0, ev);
        assertThat(ev.requested()).isFalse();
        assertThat(ev.suppression()).isEqualTo(SuppressionReason.SPEED_GATE);
        ObjectKinematics young = car(40, 20, 0);
        young.trackAgeS = 0.1;
        risk.forwardCollision(young, 20, ev);
        assertThat(ev.suppression()).isEqualTo(SuppressionReason.LOW_CONFIDENCE);
        ObjectKinematics vague = car(40, 20, 0);
        vague.rangeRateSigmaMps = 10;
        risk.forwardCollision(vague, 20, ev);
        assertThat(ev.suppression()).isEqualTo(SuppressionReason.LOW_CONFIDENCE);
        assertThat(factor(ev.factors(), Factor.FCW_TTC_SIGMA).value()).isCloseTo(10 * 40 / 400.0, within(0.01));
    }

    @Test
    void significantClosingAccelerationShortensTheTtcButNoiseAndOpeningDoNot() {
        ObjectKinematics o = car(30, 0, 0);
        o.rangeAccelMps2 = -2.942;
        o.rangeAccelSigmaMps2 = 0.5;
        assertThat(RiskEvaluator.ttcS(o)).isCloseTo(Math.sqrt(60 / 2.942), within(1e-9));
        o.rangeAccelSigmaMps2 = 3.0;
        assertThat(RiskEvaluator.ttcS(o)).as("within noise").isEqualTo(99.0);
        ObjectKinematics opening = car(30, 10, 0);
        opening.rangeAccelMps2 = 5;
        assertThat(RiskEvaluator.ttcS(opening)).isCloseTo(3.0, within(1e-9));
    }

    @Test
    void followingDistanceNeedsTheMinimumDuration() {
        ObjectKinematics o = car(10, 0, 0);
        long t0 = 1_000_000_000L;
        risk.followingDistance(o, 25, t0, ev);
        assertThat(ev.requested()).isFalse();
        assertThat(factor(ev.factors(), Factor.HEADWAY_TIME_GAP).value()).isCloseTo(0.4, within(1e-9));
        assertThat(factor(ev.factors(), Factor.HEADWAY_TIME_GAP).margin()).isCloseTo(0.6, within(1e-9));
        risk.followingDistance(o, 25, t0 + 2_900_000_000L, ev);
        assertThat(ev.requested()).isFalse();
        assertThat(factor(ev.factors(), Factor.HEADWAY_DURATION_BELOW).margin()).isCloseTo(-0.1, within(1e-9));
        risk.followingDistance(o, 25, t0 + 3_000_000_000L, ev);
        assertThat(ev.requested()).isTrue();
        assertThat(ev.level()).isEqualTo("ADVISORY");
        // one sample at a safe gap resets the timer
        o.rangeM = 60;
        risk.followingDistance(o, 25, t0 + 3_100_000_000L, ev);
        o.rangeM = 10;
        risk.followingDistance(o, 25, t0 + 3_200_000_000L, ev);
        assertThat(ev.requested()).isFalse();
    }

    @Test
    void vruUsesWhereThePersonWillBeWhenTheEgoArrives() {
        ObjectKinematics p = car(25, 11.1, 2.5);
        p.objectClass = ObjectClass.PERSON;
        p.halfWidthM = 0.25;
        p.lateralSpeedMps = 0;
        risk.vulnerableRoadUser(p, 11.1, ev);
        assertThat(ev.requested()).as("standing on the kerb").isFalse();
        p.lateralSpeedMps = -1.4;
        risk.vulnerableRoadUser(p, 11.1, ev);
        // 25 / 11.1 = 2.25 s: 2.5 − 1.4·2.25 = −0.65 m, in the path
        assertThat(ev.requested()).isTrue();
        assertThat(factor(ev.factors(), Factor.VRU_PREDICTED_LATERAL_OFFSET).value())
                .isCloseTo(Math.abs(2.5 - 1.4 * 25 / 11.1) - 0.25, within(1e-9));
    }

    @Test
    void policyIsDataWithAVersion() throws Exception {
        RiskPolicy back = RiskPolicy.fromJson(policy.toJson());
        assertThat(back).isEqualTo(policy);
        assertThat(policy.thresholds()).containsEntry("forwardCollision.ttcRaiseS", policy.forwardCollision().ttcRaiseS()).hasSize(20);
        String broken = policy.toJson().replace("\"ttcClearS\" : " + policy.forwardCollision().ttcClearS(), "\"ttcClearS\" : 2.0");
        assertThat(broken).isNotEqualTo(policy.toJson());
        assertThatThrownBy(() -> RiskPolicy.fromJson(broken)).hasMessageContaining("forwardCollision.ttcClearS");
        String missing = policy.toJson().replace("\"version\" : \"" + policy.version() + "\",", "");
        assertThat(missing).isNotEqualTo(policy.toJson());
        assertThatThrownBy(() -> RiskPolicy.fromJson(missing)).hasMessageContaining("version");
    }
}
