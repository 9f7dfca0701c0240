package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/** An in-cab alert started; causes name the RiskAssessed that raised it. */
@Revision("1")
public record AlertRaised(
        String alertId,
        String kind,
        String level,
        String trackId,
        String policyVersion,
        long raisedAtNanos,
        List<String> causes) implements DerivedEvent {
}
