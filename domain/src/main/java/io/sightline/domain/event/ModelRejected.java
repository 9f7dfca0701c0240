package io.sightline.domain.event;

import org.axonframework.serialization.Revision;

/**
 * A model failed its pre-activation checks (hash, input spec) and was never run.
 *
 * <p>An assigned model refused before its bytes or registration were read (a download that failed, an
 * unknown sha256) has no name, version, path or actual sha256 to report: those are null, and ingestion
 * accepts them so (a required field would block the whole session's upload behind the refusal).
 */
@Revision("1")
public record ModelRejected(
        @OptionalField String modelName,
        @OptionalField String modelVersion,
        @OptionalField String modelPath,
        String expectedSha256,
        @OptionalField String actualSha256,
        String reason,
        long rejectedAtNanos) implements SightlineEvent {
}
