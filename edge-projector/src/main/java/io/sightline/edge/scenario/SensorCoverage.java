package io.sightline.edge.scenario;

import io.sightline.edge.range.CameraModel;

/**
 * How much of a hazard the camera could see: from a scenario's ground truth, for the road user it
 * collides with, the frames of a true-TTC window on which that road user is wholly in the image
 * (its whole box inside the frame and not hidden by a nearer actor, by the runner's occlusion rule)
 * or partly so (some of the box inside, not hidden). The evaluation uses it to tell a run that no
 * camera-based system could have warned in time from one the system under test got wrong
 * (ADR-0038). Pure geometry: no noise, no detector, no tracker.
 *
 * <p>Only frames at or after the hazard's <b>onset</b> count: the last change of motion of the
 * colliding road user or of the ego (a step of an acceleration or lateral-speed profile) before the
 * collision. Before it the collision is not yet in the motion: a cyclist waiting at the kerb is seen,
 * but no system can know from the image that it will ride off into the path. Without this the
 * cyclist-crossing runs that failed with "0.5–1.0 s of view" looked observable: their cyclist was in
 * view only while still standing, and left the image as it started on its collision course.
 */
public final class SensorCoverage {

    /**
     * @param actorIndex the colliding actor, or −1 when the scenario has no collision
     * @param actorId its id, or null
     * @param onsetS the hazard's onset, s: the last change of motion of the road user or the ego before
     *     the collision (0 when neither changes)
     * @param windowFrames frames at or after the onset whose true TTC is within the window
     * @param whollyFrames of those, frames with the actor wholly in view
     * @param partlyFrames of those, frames with any part of it in view (wholly included)
     * @param longestWhollyFrames the longest run of consecutive frames wholly in view within the window
     * @param longestPartlyFrames the longest run of consecutive frames with any part of it in view within the window
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

    private SensorCoverage() {
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
        double onset = 0;
        for (ScenarioSpec.AccelStep step : a.accelProfile()) {
            onset = step.atS() <= collisionAtS ? Math.max(onset, step.atS()) : onset;
        }
        for (ScenarioSpec.LateralStep step : a.lateralProfile()) {
            onset = step.atS() <= collisionAtS ? Math.max(onset, step.atS()) : onset;
        }
        for (ScenarioSpec.AccelStep step : spec.ego().accelProfile()) {
            onset = step.atS() <= collisionAtS ? Math.max(onset, step.atS()) : onset;
        }
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
        for (int k = 0; k < frameCount; k++) {
            double t = k / spec.frameRateHz();
            double ttc = collisionAtS - t;
            if (ttc > maxTtcS || ttc < minTtcS || t < onset) {
                continue;
            }
            window++;
            for (int i = 0; i < n; i++) {
                ranges[i] = world.rangeM(i, t);
                boxes[i] = ScenarioRunner.project(cam, spec.actors().get(i), world.lateralM(i, t), ranges[i]);
            }
            boolean whole = false;
            if (boxes[target] != null && !ScenarioRunner.occluded(target, boxes, ranges)) {
                partly++;
                partStreak++;
                longestPart = Math.max(longestPart, partStreak);
                double[] u = ScenarioRunner.projectUnclipped(cam, a, world.lateralM(target, t), ranges[target]);
                whole = u[0] >= 0 && u[1] >= 0 && u[2] <= cam.widthPx() && u[3] <= cam.heightPx();
            } else {
                partStreak = 0;
            }
            if (whole) {
                wholly++;
                streak++;
                longest = Math.max(longest, streak);
            } else {
                streak = 0;
            }
        }
        return new Measurement(target, a.id(), onset, window, wholly, partly, longest, longestPart, spec.frameRateHz());
    }
}
