package io.sightline.edge.risk;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.domain.risk.ThresholdKey;
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
            requirePositive(ThresholdKey.FCW_TTC_RAISE_S.key(), ttcRaiseS);
            requireAtLeast(ThresholdKey.FCW_TTC_CLEAR_S.key(), ttcClearS, ttcRaiseS);
            requireNonNegative(ThresholdKey.FCW_MIN_EGO_SPEED_MPS.key(), minEgoSpeedMps);
            requireNonNegative(ThresholdKey.FCW_CORRIDOR_MARGIN_M.key(), corridorMarginM);
            requireNonNegative(ThresholdKey.FCW_MIN_TRACK_AGE_S.key(), minTrackAgeS);
            requirePositive(ThresholdKey.FCW_MAX_TTC_SIGMA_S.key(), maxTtcSigmaS);
            requirePositive(ThresholdKey.FCW_HARD_BRAKING_DECEL_MPS2.key(), hardBrakingDecelMps2);
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
            requirePositive(ThresholdKey.HEADWAY_TIME_GAP_RAISE_S.key(), timeGapRaiseS);
            requireNonNegative(ThresholdKey.HEADWAY_MIN_DURATION_S.key(), minDurationS);
            requireAtLeast(ThresholdKey.HEADWAY_TIME_GAP_CLEAR_S.key(), timeGapClearS, timeGapRaiseS);
            requireNonNegative(ThresholdKey.HEADWAY_MIN_EGO_SPEED_MPS.key(), minEgoSpeedMps);
            requireNonNegative(ThresholdKey.HEADWAY_CORRIDOR_MARGIN_M.key(), corridorMarginM);
            requireNonNegative(ThresholdKey.HEADWAY_MIN_TRACK_AGE_S.key(), minTrackAgeS);
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
            requirePositive(ThresholdKey.VRU_TTC_RAISE_S.key(), ttcRaiseS);
            requireAtLeast(ThresholdKey.VRU_TTC_CLEAR_S.key(), ttcClearS, ttcRaiseS);
            requireNonNegative(ThresholdKey.VRU_CORRIDOR_MARGIN_M.key(), corridorMarginM);
            requirePositive(ThresholdKey.VRU_MAX_LOOKAHEAD_S.key(), maxLookaheadS);
            requireNonNegative(ThresholdKey.VRU_MIN_EGO_SPEED_MPS.key(), minEgoSpeedMps);
            requireNonNegative(ThresholdKey.VRU_MIN_TRACK_AGE_S.key(), minTrackAgeS);
        }
    }

    public RiskPolicy {
        if (version == null || version.isBlank()) {
            throw new IllegalArgumentException("version is required");
        }
        requirePositive(ThresholdKey.EGO_HALF_WIDTH_M.key(), egoHalfWidthM);
        if (forwardCollision == null || followingDistance == null || vulnerableRoadUser == null) {
            throw new IllegalArgumentException("forwardCollision, followingDistance and vulnerableRoadUser are required");
        }
    }

    /**
     * The defaults documented in docs/risk-policy.md. Version 1.1.0 (from 1.0.0: FCW raise 3.0 → 3.4 s,
     * clear 3.5 → 3.9 s; FCW and headway corridor margins 0.3 → 0 m) passes the Euro NCAP CCRb 40 m
     * grid and the lane-edge benign families that 1.0.0 failed; 1.2.0 keeps these thresholds and
     * uses a braking lead's deceleration in the TTC once it is 1.2σ from zero instead of 1.5σ
     * ({@link RiskEvaluator#ACCEL_SIGNIFICANCE_SIGMA}), which takes the last late CCRb 40 m runs
     * away; before and after in docs/evaluation.md.
     */
    public static RiskPolicy defaults() {
        return new RiskPolicy("sightline-risk-1.2.0", 0.9,
                new ForwardCollision(3.4, 3.9, 2.78, 0.0, 0.5, 1.0, 2.94),
                new FollowingDistance(1.0, 3.0, 1.2, 8.33, 0.0, 1.0),
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

    /**
     * Flat name → value view, for {@code DriveSessionStarted.policyThresholds}; keyed by the
     * catalog's {@link ThresholdKey}s, which the what-if replay binds factors to.
     */
    public Map<String, Double> thresholds() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(ThresholdKey.EGO_HALF_WIDTH_M.key(), egoHalfWidthM);
        ForwardCollision f = forwardCollision;
        m.put(ThresholdKey.FCW_TTC_RAISE_S.key(), f.ttcRaiseS());
        m.put(ThresholdKey.FCW_TTC_CLEAR_S.key(), f.ttcClearS());
        m.put(ThresholdKey.FCW_MIN_EGO_SPEED_MPS.key(), f.minEgoSpeedMps());
        m.put(ThresholdKey.FCW_CORRIDOR_MARGIN_M.key(), f.corridorMarginM());
        m.put(ThresholdKey.FCW_MIN_TRACK_AGE_S.key(), f.minTrackAgeS());
        m.put(ThresholdKey.FCW_MAX_TTC_SIGMA_S.key(), f.maxTtcSigmaS());
        m.put(ThresholdKey.FCW_HARD_BRAKING_DECEL_MPS2.key(), f.hardBrakingDecelMps2());
        FollowingDistance h = followingDistance;
        m.put(ThresholdKey.HEADWAY_TIME_GAP_RAISE_S.key(), h.timeGapRaiseS());
        m.put(ThresholdKey.HEADWAY_MIN_DURATION_S.key(), h.minDurationS());
        m.put(ThresholdKey.HEADWAY_TIME_GAP_CLEAR_S.key(), h.timeGapClearS());
        m.put(ThresholdKey.HEADWAY_MIN_EGO_SPEED_MPS.key(), h.minEgoSpeedMps());
        m.put(ThresholdKey.HEADWAY_CORRIDOR_MARGIN_M.key(), h.corridorMarginM());
        m.put(ThresholdKey.HEADWAY_MIN_TRACK_AGE_S.key(), h.minTrackAgeS());
        VulnerableRoadUser v = vulnerableRoadUser;
        m.put(ThresholdKey.VRU_TTC_RAISE_S.key(), v.ttcRaiseS());
        m.put(ThresholdKey.VRU_TTC_CLEAR_S.key(), v.ttcClearS());
        m.put(ThresholdKey.VRU_CORRIDOR_MARGIN_M.key(), v.corridorMarginM());
        m.put(ThresholdKey.VRU_MAX_LOOKAHEAD_S.key(), v.maxLookaheadS());
        m.put(ThresholdKey.VRU_MIN_EGO_SPEED_MPS.key(), v.minEgoSpeedMps());
        m.put(ThresholdKey.VRU_MIN_TRACK_AGE_S.key(), v.minTrackAgeS());
        return m;
    }

    /**
     * The policy a session recorded in {@code DriveSessionStarted} ({@code policyVersion},
     * {@code policyThresholds}), for a replay under the session's own policy: the inverse of
     * {@link #thresholds()}.
     *
     * @throws IllegalArgumentException naming the thresholds the map lacks (an older session may
     *     carry other keys; replay it with an explicit policy file then)
     */
    public static RiskPolicy fromThresholds(String version, Map<String, Double> thresholds) {
        java.util.List<String> missing = new java.util.ArrayList<>();
        for (ThresholdKey k : ThresholdKey.values()) {
            if (thresholds == null || thresholds.get(k.key()) == null) {
                missing.add(k.key());
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("policy " + version + " as recorded lacks threshold(s) " + String.join(", ", missing));
        }
        java.util.function.ToDoubleFunction<ThresholdKey> t = k -> thresholds.get(k.key());
        return new RiskPolicy(version, t.applyAsDouble(ThresholdKey.EGO_HALF_WIDTH_M),
                new ForwardCollision(t.applyAsDouble(ThresholdKey.FCW_TTC_RAISE_S), t.applyAsDouble(ThresholdKey.FCW_TTC_CLEAR_S),
                        t.applyAsDouble(ThresholdKey.FCW_MIN_EGO_SPEED_MPS), t.applyAsDouble(ThresholdKey.FCW_CORRIDOR_MARGIN_M),
                        t.applyAsDouble(ThresholdKey.FCW_MIN_TRACK_AGE_S), t.applyAsDouble(ThresholdKey.FCW_MAX_TTC_SIGMA_S),
                        t.applyAsDouble(ThresholdKey.FCW_HARD_BRAKING_DECEL_MPS2)),
                new FollowingDistance(t.applyAsDouble(ThresholdKey.HEADWAY_TIME_GAP_RAISE_S),
                        t.applyAsDouble(ThresholdKey.HEADWAY_MIN_DURATION_S), t.applyAsDouble(ThresholdKey.HEADWAY_TIME_GAP_CLEAR_S),
                        t.applyAsDouble(ThresholdKey.HEADWAY_MIN_EGO_SPEED_MPS), t.applyAsDouble(ThresholdKey.HEADWAY_CORRIDOR_MARGIN_M),
                        t.applyAsDouble(ThresholdKey.HEADWAY_MIN_TRACK_AGE_S)),
                new VulnerableRoadUser(t.applyAsDouble(ThresholdKey.VRU_TTC_RAISE_S), t.applyAsDouble(ThresholdKey.VRU_TTC_CLEAR_S),
                        t.applyAsDouble(ThresholdKey.VRU_CORRIDOR_MARGIN_M), t.applyAsDouble(ThresholdKey.VRU_MAX_LOOKAHEAD_S),
                        t.applyAsDouble(ThresholdKey.VRU_MIN_EGO_SPEED_MPS), t.applyAsDouble(ThresholdKey.VRU_MIN_TRACK_AGE_S)));
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
