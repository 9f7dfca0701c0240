package io.sightline.domain.risk;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The keys of a risk policy's flat threshold map ({@code RiskPolicy.thresholds()}, recorded in
 * {@code DriveSessionStarted.policyThresholds}): rule and parameter, unit in the name. Some are not
 * bound to any factor (the clear thresholds of the hysteresis, the VRU look-ahead) but are policy
 * data all the same, and keyed here so that the policy names them the same way.
 */
public enum ThresholdKey {
    EGO_HALF_WIDTH_M("egoHalfWidthM"),
    FCW_TTC_RAISE_S("forwardCollision.ttcRaiseS"),
    FCW_TTC_CLEAR_S("forwardCollision.ttcClearS"),
    FCW_MIN_EGO_SPEED_MPS("forwardCollision.minEgoSpeedMps"),
    FCW_CORRIDOR_MARGIN_M("forwardCollision.corridorMarginM"),
    FCW_MIN_TRACK_AGE_S("forwardCollision.minTrackAgeS"),
    FCW_MAX_TTC_SIGMA_S("forwardCollision.maxTtcSigmaS"),
    FCW_HARD_BRAKING_DECEL_MPS2("forwardCollision.hardBrakingDecelMps2"),
    HEADWAY_TIME_GAP_RAISE_S("followingDistance.timeGapRaiseS"),
    HEADWAY_MIN_DURATION_S("followingDistance.minDurationS"),
    HEADWAY_TIME_GAP_CLEAR_S("followingDistance.timeGapClearS"),
    HEADWAY_MIN_EGO_SPEED_MPS("followingDistance.minEgoSpeedMps"),
    HEADWAY_CORRIDOR_MARGIN_M("followingDistance.corridorMarginM"),
    HEADWAY_MIN_TRACK_AGE_S("followingDistance.minTrackAgeS"),
    VRU_TTC_RAISE_S("vulnerableRoadUser.ttcRaiseS"),
    VRU_TTC_CLEAR_S("vulnerableRoadUser.ttcClearS"),
    VRU_CORRIDOR_MARGIN_M("vulnerableRoadUser.corridorMarginM"),
    VRU_MAX_LOOKAHEAD_S("vulnerableRoadUser.maxLookaheadS"),
    VRU_MIN_EGO_SPEED_MPS("vulnerableRoadUser.minEgoSpeedMps"),
    VRU_MIN_TRACK_AGE_S("vulnerableRoadUser.minTrackAgeS");

    private static final Map<String, ThresholdKey> BY_KEY = Stream.of(values())
            .collect(Collectors.toUnmodifiableMap(ThresholdKey::key, Function.identity()));

    private final String key;

    ThresholdKey(String key) {
        this.key = key;
    }

    /** The key in the threshold map, e.g. {@code forwardCollision.maxTtcSigmaS}. */
    public String key() {
        return key;
    }

    public static Optional<ThresholdKey> byKey(String key) {
        return Optional.ofNullable(BY_KEY.get(key));
    }
}
