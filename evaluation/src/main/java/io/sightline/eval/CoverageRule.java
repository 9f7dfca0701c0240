package io.sightline.eval;

import io.sightline.edge.risk.AlertKind;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.scenario.ScenarioSpec;
import io.sightline.edge.scenario.SensorCoverage;
import io.sightline.edge.tracking.TrackerConfig;

/**
 * When a hazard run counts as <b>unobservable: sensor-coverage gap</b> (ADR-0038): the road user it
 * collides with is not in the image (any part of it, not hidden behind a nearer actor) long enough,
 * within the protocol's warning window (true TTC from the window's upper bound down to its minimum)
 * and after the hazard's onset (0 when the initial motion already collides, else its or the ego's
 * first change of motion before the collision, {@link SensorCoverage}), for a camera-based system to
 * confirm a track and warn. "Long enough" is the policy's own confirmation time for the alert kind,
 * plus a small margin:
 *
 * <pre>required frames = tracker.minHitsToConfirm + ⌈kind.minTrackAgeS · frameRateHz⌉ + MARGIN_FRAMES</pre>
 *
 * counted as consecutive frames in view up to a frame of the window (a stretch may begin before it).
 * Partly in view counts: a detector sees a road user cut by the image border (cyclist runs warned in
 * time from a clipped box show it), so only a road user the camera cannot see at all while on its
 * collision course is the camera's fault; a clipped box the system handles badly stays the system's.
 * For a VRU alert at 30 Hz under the defaults that is 2 + 9 + 3 = 14 frames (0.467 s); for FCW
 * 2 + 15 + 3 = 20 frames (0.667 s).
 *
 * <p>Only alert kinds with a track-age gate (FCW, VRU) are classified; other expectations get no
 * classification and every run of them counts as observable.
 */
public record CoverageRule(int minHitsToConfirm, double fcwMinTrackAgeS, double vruMinTrackAgeS) {

    /**
     * Frames beyond the confirmation time: one missed detection (a tentative track that misses a
     * frame is dropped and restarts, costing it) and one frame for the rule to act on the confirmed
     * track. Kept small on purpose: a run is called unobservable only when the camera could not see
     * the road user for even the policy's own confirmation time, so that the classification cannot
     * hide a weakness of the system under test.
     */
    public static final int MARGIN_FRAMES = 3;

    public CoverageRule {
        if (minHitsToConfirm < 1 || !(fcwMinTrackAgeS >= 0) || !(vruMinTrackAgeS >= 0)) {
            throw new IllegalArgumentException("need minHitsToConfirm >= 1 and track ages >= 0");
        }
    }

    public static CoverageRule of(RiskPolicy policy, TrackerConfig tracker) {
        return new CoverageRule(tracker.minHitsToConfirm(), policy.forwardCollision().minTrackAgeS(),
                policy.vulnerableRoadUser().minTrackAgeS());
    }

    /**
     * One run's coverage.
     *
     * @param actorId the road user the run collides with
     * @param onsetS the hazard's onset: 0 when the initial motion collides, else the first change of
     *     motion of the road user or the ego before the collision
     * @param windowS the warning window's length in the run (frames at or after the onset with a true TTC within it)
     * @param whollyInViewS frames in the window with the road user wholly in view
     * @param partlyInViewS frames with any part of it in view
     * @param longestInViewS the longest unbroken stretch in view (wholly or partly) reaching into the
     *     window, counted from where it began: what the rule judges
     * @param requiredS the stretch the rule requires
     */
    public record Coverage(boolean observable, String actorId, double onsetS, double windowS, double whollyInViewS,
                           double partlyInViewS, double longestInViewS, double requiredS) {

        /** Why the run is unobservable, or null when it is observable. */
        public String reason() {
            if (observable) {
                return null;
            }
            return String.format(java.util.Locale.ROOT,
                    "unobservable: sensor-coverage gap: '%s' in view for at most %.2f s at a stretch (%.2f s wholly) "
                            + "of the %.2f s warning window after its onset at %.2f s; a warning needs %.2f s",
                    actorId, longestInViewS, whollyInViewS, windowS, onsetS, requiredS);
        }
    }

    /** Unbroken frames in view a warning of {@code kind} needs, or −1 when the kind is not classified. */
    public int requiredFrames(AlertKind kind, double frameRateHz) {
        double age;
        if (kind.equals(AlertKind.FORWARD_COLLISION)) {
            age = fcwMinTrackAgeS;
        } else if (kind.equals(AlertKind.VULNERABLE_ROAD_USER)) {
            age = vruMinTrackAgeS;
        } else {
            return -1;
        }
        return minHitsToConfirm + (int) Math.ceil(age * frameRateHz - 1e-9) + MARGIN_FRAMES;
    }

    /**
     * Classifies a run of a spec with a TTC-window expectation; null when the expectation or its
     * kind is not classified or the run has no collision (a family design error, reported as such).
     */
    public Coverage classify(ScenarioSpec spec, ScenarioSpec.Expectation expectation, Double collisionAtS) {
        if (!(expectation instanceof ScenarioSpec.AlertAtTtc x) || collisionAtS == null) {
            return null;
        }
        int required = requiredFrames(x.kind(), spec.frameRateHz());
        if (required < 0) {
            return null;
        }
        SensorCoverage.Measurement m = SensorCoverage.measure(spec, collisionAtS, x.minTtcS(), x.maxTtcS());
        double fps = spec.frameRateHz();
        return new Coverage(m.longestPartlyFrames() >= required, m.actorId(), r4(m.onsetS()), r4(m.windowS()),
                r4(m.whollyS()), r4(m.partlyS()), r4(m.longestPartlyS()), r4(required / fps));
    }

    private static double r4(double v) {
        return Math.round(v * 1e4) / 1e4;
    }
}
