package io.sightline.cloud.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.session.BatchAck;
import io.sightline.domain.session.BatchRejectedException;
import io.sightline.domain.session.RejectionReason;
import java.io.IOException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * Ingestion of signed edge batches, shared by the HTTP endpoint, the MQTT subscriber and the
 * all-in-one app: size limit, envelope, device key, signature, session ownership, strict event
 * decoding, then {@link IngestionService}. Every refusal is counted; nothing of a refused batch is
 * stored, because the checks that can refuse run before the single append transaction.
 *
 * <p>Message body: {@code {batchId?, deviceId, sessionId, firstSequence, signature, events: [...]}}.
 */
@Service
public class SignedBatchIngestion {

    private static final Logger LOG = LoggerFactory.getLogger(SignedBatchIngestion.class);

    private final IngestionService ingestion;
    private final DeviceKeyRegistry keys;
    private final IngestRejectionCounter counter;
    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;
    private final long maxRequestBytes;
    /** session → owning device; a binding never changes, so it can be cached without expiry. */
    private final Cache<String, String> owners = Caffeine.newBuilder().maximumSize(100_000).build();

    public SignedBatchIngestion(IngestionService ingestion, DeviceKeyRegistry keys, IngestRejectionCounter counter, JdbcTemplate jdbc,
                                @Value("${sightline.ingest.max-request-bytes:8388608}") long maxRequestBytes) {
        this.ingestion = ingestion;
        this.keys = keys;
        this.counter = counter;
        this.jdbc = jdbc;
        this.mapper = ingestion.codec().mapper();
        this.maxRequestBytes = maxRequestBytes;
    }

    public long maxRequestBytes() {
        return maxRequestBytes;
    }

    /** Refuses a request the transport already knows is over the limit, without reading it. */
    public IngestResult tooLarge(long sizeBytes) {
        return refuse(IngestResult.Outcome.REJECTED, 413, IngestResult.REQUEST_TOO_LARGE,
                "the request has " + (sizeBytes < 0 ? "more than " + maxRequestBytes : sizeBytes) + " bytes; the limit is "
                        + maxRequestBytes + " (sightline.ingest.max-request-bytes). Send fewer events per batch",
                null, null, null, -1, -1);
    }

    /** Decides one request body; never throws, so every transport can always answer. */
    public IngestResult ingest(byte[] body) {
        try {
            return decide(body);
        } catch (RuntimeException e) {
            // Key lookup, session claim or counting failed: the database is unwell, not the batch.
            LOG.error("Ingestion failed before the append", e);
            return new IngestResult(IngestResult.Outcome.RETRY, 503, IngestResult.STORE_UNAVAILABLE, "the cloud could not check the batch ("
                    + e.getClass().getSimpleName() + "); nothing of it was stored, send it again later", null, null, null, -1, -1, 0, 0);
        }
    }

    private IngestResult decide(byte[] body) {
        if (body.length > maxRequestBytes) {
            return tooLarge(body.length);
        }
        long t0 = System.nanoTime();
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (IOException e) {
            String msg = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            return malformed(null, null, null, -1, "the body is not valid JSON: " + msg);
        }
        if (root == null || !root.isObject()) {
            return malformed(null, null, null, -1, "the body must be a JSON object {deviceId, sessionId, firstSequence, signature, events}");
        }
        String batchId = root.path("batchId").isTextual() ? root.get("batchId").asText() : null;
        String deviceId = text(root, "deviceId");
        String sessionId = text(root, "sessionId");
        long first = root.path("firstSequence").isIntegralNumber() && root.get("firstSequence").canConvertToLong()
                ? root.get("firstSequence").asLong() : -1;
        String signature = text(root, "signature");
        JsonNode events = root.get("events");
        List<String> missing = new ArrayList<>();
        if (deviceId == null) {
            missing.add("deviceId (text)");
        }
        if (sessionId == null || sessionId.length() > 255) {
            missing.add("sessionId (text, at most 255 characters)");
        }
        if (first < 0) {
            missing.add("firstSequence (integer >= 0)");
        }
        if (signature == null) {
            missing.add("signature (Base64 text)");
        }
        if (events == null || !events.isArray() || events.isEmpty()) {
            missing.add("events (non-empty array)");
        }
        if (!missing.isEmpty()) {
            return malformed(batchId, deviceId, sessionId, first, "missing or invalid: " + String.join(", ", missing));
        }

        Optional<PublicKey> key = keys.activeKey(deviceId);
        if (key.isEmpty()) {
            return refuse(IngestResult.Outcome.REJECTED, 401, IngestResult.UNKNOWN_DEVICE, "device " + deviceId
                    + " has no registered (unrevoked) public key; an administrator must register the publicKeyX509 from its key file",
                    batchId, deviceId, sessionId, first, -1);
        }
        String canonicalEvents;
        try {
            canonicalEvents = mapper.writeValueAsString(events);
        } catch (JsonProcessingException e) {
            return malformed(batchId, deviceId, sessionId, first, "events cannot be re-serialised: " + e.getOriginalMessage());
        }
        if (!BatchSignatureVerifier.verify(key.get(), BatchSignatureVerifier.canonicalBytes(sessionId, first, canonicalEvents), signature)) {
            return refuse(IngestResult.Outcome.REJECTED, 401, IngestResult.BAD_SIGNATURE, "the signature does not match the batch"
                    + " and device " + deviceId + "'s registered key: the batch was altered, or the device key differs from the"
                    + " registered one (re-register it if the device was re-keyed)", batchId, deviceId, sessionId, first, -1);
        }
        long tVerified = System.nanoTime();

        List<EventEnvelope> decoded = new ArrayList<>(events.size());
        try {
            for (JsonNode n : events) {
                EventEnvelope e = ingestion.codec().decode(n);
                // The session's provenance names its device; only that device's key may vouch for it.
                if (e.payload() instanceof DriveSessionStarted started && !deviceId.equals(started.deviceId())) {
                    return refuse(IngestResult.Outcome.REJECTED, 403, IngestResult.DEVICE_MISMATCH, "DriveSessionStarted names device "
                            + started.deviceId() + " but the batch is signed by " + deviceId + "; the edge must sign with the key of the"
                            + " device it records", batchId, deviceId, sessionId, first, -1);
                }
                decoded.add(e);
            }
            // Claimed only now, so a batch refused above cannot reserve a session id for its device.
            String owner = owners.get(sessionId, s -> claim(s, deviceId));
            if (!owner.equals(deviceId)) {
                return refuse(IngestResult.Outcome.REJECTED, 403, IngestResult.SESSION_OWNED_BY_OTHER_DEVICE, "session " + sessionId
                        + " belongs to device " + owner + "; a device may only append to its own sessions", batchId, deviceId, sessionId,
                        first, -1);
            }
            long tDecoded = System.nanoTime();
            BatchAck ack = ingestion.append(sessionId, first, decoded);
            if (LOG.isDebugEnabled()) {
                LOG.debug("Batch {}@{} ({} events): parse+verify {} ms, decode {} ms, append {} ms", sessionId, first, decoded.size(),
                        (tVerified - t0) / 1_000_000, (tDecoded - tVerified) / 1_000_000, (System.nanoTime() - tDecoded) / 1_000_000);
            }
            return new IngestResult(IngestResult.Outcome.ACKNOWLEDGED, 200, null, null, batchId, deviceId, sessionId, first,
                    ack.nextExpectedSequence(), ack.storedCount(), ack.duplicateCount());
        } catch (BatchRejectedException e) {
            return rejected(e, batchId, deviceId, sessionId, first);
        } catch (RuntimeException e) {
            if (mentions(e, "uk_domain_event_identifier")) {
                // Still conflicting after IngestionService decided again from the store: not a race but a reused id.
                return refuse(IngestResult.Outcome.REJECTED, 422, IngestResult.DUPLICATE_EVENT_ID, "an event id in this batch is already"
                        + " stored for another event (in this or another session); producers must give every event a new id."
                        + " Nothing of this batch was stored", batchId, deviceId, sessionId, first, -1);
            }
            if (IngestionService.isStoreConflict(e)) {
                return refuse(IngestResult.Outcome.RETRY, 503, IngestResult.STORE_CONFLICT, "another request is appending to session "
                        + sessionId + " at the same time; send the batch again", batchId, deviceId, sessionId, first, -1);
            }
            LOG.error("Batch {}@{} of device {} failed in the store", sessionId, first, deviceId, e);
            return refuse(IngestResult.Outcome.RETRY, 503, IngestResult.STORE_UNAVAILABLE, "the event store failed ("
                    + e.getClass().getSimpleName() + "); nothing of this batch was stored, send it again later",
                    batchId, deviceId, sessionId, first, -1);
        }
    }

    private static boolean mentions(Throwable e, String text) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }

    private String claim(String sessionId, String deviceId) {
        jdbc.update("insert into ingest_session_device (session_id, device_id) values (?, ?) on conflict (session_id) do nothing",
                sessionId, deviceId);
        return jdbc.queryForObject("select device_id from ingest_session_device where session_id = ?", String.class, sessionId);
    }

    private IngestResult rejected(BatchRejectedException e, String batchId, String deviceId, String sessionId, long first) {
        RejectionReason r = e.reason();
        if (r == RejectionReason.SEQUENCE_GAP) {
            return refuse(IngestResult.Outcome.GAP, 409, r.name(), e.getMessage(), batchId, deviceId, sessionId, first, e.nextExpectedSequence());
        }
        int status = switch (r) {
            case MALFORMED_EVENT, NON_CONTIGUOUS_BATCH, BATCH_SIZE -> 400;
            default -> 422;
        };
        return refuse(IngestResult.Outcome.REJECTED, status, r.name(), e.getMessage(), batchId, deviceId, sessionId, first,
                e.nextExpectedSequence());
    }

    private IngestResult malformed(String batchId, String deviceId, String sessionId, long first, String detail) {
        return refuse(IngestResult.Outcome.REJECTED, 400, IngestResult.MALFORMED_REQUEST, detail, batchId, deviceId, sessionId, first, -1);
    }

    private IngestResult refuse(IngestResult.Outcome outcome, int status, String reason, String detail, String batchId, String deviceId,
                                String sessionId, long first, long nextExpected) {
        counter.count(deviceId, reason, sessionId, detail);
        return new IngestResult(outcome, status, reason, detail, batchId, deviceId, sessionId, first, nextExpected, 0, 0);
    }

    private static String text(JsonNode root, String field) {
        JsonNode v = root.get(field);
        return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText() : null;
    }
}
