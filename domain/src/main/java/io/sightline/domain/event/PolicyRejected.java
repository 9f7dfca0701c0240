package io.sightline.domain.event;

import org.axonframework.serialization.Revision;

/**
 * A risk policy assigned to the vehicle failed its checks at the edge (sha256 of the downloaded
 * bytes, the Ed25519 release signature by a key the vehicle trusts, parsing, its signed version)
 * and never decided anything; the last known good policy keeps deciding (issue 17 §2, ADR-0035).
 *
 * @param policyVersion  the version the registry named, or null when it could not be read
 * @param expectedSha256 the sha256 the assignment named
 * @param actualSha256   the sha256 of the bytes received, or null when none were
 */
@Revision("1")
public record PolicyRejected(
        @OptionalField String policyVersion,
        String expectedSha256,
        @OptionalField String actualSha256,
        String reason,
        long rejectedAtNanos) implements SightlineEvent {
}
