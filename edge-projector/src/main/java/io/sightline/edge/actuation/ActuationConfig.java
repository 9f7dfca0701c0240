package io.sightline.edge.actuation;

import io.sightline.edge.risk.AlertKind;
import java.util.List;

/**
 * Timing rules of the in-cab alerts, per kind. Defaults and reasons in docs/risk-policy.md.
 *
 * @param forwardCollision FCW timing
 * @param followingDistance headway advisory timing
 * @param vulnerableRoadUser VRU warning timing
 */
public record ActuationConfig(PerKind forwardCollision, PerKind followingDistance, PerKind vulnerableRoadUser) {

    /**
     * @param minOnS an alert stays on at least this long, so a driver can perceive it
     * @param clearHoldS it clears only after its rule has not sustained it for this long (time
     *     hysteresis on top of the policy's threshold hysteresis)
     * @param cooldownS after an alert of this kind clears, new requests are suppressed (COOLDOWN)
     *     for this long
     * @param maxPerHour at most this many alerts of this kind in any 3600 s (RATE_CAP beyond)
     * @param actuators actuators commanded when the alert is raised ({@code CHIME}, {@code HUD}, {@code HAPTIC})
     * @param pattern actuation pattern name
     */
    public record PerKind(double minOnS, double clearHoldS, double cooldownS, int maxPerHour,
                          List<String> actuators, String pattern) {
        public PerKind {
            if (!(minOnS >= 0) || !(clearHoldS >= 0) || !(cooldownS >= 0) || maxPerHour < 1
                    || actuators == null || actuators.isEmpty() || pattern == null) {
                throw new IllegalArgumentException("invalid actuation timing: minOnS " + minOnS + ", clearHoldS "
                        + clearHoldS + ", cooldownS " + cooldownS + ", maxPerHour " + maxPerHour
                        + ", actuators " + actuators + ", pattern " + pattern);
            }
            actuators = List.copyOf(actuators);
        }
    }

    /** The timing of a built-in kind. */
    public PerKind of(AlertKind kind) {
        if (AlertKind.FORWARD_COLLISION.equals(kind)) {
            return forwardCollision;
        }
        if (AlertKind.FOLLOWING_DISTANCE.equals(kind)) {
            return followingDistance;
        }
        if (AlertKind.VULNERABLE_ROAD_USER.equals(kind)) {
            return vulnerableRoadUser;
        }
        throw new IllegalArgumentException(kind + " is not a built-in kind: its application gives its timing");
    }

    public static ActuationConfig defaults() {
        return new ActuationConfig(
                new PerKind(1.0, 0.5, 3.0, 60, List.of("CHIME", "HUD"), "FCW_URGENT"),
                new PerKind(2.0, 1.0, 30.0, 12, List.of("HUD"), "HEADWAY_ADVISORY"),
                new PerKind(1.0, 0.5, 3.0, 60, List.of("CHIME", "HUD"), "VRU_URGENT"));
    }
}
