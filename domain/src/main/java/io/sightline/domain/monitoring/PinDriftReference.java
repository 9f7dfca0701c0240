package io.sightline.domain.monitoring;

import io.sightline.domain.event.DriftReferencePinned;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Pin a scope's reference window; {@code eventId} is made by the caller so the stored event has a known id. */
public record PinDriftReference(@TargetAggregateIdentifier String logId, String eventId, DriftReferencePinned pin) {
}
