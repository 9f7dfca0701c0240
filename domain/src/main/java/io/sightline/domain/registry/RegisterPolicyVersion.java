package io.sightline.domain.registry;

import io.sightline.domain.event.PolicyVersionRegistered;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Register a policy version in its {@link ArtifactRegistry} entry, under {@code eventId}. */
public record RegisterPolicyVersion(@TargetAggregateIdentifier String registryId, String eventId, PolicyVersionRegistered registration) {
}
