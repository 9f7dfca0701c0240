package io.sightline.cloud.ingest;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;

/**
 * Verifies a batch's Ed25519 signature over its canonical bytes:
 * {@code "sightline-batch-v1\0" · u32 len · sessionId (UTF-8) · i64 firstSequence · u32 len · events JSON (UTF-8)},
 * where the events JSON is Jackson's compact re-serialisation of the received array.
 *
 * <p>The edge (edge-uplink {@code BatchCanonicalForm}) builds the same bytes; it may not share code
 * with the cloud, so the edge-uplink end-to-end tests sign there and verify here.
 */
public final class BatchSignatureVerifier {

    private static final byte[] DOMAIN = "sightline-batch-v1\0".getBytes(StandardCharsets.US_ASCII);

    private BatchSignatureVerifier() {
    }

    public static byte[] canonicalBytes(String sessionId, long firstSequence, String canonicalEventsJson) {
        byte[] session = sessionId.getBytes(StandardCharsets.UTF_8);
        byte[] events = canonicalEventsJson.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream buf = new ByteArrayOutputStream(DOMAIN.length + session.length + events.length + 16);
        try (DataOutputStream out = new DataOutputStream(buf)) {
            out.write(DOMAIN);
            out.writeInt(session.length);
            out.write(session);
            out.writeLong(firstSequence);
            out.writeInt(events.length);
            out.write(events);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return buf.toByteArray();
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
