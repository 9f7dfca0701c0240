package io.sightline.domain.event;

import org.axonframework.serialization.Revision;

/** A model failed its pre-activation checks (hash, input spec) and was never run. */
@Revision("1")
public record ModelRejected(
        String modelName,
        String modelVersion,
        String modelPath,
        String expectedSha256,
        String actualSha256,
        String reason,
        long rejectedAtNanos) implements SightlineEvent {
}
