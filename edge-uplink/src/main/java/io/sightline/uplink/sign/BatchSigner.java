package io.sightline.uplink.sign;

import io.sightline.domain.ingest.BatchCanonicalForm;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.uplink.journal.EdgeJournal;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/** Signs journal batches with the device's Ed25519 key. */
public final class BatchSigner {

    private final DeviceIdentity identity;
    private final ObjectMapper mapper;

    public BatchSigner(DeviceIdentity identity, ObjectMapper mapper) {
        this.identity = identity;
        this.mapper = mapper;
    }

    public SignedBatch sign(String sessionId, List<EdgeJournal.StoredEvent> events) {
        if (events.isEmpty()) {
            throw new IllegalArgumentException("cannot sign an empty batch");
        }
        StringBuilder json = new StringBuilder(events.size() * 400).append('[');
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append(events.get(i).wireJson());
        }
        String canonical = BatchCanonicalForm.canonicalJson(mapper, json.append(']').toString());
        long first = events.get(0).sequence();
        return new SignedBatch(UUID.randomUUID().toString(), identity.deviceId(), sessionId, first, events.size(), canonical,
                sign(BatchCanonicalForm.bytes(sessionId, first, canonical)));
    }

    String sign(byte[] bytes) {
        try {
            Signature s = Signature.getInstance(DeviceIdentity.ALGORITHM);
            s.initSign(identity.privateKey());
            s.update(bytes);
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
        }
    }

    public DeviceIdentity identity() {
        return identity;
    }
}
