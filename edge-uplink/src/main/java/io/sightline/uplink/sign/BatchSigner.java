package io.sightline.uplink.sign;

import io.sightline.domain.ingest.BatchCanonicalForm;
import io.sightline.domain.ingest.BinaryBatch;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/** Signs journal batches with the device's Ed25519 key. */
public final class BatchSigner {

    private final DeviceIdentity identity;
    /** Unused since ADR-0009 (the rows are signed as stored); kept so callers need not change. */
    @SuppressWarnings("unused")
    private final ObjectMapper mapper;
    private final int version;

    /** Signs with version 2 (a SHA-256 of the events, ADR-0012): the cloud must be at least as new as that. */
    public BatchSigner(DeviceIdentity identity, ObjectMapper mapper) {
        this(identity, mapper, BatchCanonicalForm.VERSION_EVENTS_DIGEST);
    }

    /**
     * @param version {@link BatchCanonicalForm#VERSION_WHOLE_EVENTS} for a cloud from before ADR-0012;
     *                {@link BatchCanonicalForm#VERSION_COMPRESSED_DIGEST} for the binary body (ADR-0030)
     */
    public BatchSigner(DeviceIdentity identity, ObjectMapper mapper, int version) {
        if (version != BatchCanonicalForm.VERSION_WHOLE_EVENTS && version != BatchCanonicalForm.VERSION_EVENTS_DIGEST
                && version != BatchCanonicalForm.VERSION_COMPRESSED_DIGEST) {
            throw new IllegalArgumentException("batch signature version is 1, 2 or 3 (binary body), got " + version);
        }
        this.identity = identity;
        this.mapper = mapper;
        this.version = version;
    }

    public SignedBatch sign(String sessionId, List<EdgeJournal.StoredEvent> events) {
        if (events.isEmpty()) {
            throw new IllegalArgumentException("cannot sign an empty batch");
        }
        long first = events.get(0).sequence();
        String batchId = UUID.randomUUID().toString();
        if (version == BatchCanonicalForm.VERSION_COMPRESSED_DIGEST) {
            return signBinary(batchId, sessionId, first, events);
        }
        String canonical = joinWireJson(events);
        byte[] utf8 = canonical.getBytes(StandardCharsets.UTF_8);
        return new SignedBatch(batchId, identity.deviceId(), sessionId, first, events.size(), canonical,
                sign(BatchCanonicalForm.bytes(version, sessionId, first, utf8, 0, utf8.length)), version);
    }

    /**
     * The journal rows re-encoded as CBOR token for token, zstd-compressed, and signed over the
     * compressed bytes' digest (ADR-0030). The events JSON is not kept: the binary body replaces it.
     */
    private SignedBatch signBinary(String batchId, String sessionId, long first, List<EdgeJournal.StoredEvent> events) {
        List<String> rows = new java.util.ArrayList<>(events.size());
        for (EdgeJournal.StoredEvent e : events) {
            rows.add(e.wireJson());
        }
        byte[] cbor = BinaryBatch.eventsCbor(rows);
        byte[] compressed = BinaryBatch.zstd(cbor);
        byte[] signature = signRaw(BatchCanonicalForm.compressedDigestBytes(sessionId, first, BinaryBatch.COMPRESSION_ZSTD,
                events.size(), cbor.length, compressed));
        BinaryBatch.Envelope envelope = new BinaryBatch.Envelope(batchId, identity.deviceId(), sessionId, first, version, signature,
                BinaryBatch.COMPRESSION_ZSTD, events.size(), cbor.length, compressed);
        return new SignedBatch(batchId, identity.deviceId(), sessionId, first, events.size(), null,
                Base64.getEncoder().encodeToString(signature), version, envelope);
    }

    /**
     * The journal's wire JSON of each event, joined into an array. The journal writes each event as
     * Jackson's compact output of its tree, which is already {@link BatchCanonicalForm}'s form (the
     * catalog has no float or decimal fields a re-read could rewrite; DeviceIdentityAndSigningTest
     * checks it), so a cloud that re-serialises the array gets the same bytes. Re-parsing every
     * event here to make sure was more than half of the uploader's CPU; the cloud now verifies the
     * bytes it receives first (ADR-0009), so even a journal row in another form would be accepted.
     */
    static String joinWireJson(List<EdgeJournal.StoredEvent> events) {
        int size = 2;
        for (EdgeJournal.StoredEvent e : events) {
            size += e.wireJson().length() + 1;
        }
        StringBuilder json = new StringBuilder(size).append('[');
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append(events.get(i).wireJson());
        }
        return json.append(']').toString();
    }

    String sign(byte[] bytes) {
        return Base64.getEncoder().encodeToString(signRaw(bytes));
    }

    private byte[] signRaw(byte[] bytes) {
        try {
            Signature s = Signature.getInstance(DeviceIdentity.ALGORITHM);
            s.initSign(identity.privateKey());
            s.update(bytes);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
        }
    }

    public DeviceIdentity identity() {
        return identity;
    }
}
