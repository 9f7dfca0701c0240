package io.sightline.edge.scenario;

import io.sightline.edge.range.CameraModel;
import java.util.List;

/**
 * How much of a hazard the camera could see: from a scenario's ground truth, for the road user it
 * collides with, the frames of a true-TTC window on which that road user is wholly in the image
 * (its whole box inside the frame and not hidden by a nearer actor, by the runner's occlusion rule)
 * or partly so (some of the box inside, not hidden). The evaluation uses it to tell a run that no
 * camera-based system could have warned in time from one the system under test got wrong
 * (ADR-0038). Pure geometry: no noise, no detector, no tracker.
 *
 * <p>Only frames at or after the hazard's <b>onset</b> count. When the motion everyone starts with
 * (the road user and the ego without any profile step) already ends in the collision, the onset is
 * 0; otherwise it is the first change of motion (a step of an acceleration or lateral-speed profile)
 * of the road user or the ego before the collision: until then nothing in anyone's motion leads to
 * it. A cyclist waiting at the kerb is seen, but no system can know from the image that it will ride
 * off into the path. Without this the cyclist-crossing runs that failed with "0.5–1.0 s of view"
 * looked observable: their cyclist was in view only while still standing, and left the image as it
 * started on its collision course. The <i>first</i> change, not the last: a car cutting in is a
 * hazard from the moment it moves over, not only once it has stopped moving over in the lane.
 */
public final class SensorCoverage {

    /**
     * @param actorIndex the colliding actor, or −1 when the scenario has no collision
     * @param actorId its id, or null
     * @param onsetS the hazard's onset, s: 0 when the initial motion already collides, else the first
     *     change of motion of the road user or the ego before the collision
     * @param windowFrames frames at or after the onset whose true TTC is within the window
     * @param whollyFrames of those, frames with the actor wholly in view
     * @param partlyFrames of those, frames with any part of it in view (wholly included)
     * @param longestWhollyFrames the longest run of consecutive frames wholly in view that reaches a frame
     *     of the window (counted from where it began, which may be before the window or the onset)
     * @param longestPartlyFrames the same for frames with any part of it in view
     * @param frameRateHz the scenario's frame rate, to turn frames into seconds
     */
    public record Measurement(int actorIndex, String actorId, double onsetS, int windowFrames, int whollyFrames, int partlyFrames,
                              int longestWhollyFrames, int longestPartlyFrames, double frameRateHz) {

        public double windowS() {
            return windowFrames / frameRateHz;
        }

        public double whollyS() {
            return whollyFrames / frameRateHz;
        }

        public double partlyS() {
            return partlyFrames / frameRateHz;
        }

        public double longestWhollyS() {
            return longestWhollyFrames / frameRateHz;
        }

        public double longestPartlyS() {
            return longestPartlyFrames / frameRateHz;
        }
    }

    /** Step of the scan for a collision of the initial motion, s: only whether there is one matters. */
    private static final double INITIAL_MOTION_SCAN_STEP_S = 0.01;

    private SensorCoverage() {
    }

    /** See the class comment. */
    static double onsetS(ScenarioSpec spec, int target, double collisionAtS) {
        double first = Double.POSITIVE_INFINITY;
        ScenarioSpec.Actor a = spec.actors().get(target);
        for (ScenarioSpec.AccelStep step : a.accelProfile()) {
            first = Math.min(first, step.atS());
        }
        for (ScenarioSpec.LateralStep step : a.lateralProfile()) {
            first = Math.min(first, step.atS());
        }
        for (ScenarioSpec.AccelStep step : spec.ego().accelProfile()) {
            first = Math.min(first, step.atS());
        }
        if (!(first <= collisionAtS)) {
            return 0;
        }
        ScenarioSpec.Ego e = spec.ego();
        ScenarioSpec.Actor steady = new ScenarioSpec.Actor(a.id(), a.className(), a.widthM(), a.heightM(), a.rangeM(),
                a.lateralM(), a.speedMps(), a.lateralSpeedMps(), List.of(), List.of(), a.oncoming(), a.elevationM());
        ScenarioSpec initial = new ScenarioSpec(spec.id(), spec.description(), spec.durationS(), spec.frameRateHz(),
                spec.camera(), new ScenarioSpec.Ego(e.speedMps(), e.accelMps2(), e.stateRateHz(), e.speedNoiseMps(),
                        e.halfWidthM()), List.of(steady), spec.noise(), spec.expect());
        ScenarioWorld world = new ScenarioWorld(initial);
        double horizon = spec.durationS() + ScenarioWorld.COLLISION_SEARCH_BEYOND_RUN_S;
        for (int k = 0; k * INITIAL_MOTION_SCAN_STEP_S <= horizon; k++) {
            if (world.colliding(0, k * INITIAL_MOTION_SCAN_STEP_S)) {
                return 0;
            }
        }
        return first;
    }

    /**
     * Measures the frames of the run (frame k at k / frameRateHz, 0 … durationS, as the runner
     * makes them) whose true TTC, {@code collisionAtS − t}, is within [{@code minTtcS}, {@code maxTtcS}].
     *
     * @param collisionAtS the run's collision time (its {@link ScenarioResult#collisionAtS()}), or null
     */
    public static Measurement measure(ScenarioSpec spec, Double collisionAtS, double minTtcS, double maxTtcS) {
        if (!(minTtcS >= 0) || !(maxTtcS >= minTtcS)) {
            throw new IllegalArgumentException("need 0 <= minTtcS <= maxTtcS, got [" + minTtcS + ", " + maxTtcS + "]");
        }
        if (collisionAtS == null) {
            return new Measurement(-1, null, 0, 0, 0, 0, 0, 0, spec.frameRateHz());
        }
        ScenarioWorld world = new ScenarioWorld(spec);
        int n = spec.actors().size();
        int target = -1;
        for (int i = 0; i < n && target < 0; i++) {
            if (world.colliding(i, collisionAtS)) {
                target = i;
            }
        }
        if (target < 0) {
            throw new IllegalArgumentException("no actor of " + spec.id() + " collides at " + collisionAtS + " s");
        }
        CameraModel cam = spec.camera();
        ScenarioSpec.Actor a = spec.actors().get(target);
        double onset = onsetS(spec, target, collisionAtS);
        double[][] boxes = new double[n][];
        double[] ranges = new double[n];
        int frameCount = (int) Math.floor(spec.durationS() * spec.frameRateHz() + 1e-9) + 1;
        int window = 0;
        int wholly = 0;
        int partly = 0;
        int streak = 0;
        int longest = 0;
        int partStreak = 0;
        int longestPart = 0;
        // streaks run from the first frame: a road user tracked before the window or the onset keeps its track
        for (int k = 0; k < frameCount; k++) {
            double t = k / spec.frameRateHz();
            double ttc = collisionAtS - t;
            if (ttc < minTtcS) {
                break;
            }
            boolean inWindow = ttc <= maxTtcS && t >= onset;
            for (int i = 0; i < n; i++) {
                ranges[i] = world.rangeM(i, t);
                boxes[i] = ScenarioRunner.project(cam, spec.actors().get(i), world.lateralM(i, t), ranges[i]);
            }
            boolean part = boxes[target] != null && !ScenarioRunner.occluded(target, boxes, ranges);
            boolean whole = false;
            if (part) {
                double[] u = ScenarioRunner.projectUnclipped(cam, a, world.lateralM(target, t), ranges[target]);
                whole = u[0] >= 0 && u[1] >= 0 && u[2] <= cam.widthPx() && u[3] <= cam.heightPx();
            }
            partStreak = part ? partStreak + 1 : 0;
            streak = whole ? streak + 1 : 0;
            if (inWindow) {
                window++;
                partly += part ? 1 : 0;
                wholly += whole ? 1 : 0;
                longestPart = Math.max(longestPart, partStreak);
                longest = Math.max(longest, streak);
            }
        }
        return new Measurement(target, a.id(), onset, window, wholly, partly, longest, longestPart, spec.frameRateHz());
    }
}
