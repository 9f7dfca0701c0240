package io.sightline.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.explain.margins.Counterfactual;
import io.sightline.explain.margins.Counterfactuals;
import io.sightline.explain.margins.FactorMargin;
import io.sightline.explain.margins.KinematicBound;
import io.sightline.explain.margins.TtcKinematics;
import io.sightline.explain.narrative.Narrative;
import io.sightline.explain.narrative.Narrator;
import io.sightline.explain.sample.SyntheticDrive;
import io.sightline.explain.trace.CausalTrace;
import io.sightline.explain.trace.CausalTraceEngine;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Narrative numbers and counterfactual margins, against values computed by hand in the comments. */
class NarrativeAndMarginsTest {

    static final String S = "s-narr";

    @Test
    void narrativeStatesTheDecisionWithItsNumbersAndProvenance() {
        CausalTrace trace = new CausalTraceEngine(Sessions.lookup(Sessions.unitSession(S).events(), S)).trace(S + "/alert/1");
        Narrative n = Narrator.narrate(trace);
        // k = 4: 10.4 s, range 22 − 0.9·4 = 18.4 m, TTC 18.4/9 = 2.044 s; lateral −0.9 < 0.9 + 0.3.
        assertThat(n.headline()).isEqualTo("Forward collision warning at 10.4 s: car track trk-1 at 18.4 m closing at 9 m/s,"
                + " TTC 2.04 s against the 2.1 s threshold (policy v1); lateral offset -0.9 m < 1.2 m;"
                + " ego speed 22.4 m/s ≥ 8 m/s gate; track age 0.4 s ≥ 0.3 s gate;"
                + " detections by yolox-nano 0.1.1rc0 (sha256 695e…).");
        assertThat(n.details()).containsExactly(
                "Decided on frame 4 of synthetic.mp4 (10.4 s into the source) from 5 track updates and 5 detections in the trace.",
                "Session s-narr of vehicle veh-1 (fleet fleet-a), calibration udacity-960x540-assumed-v1 (assumed).",
                // v_max = d/T = 18.4/2.1 = 8.762 m/s
                "No alert if closing speed had been below 8.76 m/s.",
                "Actuated buzzer (triple-beep, 1 s).",
                "Reviewed TRUE_POSITIVE by reviewer@fleet.");
    }

    @Test
    void marginsOfTheDecidingAssessmentAtConstantVelocity() {
        CausalTrace trace = new CausalTraceEngine(Sessions.lookup(Sessions.unitSession(S).events(), S)).trace(S + "/alert/1");
        Counterfactual cf = Counterfactuals.of((RiskAssessed) trace.decidingAssessment().orElseThrow().payload());
        assertThat(cf.alerted()).isTrue();
        assertThat(cf.kinematicsMatchRecordedTtc()).isTrue();
        Map<String, FactorMargin> byName = cf.factors().stream().collect(java.util.stream.Collectors.toMap(FactorMargin::factor, m -> m));
        // TTC 2.0444 s against 2.1 s: 0.0556 s inside.
        assertThat(byName.get("fcw.ttc").marginInUnit()).isCloseTo(2.1 - 18.4 / 9, offset(1e-9));
        assertThat(byName.get("fcw.ttc").statement()).isEqualTo("no alert if TTC had been > 2.1 s: it was 2.04 s, 0.06 s from flipping");
        assertThat(byName.get("fcw.egoSpeed").marginInUnit()).isCloseTo(14.4, offset(1e-9));
        assertThat(byName.get("fcw.egoSpeed").statement()).isEqualTo("no alert if ego speed had been < 8 m/s: it was 22.4 m/s, 14.4 m/s from flipping");
        assertThat(byName.get("fcw.trackAge").marginInUnit()).isCloseTo(0.1, offset(1e-9));
        // required deceleration 9²/(2·18.4) = 2.201 m/s² is informational.
        assertThat(byName.get("fcw.requiredDecel").decisive()).isFalse();
        assertThat(byName.get("fcw.requiredDecel").flipsDecision()).isFalse();
        assertThat(cf.factors()).filteredOn(FactorMargin::decisive).allMatch(FactorMargin::flipsDecision);

        Map<String, KinematicBound> k = cf.kinematics().stream().collect(java.util.stream.Collectors.toMap(KinematicBound::quantity, b -> b));
        // v* = 18.4/2.1 = 8.7619 m/s; d* = 9·2.1 = 18.9 m; a*: 2d/v = 4.09 s > 2.1 s, so 2(9·2.1 − 18.4)/2.1² = 0.2268 m/s².
        assertThat(k.get("closingSpeedMps").boundary()).isCloseTo(8.761904761904763, offset(1e-9));
        assertThat(k.get("closingSpeedMps").comparison()).isEqualTo("<");
        assertThat(k.get("closingSpeedMps").changeNeeded()).isCloseTo(-0.238095238, offset(1e-8));
        assertThat(k.get("rangeM").boundary()).isCloseTo(18.9, offset(1e-9));
        assertThat(k.get("rangeM").comparison()).isEqualTo(">");
        assertThat(k.get("relativeAccelMps2").boundary()).isCloseTo(0.22675736961451246, offset(1e-9));
        assertThat(k.get("rangeM").statement()).isEqualTo("no alert if range had been above 18.9 m (recorded 18.4 m)");
    }

    static RiskAssessed assessed(double rangeM, double closingMps, double accelMps2, String level, double ttcThresholdS) {
        double ttc = TtcKinematics.ttcS(rangeM, closingMps, accelMps2);
        return new RiskAssessed("ra", "f", "trk", "FORWARD_COLLISION", "v1", level, rangeM, closingMps, accelMps2, ttc, 20,
                List.of(new RiskFactor("fcw.ttc", ttc, "s", "<=", ttcThresholdS, ttcThresholdS - ttc, ttc <= ttcThresholdS),
                        new RiskFactor("fcw.egoSpeed", 20, "m/s", ">=", 8, 12, true)), List.of());
    }

    @Test
    void openingAccelerationWhereRangeTouchesZeroBeforeTheThreshold() {
        // d = 5 m, v = 6 m/s, a = +4 m/s²: r(t) = 5 − 6t + 2t² never reaches 0 (6² < 2·4·5), TTC capped at 99 s.
        RiskAssessed r = assessed(5, 6, 4, "NONE", 2.1);
        assertThat(r.ttcS()).isEqualTo(99.0);
        Counterfactual cf = Counterfactuals.of(r);
        Map<String, KinematicBound> k = cf.kinematics().stream().collect(java.util.stream.Collectors.toMap(KinematicBound::quantity, b -> b));
        // Tangent time √(2d/a) = 1.58 s ≤ 2.1 s, so v* = √(2ad) = √40 = 6.3246 m/s (not d/T + aT/2 = 6.58).
        assertThat(k.get("closingSpeedMps").boundary()).isCloseTo(Math.sqrt(40), offset(1e-12));
        assertThat(k.get("closingSpeedMps").comparison()).isEqualTo(">=");
        assertThat(TtcKinematics.ttcS(5, Math.sqrt(40) + 1e-6, 4)).isLessThanOrEqualTo(2.1);
        assertThat(TtcKinematics.ttcS(5, Math.sqrt(40) - 1e-6, 4)).isEqualTo(99.0);
        // d* = max over t ≤ 2.1 of 6t − 2t²: at t = 1.5 s, 4.5 m. a* = v²/(2d) = 3.6 m/s² since 2d/v = 1.67 s ≤ 2.1 s.
        assertThat(k.get("rangeM").boundary()).isCloseTo(4.5, offset(1e-12));
        assertThat(k.get("relativeAccelMps2").boundary()).isCloseTo(3.6, offset(1e-12));
        assertThat(cf.factors().get(0).flipsDecision()).as("only the TTC factor fails").isTrue();
        assertThat(cf.factors().get(0).statement()).isEqualTo("an alert if TTC ≤ 2.1 s: it was 99 s, 96.9 s short");
    }

    @Test
    void closingAccelerationAndRootOutsideTheThreshold() {
        // d = 30 m, v = 5 m/s, a = −2 m/s²: 30 − 5t − t² = 0 at t = (−5 + √145)/2 = 3.5208 s.
        RiskAssessed r = assessed(30, 5, -2, "NONE", 2.1);
        assertThat(r.ttcS()).isCloseTo((-5 + Math.sqrt(145)) / 2, offset(1e-12));
        Map<String, KinematicBound> k = Counterfactuals.of(r).kinematics().stream()
                .collect(java.util.stream.Collectors.toMap(KinematicBound::quantity, b -> b));
        // v* = d/T + aT/2 = 14.2857 − 2.1 = 12.1857 m/s; d* = vT − aT²/2 = 10.5 + 4.41 = 14.91 m.
        assertThat(k.get("closingSpeedMps").boundary()).isCloseTo(30 / 2.1 - 2.1, offset(1e-12));
        assertThat(TtcKinematics.ttcS(30, 30 / 2.1 - 2.1, -2)).isCloseTo(2.1, offset(1e-9));
        assertThat(k.get("rangeM").boundary()).isCloseTo(14.91, offset(1e-12));
        // a*: 2d/v = 12 s > 2.1 s, so 2(vT − d)/T² = 2(10.5 − 30)/4.41 = −8.8435 m/s².
        assertThat(k.get("relativeAccelMps2").boundary()).isCloseTo(2 * (10.5 - 30) / 4.41, offset(1e-12));
        assertThat(TtcKinematics.ttcS(30, 5, 2 * (10.5 - 30) / 4.41)).isCloseTo(2.1, offset(1e-9));
    }

    @Test
    void sessionGeneratorProducesTheAssessmentsTheTestsAssume() {
        SyntheticDrive drive = Sessions.unitSession(S);
        List<RiskAssessed> ra = drive.events().stream().map(e -> e.payload()).filter(RiskAssessed.class::isInstance)
                .map(RiskAssessed.class::cast).toList();
        assertThat(ra).extracting(RiskAssessed::level).containsExactly(
                "NONE", "NONE", "NONE", "NONE", "WARNING", "WARNING", "WARNING", "WARNING", "NONE", "NONE", "NONE", "NONE");
        assertThat(ra.get(4).ttcS()).isCloseTo(18.4 / 9, offset(1e-12));
    }
}
