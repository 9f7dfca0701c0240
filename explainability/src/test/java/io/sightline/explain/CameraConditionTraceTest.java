package io.sightline.explain;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.explain.sample.SyntheticDrive;
import io.sightline.explain.trace.CausalTrace;
import io.sightline.explain.trace.CausalTraceEngine;
import io.sightline.explain.trace.TraceNode;
import org.junit.jupiter.api.Test;

/**
 * A warning decided while the camera was obstructed shows the obstruction in its causal trace, with
 * the statistic, threshold and margin (issue 16 §4); one decided after recovery does not.
 */
class CameraConditionTraceTest {

    static final String S = "camera-trace";

    @Test
    void theObstructionIsACauseOfTheDecisionAndSaysWhy() {
        SyntheticDrive drive = new SyntheticDrive(S, Sessions.T0).start("fleet-a", "veh-1", "v1", SyntheticDrive.POLICY_V1);
        drive.approach(5.0, 2, 10, 60.0, 1.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        drive.cameraObstructed(11.5);
        drive.approach(10.0, 8, 10, 22.0, 9.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        drive.cameraRestored();
        drive.approach(30.0, 8, 10, 22.0, 9.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        CausalTraceEngine engine = new CausalTraceEngine(Sessions.lookup(drive.events(), S));

        CausalTrace during = engine.trace(S + "/alert/1");
        TraceNode camera = during.nodesOfType("CameraObstructed").stream().findFirst().orElseThrow();
        assertThat(camera.role()).isEqualTo(TraceNode.Role.CAUSE);
        assertThat(camera.summary()).isEqualTo("camera DARK since frame 1: meanLuma 11.5 below 20 (margin 8.5, policy camera-health-1)");
        assertThat(during.edgeStrings()).anyMatch(e -> e.endsWith(" -> " + camera.eventId()));

        CausalTrace after = engine.trace(S + "/alert/2");
        assertThat(after.nodesOfType("CameraObstructed")).isEmpty();
    }
}
