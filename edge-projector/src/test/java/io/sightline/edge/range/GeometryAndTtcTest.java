package io.sightline.edge.range;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class GeometryAndTtcTest {

    private static final CameraModel LEVEL = new CameraModel(1000, 1000, 640, 360, 1280, 720, 1.3, 0);
    private static final CameraModel PITCHED = new CameraModel(1000, 1000, 640, 360, 1280, 720, 1.3, 0.03);

    @Test
    void levelGroundRangeIsTheTextbookFormula() {
        // Z = f·H / (y_bottom − y_horizon): bottom 26 px below the horizon at f = 1000, H = 1.3 → 50 m
        assertThat(LEVEL.horizonRowPx()).isEqualTo(360.0);
        assertThat(LEVEL.groundRangeM(386)).isCloseTo(50.0, within(1e-9));
        assertThat(LEVEL.groundRangeM(360)).isInfinite();
        assertThat(LEVEL.groundRangeM(300)).isInfinite();
    }

    @Test
    void pitchedGroundRangeInvertsTheProjection() {
        for (double z : new double[] {5, 20, 60, 150}) {
            double row = PITCHED.rowPx(PITCHED.mountingHeightM(), z);
            assertThat(PITCHED.groundRangeM(row)).isCloseTo(z, within(1e-9 * z));
        }
        // pitching down moves the horizon up by f·tanθ
        assertThat(PITCHED.horizonRowPx()).isCloseTo(360 - 1000 * Math.tan(0.03), within(1e-9));
        // ignoring a 0.03 rad pitch would put a car 20 m ahead at 37 m: the point of including it
        double row20 = PITCHED.rowPx(1.3, 20);
        assertThat(LEVEL.groundRangeM(row20)).isGreaterThan(35);
    }

    @Test
    void groundRangeSensitivityMatchesTheDerivative() {
        double row = PITCHED.rowPx(1.3, 40);
        double h = 1e-3;
        double numeric = -(PITCHED.groundRangeM(row + h) - PITCHED.groundRangeM(row - h)) / (2 * h);
        assertThat(PITCHED.groundRangeSensitivityMPerPx(row)).isCloseTo(numeric, within(1e-6 * numeric));
    }

    @Test
    void exactBoxGivesTheTrueRangeFromBothCuesAndFusionShrinksTheSpread() {
        MonocularRange mono = new MonocularRange(LEVEL, 1.0, 0.0, 2.0);
        RangeMeasurement m = new RangeMeasurement();
        // a 1.8 m car, 40 m ahead, 1 m right: box from projection
        double z = 40;
        double x1 = 640 + 1000 * (1 - 0.9) / z;
        double x2 = 640 + 1000 * (1 + 0.9) / z;
        double y2 = 360 + 1000 * 1.3 / z;
        double y1 = 360 + 1000 * (1.3 - 1.5) / z;
        mono.measure(x1, y1, x2, y2, ObjectClass.CAR, m);
        assertThat(m.groundRangeM()).isCloseTo(40, within(1e-9));
        assertThat(m.widthRangeM()).isCloseTo(40, within(1e-9));
        assertThat(m.rangeM()).isCloseTo(40, within(1e-9));
        assertThat(m.sigmaM()).isLessThan(Math.min(m.groundSigmaM(), m.widthSigmaM()));
        double expected = 1 / Math.sqrt(1 / Math.pow(m.groundSigmaM(), 2) + 1 / Math.pow(m.widthSigmaM(), 2));
        assertThat(m.sigmaM()).isCloseTo(expected, within(1e-12));
        // ground plane: 1 px is worth Z²/(f·H) m
        assertThat(m.groundSigmaM()).isCloseTo(40 * 40 / 1300.0, within(1e-6));
        assertThat(m.bearingTan() * 40).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void clippedEdgesDropTheCueThatNeedsThem() {
        MonocularRange mono = new MonocularRange(LEVEL, 1.0, 0.0, 2.0);
        RangeMeasurement m = new RangeMeasurement();
        mono.measure(500, 300, 700, 720, ObjectClass.CAR, m);
        assertThat(m.groundRangeM()).isNaN();
        assertThat(m.widthRangeM()).isCloseTo(1000 * 1.8 / 200, within(1e-9));
        mono.measure(0, 300, 100, 400, ObjectClass.CAR, m);
        assertThat(m.widthRangeM()).isNaN();
        assertThat(m.groundRangeM()).isCloseTo(1300 / 40.0, within(1e-9));
        mono.measure(0, 300, 1280, 720, ObjectClass.CAR, m);
        assertThat(m.isValid()).isFalse();
        mono.measure(600, 300, 620, 340, ObjectClass.OTHER, m);
        assertThat(m.isValid()).as("above the horizon and no width prior").isFalse();
    }

    @Test
    void ttcSolvesTheQuadraticAndFallsBackToConstantVelocity() {
        assertThat(Ttc.timeToCollisionS(40, -20, 0)).isCloseTo(2.0, within(1e-12));
        // lead braking at 0.3 g from equal speed 30 m ahead: d = 30 − ½·2.942·t² → t = sqrt(60/2.942)
        assertThat(Ttc.timeToCollisionS(30, 0, -2.942)).isCloseTo(Math.sqrt(60 / 2.942), within(1e-9));
        // closing at 10 m/s but opening acceleration 5 m/s² from 20 m: 20 − 10t + 2.5t² > 0 always
        assertThat(Ttc.timeToCollisionS(20, -10, 5)).isEqualTo(Ttc.NO_COLLISION_S);
        // opening acceleration that is not enough: smallest positive root of 20 − 10t + t² = 0
        assertThat(Ttc.timeToCollisionS(20, -10, 2)).isCloseTo(5 - Math.sqrt(5), within(1e-9));
        assertThat(Ttc.timeToCollisionS(20, 5, 0)).isEqualTo(Ttc.NO_COLLISION_S);
        assertThat(Ttc.timeToCollisionS(0, -5, 0)).isZero();
        assertThat(Ttc.requiredDecelMps2(50, 20)).isCloseTo(4.0, within(1e-12));
        assertThat(Ttc.requiredDecelMps2(50, -3)).isZero();
    }
}
