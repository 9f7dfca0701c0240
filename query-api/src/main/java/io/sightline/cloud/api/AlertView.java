package io.sightline.cloud.api;

/**
 * One row of the {@code alerts} projection as the API shows it. Times are epoch nanoseconds of the
 * edge clock ({@code raisedAtNanos}, {@code clearedAtNanos}) or the cloud clock ({@code reviewedAtNanos}).
 *
 * @param eventId     id of the AlertRaised event (the cause a review names)
 * @param globalIndex position of the AlertRaised in the global event stream (the SSE id)
 */
public record AlertView(String alertId, String eventId, String sessionId, String fleetId, String vehicleId, String kind,
                        String level, String trackId, String policyVersion, long raisedAtNanos, Long clearedAtNanos,
                        String clearedReason, String verdict, String reviewer, Long reviewedAtNanos, long globalIndex) {
}
