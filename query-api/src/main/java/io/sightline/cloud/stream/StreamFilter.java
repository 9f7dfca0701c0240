package io.sightline.cloud.stream;

import java.util.Set;

/**
 * What one subscriber receives. The fleet comes from the caller's token and is never optional.
 *
 * @param vehicleId  {@code null} for every vehicle of the fleet
 * @param eventTypes empty for every type
 */
public record StreamFilter(String fleetId, String vehicleId, Set<String> eventTypes) {

    public static final Set<String> ALERT_TYPES = Set.of("AlertRaised", "AlertCleared", "AlertSuppressed", "AlertReviewed");

    public boolean accepts(String fleet, String vehicle, String type) {
        return fleetId.equals(fleet)
                && (vehicleId == null || vehicleId.equals(vehicle))
                && (eventTypes.isEmpty() || eventTypes.contains(type));
    }
}
