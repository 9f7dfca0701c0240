package io.sightline.uplink.evidence;

/**
 * One evidence JPEG on its way to the cloud, signed by the device: the Ed25519 signature covers
 * (session, frame, sha256) ({@code EvidenceCanonicalForm}), and the cloud recomputes the sha256
 * from {@link #jpeg}, so the pair vouches for the exact bytes.
 */
public record EvidenceUpload(String deviceId, String sessionId, String frameId, String sha256, byte[] jpeg, String signature) {
}
