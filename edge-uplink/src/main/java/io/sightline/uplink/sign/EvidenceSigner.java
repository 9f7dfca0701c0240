package io.sightline.uplink.sign;

import io.sightline.domain.ingest.EvidenceCanonicalForm;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.Base64;

/** Signs evidence uploads with the device's Ed25519 key (ADR-0008); the key never leaves this package. */
public final class EvidenceSigner {

    private final DeviceIdentity identity;

    public EvidenceSigner(DeviceIdentity identity) {
        this.identity = identity;
    }

    /** Base64 Ed25519 signature over {@link EvidenceCanonicalForm#bytes(String, String, String)}. */
    public String sign(String sessionId, String frameId, String sha256Hex) {
        try {
            Signature s = Signature.getInstance(DeviceIdentity.ALGORITHM);
            s.initSign(identity.privateKey());
            s.update(EvidenceCanonicalForm.bytes(sessionId, frameId, sha256Hex));
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
        }
    }

    public String deviceId() {
        return identity.deviceId();
    }
}
