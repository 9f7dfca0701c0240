package io.sightline.uplink.evidence;

import io.sightline.uplink.transport.TransportException;

/**
 * Carries one evidence JPEG to the cloud. Implementations: HTTP ({@link HttpEvidenceTransport},
 * {@code PUT /api/v1/evidence/{sha256}}) and in-process (the all-in-one app). Uploads are
 * idempotent by sha256, so a {@link TransportException} (unknown whether it arrived) is simply
 * retried.
 */
@FunctionalInterface
public interface EvidenceTransport {

    EvidenceReply put(EvidenceUpload upload) throws TransportException;
}
