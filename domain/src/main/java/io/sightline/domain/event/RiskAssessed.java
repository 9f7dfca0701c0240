package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * One evaluation of one policy rule against one track.
 *
 * @param ruleName  e.g. {@code FORWARD_COLLISION}, {@code FOLLOWING_DISTANCE}, {@code VULNERABLE_ROAD_USER}
 * @param level     {@code NONE}, {@code ADVISORY} or {@code WARNING}
 * @param causes    the TrackUpdated events and the VehicleStateSampled used
 */
@Revision("1")
public record RiskAssessed(
        String assessmentId,
        String frameId,
        String trackId,
        String ruleName,
        String policyVersion,
        String level,
        double rangeM,
        double closingSpeedMps,
        double relativeAccelMps2,
        double ttcS,
        double egoSpeedMps,
        List<RiskFactor> factors,
        List<String> causes) implements DerivedEvent {
}
