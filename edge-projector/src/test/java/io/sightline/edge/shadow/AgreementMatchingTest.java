package io.sightline.edge.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The matching under the shadow measures, on boxes and alerts small enough to check by hand. */
class AgreementMatchingTest {

    private static DetectionAgreement.Box box(String cls, float x1, float x2) {
        return new DetectionAgreement.Box(cls, 0.9f, x1, 100, x2, 110);
    }

    @Test
    void twoBoxesCompetingForOneAreBothMatchedWhereAGreedyMatchWouldLoseOne() {
        // Champion A1 [0,10], A2 [4,14]; challenger B1 [1,11] (IoU 0.82 with A1, 0.54 with A2), B2 [-3,7]
        // (0.54 with A1, 0.18 with A2). Greedy by best IoU takes A1-B1 and strands both A2 and B2.
        List<DetectionAgreement.Box> champion = List.of(box("car", 0, 10), box("car", 4, 14));
        List<DetectionAgreement.Box> challenger = List.of(box("car", 1, 11), box("car", -3, 7));
        assertThat(DetectionAgreement.iou(champion.get(0), challenger.get(0))).isCloseTo(9.0 / 11, within(1e-9));
        assertThat(DetectionAgreement.iou(champion.get(1), challenger.get(0))).isCloseTo(7.0 / 13, within(1e-9));
        DetectionAgreement agreement = new DetectionAgreement();
        agreement.onFrame(champion, challenger);
        DetectionAgreement.Counts car = agreement.perClass().get("car");
        assertThat(car.truePositives()).isEqualTo(2);
        assertThat(car.falsePositives()).isZero();
        assertThat(car.falseNegatives()).isZero();
        assertThat(car.f1()).isEqualTo(1.0);
    }

    @Test
    void aBoxOfAnotherClassOrBelowHalfIouIsAMissAndAFalseAlarm() {
        DetectionAgreement agreement = new DetectionAgreement();
        agreement.onFrame(List.of(box("car", 0, 10), box("car", 20, 30)), List.of(box("truck", 0, 10), box("car", 25, 35)));
        DetectionAgreement.Counts car = agreement.perClass().get("car");
        assertThat(car.truePositives()).isZero();
        assertThat(car.falseNegatives()).isEqualTo(2);
        // [25,35] against [20,30]: IoU 5/15, below 0.5.
        assertThat(car.falsePositives()).isEqualTo(1);
        assertThat(agreement.perClass().get("truck").falsePositives()).isEqualTo(1);
        assertThat(agreement.perClass().get("truck").recall()).isNaN();
        DetectionAgreement.Counts all = agreement.overall();
        assertThat(all.f1()).isZero();
        assertThat(all.championBoxes()).isEqualTo(2);
        assertThat(all.challengerBoxes()).isEqualTo(2);
    }

    @Test
    void alertsAgreeOnlyWithTheSameKindWithinHalfASecond() {
        long s = 1_000_000_000L;
        List<AlertAgreement.Alert> champion = List.of(
                new AlertAgreement.Alert("c1", "FORWARD_COLLISION", 10 * s, 3.0, 250),
                new AlertAgreement.Alert("c2", "FORWARD_COLLISION", 20 * s, 2.5, 500));
        List<AlertAgreement.Alert> challenger = List.of(
                new AlertAgreement.Alert("x1", "FORWARD_COLLISION", 10 * s + 400_000_000L, 2.8, 260),
                new AlertAgreement.Alert("x2", "FOLLOWING_DISTANCE", 20 * s, Double.NaN, 500),
                new AlertAgreement.Alert("x3", "FORWARD_COLLISION", 20 * s + 600_000_000L, 2.0, 515));
        AlertAgreement.Result r = AlertAgreement.of(champion, challenger);
        assertThat(r.agreed()).hasSize(1);
        AlertAgreement.Pair p = r.agreed().get(0);
        assertThat(p.champion().alertId()).isEqualTo("c1");
        assertThat(p.challenger().alertId()).isEqualTo("x1");
        assertThat(p.deltaS()).isCloseTo(0.4, within(1e-9));
        assertThat(p.ttcDifferenceS()).isCloseTo(-0.2, within(1e-9));
        assertThat(r.championOnly()).extracting(AlertAgreement.Alert::alertId).containsExactly("c2");
        assertThat(r.challengerOnly()).extracting(AlertAgreement.Alert::alertId).containsExactly("x2", "x3");
        assertThat(r.agreement()).isCloseTo(1.0 / 4, within(1e-12));
        assertThat(AlertAgreement.of(List.of(), List.of()).agreement()).isEqualTo(1.0);
    }
}
