package io.sightline.cloud.ingest;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;

/**
 * Verifies a batch's Ed25519 signature over its canonical bytes:
 * {@code "sightline-batch-v1\0" · u32 len · sessionId (UTF-8) · i64 firstSequence · u32 len · events JSON (UTF-8)},
 * where the events JSON is Jackson's compact re-serialisation of the received array.
 *
 * <p>The bytes come from {@code domain}'s {@code BatchCanonicalForm}, the same code the edge signs with.
 */
public final class BatchSignatureVerifier {

    private BatchSignatureVerifier() {
    }

    public static byte[] canonicalBytes(String sessionId, long firstSequence, String canonicalEventsJson) {
        return io.sightline.domain.ingest.BatchCanonicalForm.bytes(sessionId, firstSequence, canonicalEventsJson);
    }

    /** True only for a well-formed signature by {@code key} over exactly these bytes. */
    public static boolean verify(PublicKey key, byte[] canonicalBytes, String signatureBase64) {
        try {
            byte[] sig = Base64.getDecoder().decode(signatureBase64);
            Signature verifier = Signature.getInstance(DeviceKeyRegistry.ALGORITHM);
            verifier.initVerify(key);
            verifier.update(canonicalBytes);
            return verifier.verify(sig);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            // Undecodable Base64 or a signature of the wrong length: not a valid signature.
            return false;
        }
    }
}
