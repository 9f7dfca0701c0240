package io.sightline.edge.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sightline.edge.testdata.SafetyTestData;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The simulator's lateral-speed profiles, oncoming actors and occlusion (issue 15 §1). */
class ScenarioWorldTest {

    private static String stopped() throws Exception {
        return Files.readString(SafetyTestData.scenarioDir().resolve("nhtsa-fcw-lead-stopped.json"));
    }

    @Test
    void lateralProfileIsPiecewiseLinearAndDecidesTheCollision() throws Exception {
        // a car 3.5 m to the left cuts in at 1 m/s from t = 2 s and stops moving sideways at t = 5.5 s (lateral 0)
        String json = stopped().replace("\"lateralM\": 0.0", "\"lateralM\": -3.5")
                .replace("\"lateralSpeedMps\": 0.0,", "\"lateralSpeedMps\": 0.0, \"lateralProfile\": [{\"atS\": 2.0, "
                        + "\"lateralSpeedMps\": 1.0}, {\"atS\": 5.5, \"lateralSpeedMps\": 0.0}],");
        ScenarioSpec spec = ScenarioSpecParser.parse(json, "cut-in");
        ScenarioWorld w = new ScenarioWorld(spec);
        assertThat(w.lateralM(0, 1.0)).isEqualTo(-3.5);
        assertThat(w.lateralM(0, 3.0)).isCloseTo(-2.5, within(1e-12));
        assertThat(w.lateralM(0, 7.0)).isCloseTo(0.0, within(1e-12));
        assertThat(w.collisionTimeS()).isCloseTo(150 / 20.1168, within(1e-6));
        // without the profile the car stays in its lane: no collision
        assertThat(new ScenarioWorld(ScenarioSpecParser.parse(stopped().replace("\"lateralM\": 0.0", "\"lateralM\": -3.5"), "x"))
                .collisionTimeS()).isNaN();
    }

    @Test
    void anOncomingActorClosesTheRangeWithItsOwnSpeed() throws Exception {
        String json = stopped().replace("\"speedMps\": 0.0,", "\"speedMps\": 10.0, \"oncoming\": true,");
        ScenarioWorld w = new ScenarioWorld(ScenarioSpecParser.parse(json, "oncoming"));
        assertThat(w.rangeM(0, 2.0)).isCloseTo(150 - 2 * 10 - 2 * 20.1168, within(1e-9));
        assertThat(w.collisionTimeS()).isCloseTo(150 / 30.1168, within(1e-6));
    }

    @Test
    void aCarHiddenBehindANearerOneIsNotDetected() {
        double[][] boxes = {{600, 300, 700, 400}, {630, 330, 670, 370}, {690, 330, 730, 370}};
        double[] ranges = {20, 60, 60};
        assertThat(ScenarioRunner.occluded(1, boxes, ranges)).as("wholly behind").isTrue();
        assertThat(ScenarioRunner.occluded(2, boxes, ranges)).as("a quarter behind").isFalse();
        assertThat(ScenarioRunner.occluded(0, boxes, ranges)).as("the nearer one").isFalse();
        boxes[1] = null;
        assertThat(ScenarioRunner.occluded(2, boxes, ranges)).isFalse();
    }
}
