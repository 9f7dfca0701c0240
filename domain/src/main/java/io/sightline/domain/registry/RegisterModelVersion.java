package io.sightline.domain.registry;

import io.sightline.domain.event.ModelVersionRegistered;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Register a model version in its {@link ArtifactRegistry} entry, under {@code eventId}. */
public record RegisterModelVersion(@TargetAggregateIdentifier String registryId, String eventId, ModelVersionRegistered registration) {
}
