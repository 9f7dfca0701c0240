package io.sightline.domain.ingest;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The bytes an evidence upload's signature covers (ADR-0008):
 * {@code "sightline-evidence-v1\0" · u32 len · sessionId · u32 len · frameId · u32 len · sha256 hex} (UTF-8).
 *
 * <p>The signature binds the blob (through its sha256, which the cloud recomputes from the body) to
 * the session and frame it claims to be evidence of, so a blob cannot be filed under another
 * device's session or another frame. The domain prefix keeps it from ever verifying as a batch
 * signature ({@link BatchCanonicalForm}) and the length prefixes from being re-split.
 */
public final class EvidenceCanonicalForm {

    private static final byte[] DOMAIN = "sightline-evidence-v1\0".getBytes(StandardCharsets.US_ASCII);

    private EvidenceCanonicalForm() {
    }

    public static byte[] bytes(String sessionId, String frameId, String sha256Hex) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(160);
        try (DataOutputStream out = new DataOutputStream(buf)) {
            out.write(DOMAIN);
            for (String part : new String[] {sessionId, frameId, sha256Hex}) {
                byte[] b = part.getBytes(StandardCharsets.UTF_8);
                out.writeInt(b.length);
                out.write(b);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return buf.toByteArray();
    }
}
