package io.sightline.edge.risk;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The risk policy's thresholds: data with a version, so that every {@code RiskAssessed} names the
 * policy it was judged by and a what-if replay can run another version over the same tracks.
 * Defaults and their sources are in {@code docs/risk-policy.md}; {@link #fromJson} loads another
 * version (every field required).
 *
 * @param version stored in every {@code RiskAssessed} and {@code AlertRaised}
 * @param egoHalfWidthM half the ego vehicle's width: the ego path is |X| ≤ this
 * @param forwardCollision FCW rule thresholds
 * @param followingDistance headway rule thresholds
 * @param vulnerableRoadUser VRU rule thresholds
 */
public record RiskPolicy(
        String version,
        double egoHalfWidthM,
        ForwardCollision forwardCollision,
        FollowingDistance followingDistance,
        VulnerableRoadUser vulnerableRoadUser) {

    /**
     * @param ttcRaiseS FCW is asked for when TTC ≤ this
     * @param ttcClearS an FCW on is held while TTC ≤ this (hysteresis above {@code ttcRaiseS})
     * @param minEgoSpeedMps speed gate: below it the rule is suppressed (SPEED_GATE)
     * @param corridorMarginM the object's near edge must be within egoHalfWidth + this of the ego centre line
     * @param minTrackAgeS range filter running at least this long (LOW_CONFIDENCE otherwise)
     * @param maxTtcSigmaS one standard deviation of the TTC estimate at most this (LOW_CONFIDENCE otherwise)
     * @param hardBrakingDecelMps2 reference for the informational required-deceleration factor
     */
    public record ForwardCollision(double ttcRaiseS, double ttcClearS, double minEgoSpeedMps, double corridorMarginM,
                                   double minTrackAgeS, double maxTtcSigmaS, double hardBrakingDecelMps2) {
        public ForwardCollision {
            requirePositive("forwardCollision.ttcRaiseS", ttcRaiseS);
            requireAtLeast("forwardCollision.ttcClearS", ttcClearS, ttcRaiseS);
            requireNonNegative("forwardCollision.minEgoSpeedMps", minEgoSpeedMps);
            requireNonNegative("forwardCollision.corridorMarginM", corridorMarginM);
            requireNonNegative("forwardCollision.minTrackAgeS", minTrackAgeS);
            requirePositive("forwardCollision.maxTtcSigmaS", maxTtcSigmaS);
            requirePositive("forwardCollision.hardBrakingDecelMps2", hardBrakingDecelMps2);
        }
    }

    /**
     * @param timeGapRaiseS advisory when range / ego speed stays below this ...
     * @param minDurationS ... for at least this long
     * @param timeGapClearS an advisory on is held while the time gap is below this
     * @param minEgoSpeedMps speed gate (in queues a short gap is normal)
     * @param corridorMarginM as for FCW
     * @param minTrackAgeS as for FCW
     */
    public record FollowingDistance(double timeGapRaiseS, double minDurationS, double timeGapClearS,
                                    double minEgoSpeedMps, double corridorMarginM, double minTrackAgeS) {
        public FollowingDistance {
            requirePositive("followingDistance.timeGapRaiseS", timeGapRaiseS);
            requireNonNegative("followingDistance.minDurationS", minDurationS);
            requireAtLeast("followingDistance.timeGapClearS", timeGapClearS, timeGapRaiseS);
            requireNonNegative("followingDistance.minEgoSpeedMps", minEgoSpeedMps);
            requireNonNegative("followingDistance.corridorMarginM", corridorMarginM);
            requireNonNegative("followingDistance.minTrackAgeS", minTrackAgeS);
        }
    }

    /**
     * @param ttcRaiseS VRU alert when the longitudinal TTC ≤ this ...
     * @param ttcClearS held while TTC ≤ this
     * @param corridorMarginM ... and the person's predicted lateral position at that TTC is within
     *     egoHalfWidth + this of the centre line
     * @param maxLookaheadS the lateral prediction horizon is min(TTC, this)
     * @param minEgoSpeedMps speed gate
     * @param minTrackAgeS as for FCW
     */
    public record VulnerableRoadUser(double ttcRaiseS, double ttcClearS, double corridorMarginM, double maxLookaheadS,
                                     double minEgoSpeedMps, double minTrackAgeS) {
        public VulnerableRoadUser {
            requirePositive("vulnerableRoadUser.ttcRaiseS", ttcRaiseS);
            requireAtLeast("vulnerableRoadUser.ttcClearS", ttcClearS, ttcRaiseS);
            requireNonNegative("vulnerableRoadUser.corridorMarginM", corridorMarginM);
            requirePositive("vulnerableRoadUser.maxLookaheadS", maxLookaheadS);
            requireNonNegative("vulnerableRoadUser.minEgoSpeedMps", minEgoSpeedMps);
            requireNonNegative("vulnerableRoadUser.minTrackAgeS", minTrackAgeS);
        }
    }

    public RiskPolicy {
        if (version == null || version.isBlank()) {
            throw new IllegalArgumentException("version is required");
        }
        requirePositive("egoHalfWidthM", egoHalfWidthM);
        if (forwardCollision == null || followingDistance == null || vulnerableRoadUser == null) {
            throw new IllegalArgumentException("forwardCollision, followingDistance and vulnerableRoadUser are required");
        }
    }

    /** The defaults documented in docs/risk-policy.md. */
    public static RiskPolicy defaults() {
        return new RiskPolicy("sightline-risk-1.0.0", 0.9,
                new ForwardCollision(3.0, 3.5, 2.78, 0.3, 0.5, 1.0, 2.94),
                new FollowingDistance(1.0, 3.0, 1.2, 8.33, 0.3, 1.0),
                new VulnerableRoadUser(3.0, 3.5, 0.3, 5.0, 1.39, 0.3));
    }

    /** Same thresholds with another ego half-width (the scenario spec's {@code ego.halfWidthM}). */
    public RiskPolicy withEgoHalfWidthM(double halfWidthM) {
        return new RiskPolicy(version, halfWidthM, forwardCollision, followingDistance, vulnerableRoadUser);
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .configure(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, true);

    public static RiskPolicy fromJson(Path file) throws IOException {
        return JSON.readValue(file.toFile(), RiskPolicy.class);
    }

    public static RiskPolicy fromJson(String json) throws IOException {
        return JSON.readValue(json, RiskPolicy.class);
    }

    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Flat name → value view, for {@code DriveSessionStarted.policyThresholds}. */
    public Map<String, Double> thresholds() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("egoHalfWidthM", egoHalfWidthM);
        ForwardCollision f = forwardCollision;
        m.put("forwardCollision.ttcRaiseS", f.ttcRaiseS());
        m.put("forwardCollision.ttcClearS", f.ttcClearS());
        m.put("forwardCollision.minEgoSpeedMps", f.minEgoSpeedMps());
        m.put("forwardCollision.corridorMarginM", f.corridorMarginM());
        m.put("forwardCollision.minTrackAgeS", f.minTrackAgeS());
        m.put("forwardCollision.maxTtcSigmaS", f.maxTtcSigmaS());
        m.put("forwardCollision.hardBrakingDecelMps2", f.hardBrakingDecelMps2());
        FollowingDistance h = followingDistance;
        m.put("followingDistance.timeGapRaiseS", h.timeGapRaiseS());
        m.put("followingDistance.minDurationS", h.minDurationS());
        m.put("followingDistance.timeGapClearS", h.timeGapClearS());
        m.put("followingDistance.minEgoSpeedMps", h.minEgoSpeedMps());
        m.put("followingDistance.corridorMarginM", h.corridorMarginM());
        m.put("followingDistance.minTrackAgeS", h.minTrackAgeS());
        VulnerableRoadUser v = vulnerableRoadUser;
        m.put("vulnerableRoadUser.ttcRaiseS", v.ttcRaiseS());
        m.put("vulnerableRoadUser.ttcClearS", v.ttcClearS());
        m.put("vulnerableRoadUser.corridorMarginM", v.corridorMarginM());
        m.put("vulnerableRoadUser.maxLookaheadS", v.maxLookaheadS());
        m.put("vulnerableRoadUser.minEgoSpeedMps", v.minEgoSpeedMps());
        m.put("vulnerableRoadUser.minTrackAgeS", v.minTrackAgeS());
        return m;
    }

    private static void requirePositive(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be positive and finite, got " + v);
        }
    }

    private static void requireNonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + v);
        }
    }

    private static void requireAtLeast(String name, double v, double min) {
        if (!(v >= min) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be finite and >= " + min + ", got " + v);
        }
    }
}
