package io.sightline.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.sightline.explain.sample.SyntheticDrive;
import io.sightline.explain.whatif.PolicyThresholds;
import io.sightline.explain.whatif.WhatIfReplay;
import io.sightline.explain.whatif.WhatIfReport;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What-if replay of the unit session under other TTC thresholds (TTCs per frame in {@link Sessions#unitSession}). */
class WhatIfReplayTest {

    static final String S = "s-whatif";
    static final long FROM = Sessions.T0;
    static final long TO = Sessions.T0 + 100_000_000_000L;
    static final PolicyThresholds V1 = new PolicyThresholds("v1", SyntheticDrive.POLICY_V1);

    WhatIfReport replay(double ttcS) {
        return new WhatIfReplay(Sessions.lookup(Sessions.unitSession(S).events(), S))
                .replay(S, FROM, TO, V1.with("v-ttc" + ttcS, Map.of("forwardCollision.ttcRaiseS", ttcS)));
    }

    @Test
    void samePolicyChangesNothing() {
        WhatIfReport r = new WhatIfReplay(Sessions.lookup(Sessions.unitSession(S).events(), S)).replay(S, FROM, TO, V1);
        assertThat(r.assessments()).isEqualTo(12);
        assertThat(r.changedDecisions()).isEmpty();
        assertThat(r.appearingAlerts()).isEmpty();
        assertThat(r.recordedAlerts()).singleElement().satisfies(a -> {
            assertThat(a.outcome()).isEqualTo(WhatIfReport.Outcome.KEPT);
            assertThat(a.shiftS()).isZero();
        });
    }

    @Test
    void stricterThresholdDelaysTheAlert() {
        // 1.9 s: k = 4 (2.04 s) and k = 5 (1.94 s) no longer request; k = 6 (1.84 s) does, 0.2 s later.
        WhatIfReport r = replay(1.9);
        assertThat(r.recordedPolicyVersions()).containsExactly("v1");
        assertThat(r.changedDecisions()).extracting(WhatIfReport.DecisionChange::assessmentEventId)
                .containsExactly(S + "/f4/trk-1/FORWARD_COLLISION", S + "/f5/trk-1/FORWARD_COLLISION");
        WhatIfReport.DecisionChange first = r.changedDecisions().get(0);
        assertThat(first.recordedLevel()).isEqualTo("WARNING");
        assertThat(first.whatIfLevel()).isEqualTo("NONE");
        assertThat(first.sessionTimeS()).isCloseTo(10.4, offset(1e-9));
        assertThat(first.flippedFactors()).singleElement().satisfies(f -> {
            assertThat(f.factor()).isEqualTo("fcw.ttc");
            assertThat(f.recordedThreshold()).isEqualTo(2.1);
            assertThat(f.whatIfThreshold()).isEqualTo(1.9);
            assertThat(f.whatIfMarginInUnit()).isCloseTo(1.9 - 18.4 / 9, offset(1e-12));
        });
        assertThat(r.recordedAlerts()).singleElement().satisfies(a -> {
            assertThat(a.alertId()).isEqualTo(S + "/alert/1");
            assertThat(a.outcome()).isEqualTo(WhatIfReport.Outcome.KEPT);
            assertThat(a.shiftS()).isCloseTo(0.2, offset(1e-9));
        });
        assertThat(r.appearingAlerts()).isEmpty();
    }

    @Test
    void muchStricterThresholdRemovesTheAlert() {
        WhatIfReport r = replay(1.5);
        assertThat(r.changedDecisions()).hasSize(4);
        assertThat(r.recordedAlerts()).singleElement().satisfies(a -> {
            assertThat(a.outcome()).isEqualTo(WhatIfReport.Outcome.DISAPPEARS);
            assertThat(a.whatIfFirstRequestNanos()).isNull();
            assertThat(a.decidingFactors()).filteredOn(f -> f.factor().equals("fcw.ttc")).singleElement()
                    .satisfies(f -> assertThat(f.whatIfMarginInUnit()).isCloseTo(1.5 - 18.4 / 9, offset(1e-12)));
        });
    }

    @Test
    void looserThresholdRaisesEarlierAndAddsAnAlert() {
        // 2.25 s: trk-1 k = 3 (2.144 s, age 0.3 s) now requests, 0.1 s before the recorded raise
        // (k = 2 has 2.244 s but age 0.2 s < 0.3 s); trk-2 k = 3 (2.2 s) is a new alert at 20.3 s.
        WhatIfReport r = replay(2.25);
        assertThat(r.changedDecisions()).extracting(WhatIfReport.DecisionChange::assessmentEventId)
                .containsExactly(S + "/f3/trk-1/FORWARD_COLLISION", S + "/f11/trk-2/FORWARD_COLLISION");
        assertThat(r.recordedAlerts()).singleElement().satisfies(a -> assertThat(a.shiftS()).isCloseTo(-0.1, offset(1e-9)));
        assertThat(r.appearingAlerts()).singleElement().satisfies(a -> {
            assertThat(a.trackId()).isEqualTo("trk-2");
            assertThat(a.level()).isEqualTo("WARNING");
            assertThat(a.sessionTimeS()).isCloseTo(20.3, offset(1e-9));
            assertThat(a.assessmentsRequested()).isEqualTo(1);
            assertThat(a.factors().get(0).whatIfMarginInUnit()).isCloseTo(2.25 - 2.2, offset(1e-12));
        });
        assertThat(r.limitations()).isNotEmpty();
    }

    @Test
    void unknownThresholdKeysKeepTheRecordedThreshold() {
        WhatIfReport r = new WhatIfReplay(Sessions.lookup(Sessions.unitSession(S).events(), S))
                .replay(S, FROM, TO, new PolicyThresholds("empty", Map.of("fcw.ttcWarnS", 1.5)));
        // fcw.ttcWarnS is the short alias of the TTC threshold; nothing else is set, so the rest stays as recorded.
        assertThat(r.recordedAlerts()).singleElement().satisfies(a -> assertThat(a.outcome()).isEqualTo(WhatIfReport.Outcome.DISAPPEARS));
    }
}
