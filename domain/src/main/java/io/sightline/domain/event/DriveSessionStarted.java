package io.sightline.domain.event;

import java.util.Map;
import org.axonframework.serialization.Revision;

/**
 * First event of every drive session: the provenance every later decision is explained against.
 *
 * @param policyThresholds the risk-policy thresholds in force, keyed by name with the unit in the key
 *                         ({@code io.sightline.domain.risk.ThresholdKey}, e.g.
 *                         {@code forwardCollision.ttcRaiseS}; older sessions may carry {@code fcw.ttcWarnS})
 */
@Revision("1")
public record DriveSessionStarted(
        String sessionId,
        String fleetId,
        String vehicleId,
        String deviceId,
        String softwareVersion,
        long startTimeNanos,
        CameraCalibration calibration,
        String policyVersion,
        Map<String, Double> policyThresholds) implements SightlineEvent {
}
