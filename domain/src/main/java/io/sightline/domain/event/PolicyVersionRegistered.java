package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A risk policy version entered the cloud registry (issue 17 §1): its JSON stored under its sha256,
 * its release signature verified against a trusted key.
 *
 * @param policySha256     sha256 of the policy file's bytes as uploaded
 * @param signatureBase64  Ed25519 signature of the release statement (ADR-0025)
 * @param causes           the {@code EvaluationCompleted} events in {@code policy/<version>/evaluations} when it was registered
 */
@Revision("1")
public record PolicyVersionRegistered(
        String policyVersion,
        String policySha256,
        long sizeBytes,
        String signatureBase64,
        String keyId,
        String registeredBy,
        long registeredAtNanos,
        List<String> causes) implements DerivedEvent {

    public PolicyVersionRegistered {
        causes = List.copyOf(causes);
    }
}
