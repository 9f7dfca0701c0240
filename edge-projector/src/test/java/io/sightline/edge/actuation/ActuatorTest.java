package io.sightline.edge.actuation;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.ActuationCommanded;
import io.sightline.domain.event.AlertCleared;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.AlertSuppressed;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.edge.events.EdgeEventSink;
import io.sightline.edge.range.ObjectClass;
import io.sightline.edge.risk.ObjectKinematics;
import io.sightline.edge.risk.RiskEvaluator;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.risk.RuleEvaluation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Drives the actuator with real rule verdicts from the real evaluator. */
class ActuatorTest {

    private static final long MS = 1_000_000L;

    private final List<SightlineEvent> events = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();
    private final EdgeEventSink sink = (id, t, e) -> {
        ids.add(id);
        events.add(e);
    };
    private final RiskEvaluator risk = new RiskEvaluator(RiskPolicy.defaults());
    private final RuleEvaluation ev = new RuleEvaluation();
    private final ActuationConfig config = new ActuationConfig(
            new ActuationConfig.PerKind(1.0, 0.5, 3.0, 2, List.of("CHIME", "HUD"), "FCW_URGENT"),
            ActuationConfig.defaults().followingDistance(), ActuationConfig.defaults().vulnerableRoadUser());
    private final Actuator actuator = new Actuator(config, "p1", "test", sink);

    private void fcw(String track, double rangeM, double egoSpeedMps, long tNanos) {
        ObjectKinematics o = new ObjectKinematics();
        o.trackKey = track;
        o.objectClass = ObjectClass.CAR;
        o.rangeM = rangeM;
        o.rangeSigmaM = 0.5;
        o.rangeRateMps = -20;
        o.rangeRateSigmaMps = 0.2;
        o.rangeAccelSigmaMps2 = 0.5;
        o.halfWidthM = 0.9;
        o.trackAgeS = 2;
        risk.forwardCollision(o, egoSpeedMps, ev);
        actuator.offer(track, ev, "ra-" + track + "-" + tNanos, tNanos);
        actuator.tick(tNanos);
    }

    private <T> List<T> of(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void raisesCommandsHoldsForMinimumOnTimeAndClearsAfterTheHold() {
        fcw("a", 50, 20, 0);
        assertThat(of(AlertRaised.class)).hasSize(1);
        AlertRaised raised = of(AlertRaised.class).get(0);
        assertThat(raised.causes()).containsExactly("ra-a-0");
        assertThat(raised.policyVersion()).isEqualTo("p1");
        assertThat(of(ActuationCommanded.class)).extracting(ActuationCommanded::actuator).containsExactly("CHIME", "HUD");
        assertThat(of(ActuationCommanded.class)).allSatisfy(c -> assertThat(c.causes()).containsExactly(raised.alertId()));
        // condition gone at 100 ms (TTC 5 s, above the 3.5 s hold threshold): still on until min on-time 1 s
        fcw("a", 100, 20, 100 * MS);
        actuator.tick(900 * MS);
        assertThat(actuator.isActive(io.sightline.edge.risk.AlertKind.FORWARD_COLLISION)).isTrue();
        actuator.tick(1000 * MS);
        assertThat(of(AlertCleared.class)).hasSize(1);
        AlertCleared cleared = of(AlertCleared.class).get(0);
        assertThat(cleared.activeForNanos()).isEqualTo(1000 * MS);
        assertThat(cleared.causes()).containsExactly(raised.alertId(), "ra-a-0");
        assertThat(ids).doesNotHaveDuplicates();
    }

    @Test
    void hysteresisKeepsTheAlertWhileTtcIsInsideTheClearBand() {
        fcw("a", 50, 20, 0);
        for (int k = 1; k <= 60; k++) {
            fcw("a", 65, 20, k * 50 * MS); // TTC 3.25 s: not a raise, but inside the 3.5 s hold
        }
        assertThat(of(AlertCleared.class)).isEmpty();
        assertThat(of(AlertRaised.class)).hasSize(1);
    }

    @Test
    void cooldownRateCapAlreadyActiveAndGatesAreSuppressedWithReasonsOnce() {
        fcw("a", 50, 20, 0);
        fcw("b", 50, 20, 10 * MS);
        fcw("b", 50, 20, 20 * MS); // same reason again: no second event
        actuator.tick(2000 * MS); // "a" not sustained since 0: cleared at 2 s
        fcw("b", 50, 20, 2100 * MS); // within 3 s cooldown
        fcw("b", 50, 20, 5200 * MS); // after cooldown: raised (2nd of cap 2)
        actuator.tick(7000 * MS);
        fcw("c", 50, 20, 12000 * MS); // cap 2 per hour reached
        fcw("d", 10, 1.0, 12100 * MS); // ego 1 m/s: speed gate
        List<AlertSuppressed> s = of(AlertSuppressed.class);
        assertThat(s).extracting(AlertSuppressed::reason)
                .containsExactly("ALREADY_ACTIVE", "COOLDOWN", "RATE_CAP", "SPEED_GATE");
        assertThat(s).allSatisfy(x -> assertThat(x.causes()).hasSize(1));
        assertThat(s.get(3).detail()).contains("fcw.egoSpeed");
        assertThat(of(AlertRaised.class)).extracting(AlertRaised::trackId).containsExactly("a", "b");
    }
}
