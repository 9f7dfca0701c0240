package io.sightline.edge.app.rollingstop;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rolling-stop application's policy: data with a version, like the risk policy. Defaults and
 * their reasons are in {@code docs/safety-apps.md}.
 *
 * @param version recorded in its {@code RiskAssessed} and {@code AlertRaised}
 * @param fullStopSpeedMps the ego has stopped when its speed drops to this or below (wheel-speed
 *     sensors read a crawl as ~0.5–1 m/s; at or below 1 m/s the car is stationary to any observer)
 * @param approachDistanceM the minimum speed is taken over the last this-many metres before the sign
 * @param minSignLateralM the sign stands at least this far right of the ego centre line (right-hand
 *     traffic: a sign on the left faces another carriageway)
 * @param maxSignLateralM ... and at most this far: a sign farther out belongs to a parallel or side road
 * @param minTrackAgeS the sign was tracked at least this long (a one-frame sign is no sign)
 * @param maxLastSeenRangeM the sign was last seen at most this far away, so its position is known
 */
public record RollingStopPolicy(String version, double fullStopSpeedMps, double approachDistanceM, double minSignLateralM,
                                double maxSignLateralM, double minTrackAgeS, double maxLastSeenRangeM) {

    public static final String FULL_STOP_SPEED_MPS = "rollingStop.fullStopSpeedMps";
    public static final String APPROACH_DISTANCE_M = "rollingStop.approachDistanceM";
    public static final String MIN_SIGN_LATERAL_M = "rollingStop.minSignLateralM";
    public static final String MAX_SIGN_LATERAL_M = "rollingStop.maxSignLateralM";
    public static final String MIN_TRACK_AGE_S = "rollingStop.minTrackAgeS";
    public static final String MAX_LAST_SEEN_RANGE_M = "rollingStop.maxLastSeenRangeM";

    public RollingStopPolicy {
        if (version == null || version.isBlank()) {
            throw new IllegalArgumentException("version is required");
        }
        require(FULL_STOP_SPEED_MPS, fullStopSpeedMps, 0, 5);
        require(APPROACH_DISTANCE_M, approachDistanceM, 1, 100);
        require(MIN_SIGN_LATERAL_M, minSignLateralM, -20, 20);
        require(MAX_SIGN_LATERAL_M, maxSignLateralM, minSignLateralM, 50);
        require(MIN_TRACK_AGE_S, minTrackAgeS, 0, 10);
        require(MAX_LAST_SEEN_RANGE_M, maxLastSeenRangeM, 1, 200);
    }

    public static RollingStopPolicy defaults() {
        return new RollingStopPolicy("rolling-stop-1.0.0", 1.0, 15.0, 0.5, 8.0, 0.3, 30.0);
    }

    /** Flat key → value view, as events record thresholds. */
    public Map<String, Double> thresholds() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(FULL_STOP_SPEED_MPS, fullStopSpeedMps);
        m.put(APPROACH_DISTANCE_M, approachDistanceM);
        m.put(MIN_SIGN_LATERAL_M, minSignLateralM);
        m.put(MAX_SIGN_LATERAL_M, maxSignLateralM);
        m.put(MIN_TRACK_AGE_S, minTrackAgeS);
        m.put(MAX_LAST_SEEN_RANGE_M, maxLastSeenRangeM);
        return java.util.Collections.unmodifiableMap(m);
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .configure(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, true);

    /** Loads another version (every field required, no unknown field). */
    public static RollingStopPolicy fromJson(Path file) throws IOException {
        return JSON.readValue(file.toFile(), RollingStopPolicy.class);
    }

    private static void require(String name, double v, double min, double max) {
        if (!(v >= min && v <= max)) {
            throw new IllegalArgumentException(name + " must be within [" + min + ", " + max + "], got " + v);
        }
    }
}
