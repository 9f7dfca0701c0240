package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * One evaluation of one policy rule against one of the shadow challenger's tracks: the fields of a
 * RiskAssessed, decided on the challenger's tracks with the champion's policy, never actuated.
 *
 * @param assessmentId the shadow projector's id (distinct from every champion id)
 * @param causes       the FrameCaptured and the frame's ShadowTracksUpdated
 */
@Revision("1")
public record ShadowRiskAssessed(
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
        String modelSha256,
        List<RiskFactor> factors,
        List<String> causes) implements DerivedEvent {

    public ShadowRiskAssessed {
        factors = List.copyOf(factors);
        causes = List.copyOf(causes);
    }
}
