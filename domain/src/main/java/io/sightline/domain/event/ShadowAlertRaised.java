package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * An alert the shadow challenger would have raised: its actuation logic (hysteresis, cooldown, rate
 * cap) ran, but nothing was commanded and no AlertRaised exists for it.
 *
 * @param ttcS   the TTC of the ShadowRiskAssessed that raised it (NaN for a rule without one), for the
 *               TTC difference at the first warning
 * @param causes the FrameCaptured and the ShadowRiskAssessed that raised it
 */
@Revision("1")
public record ShadowAlertRaised(
        String alertId,
        String frameId,
        String kind,
        String level,
        String trackId,
        String policyVersion,
        long raisedAtNanos,
        double ttcS,
        String modelSha256,
        List<String> causes) implements DerivedEvent {

    public ShadowAlertRaised {
        causes = List.copyOf(causes);
    }
}
