package io.sightline.cloud.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.sightline.cloud.config.IngestProperties;
import io.sightline.cloud.telemetry.IngestTracing;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.ingest.BatchCanonicalForm;
import io.sightline.domain.ingest.BatchCompression;
import io.sightline.domain.ingest.BinaryBatch;
import io.sightline.domain.session.BatchAck;
import io.sightline.domain.session.BatchRejectedException;
import io.sightline.domain.session.RejectionReason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.postgresql.util.PSQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * Ingestion of signed edge batches, shared by the HTTP endpoint, the MQTT subscriber and the
 * all-in-one app: size limit, envelope, device key, signature, session ownership, strict event
 * decoding, then {@link IngestionService}. Every refusal is counted; nothing of a refused batch is
 * stored, because the checks that can refuse run before the single append transaction.
 *
 * <p>Message body: {@code {batchId?, deviceId, sessionId, firstSequence, signature, signatureVersion?, events: [...]}}
 * (signatureVersion 1 when absent; 2 signs a SHA-256 of the events, ADR-0012), zlib-compressed or not
 * (ADR-0027); or the binary body, CBOR and zstd, signed with version 3 ({@link BinaryBatch}, ADR-0030).
 * The body's first bytes tell the three apart, so MQTT needs no content type.
 */
@Service
public class SignedBatchIngestion {

    private static final Logger LOG = LoggerFactory.getLogger(SignedBatchIngestion.class);
    private static final String UNIQUE_VIOLATION = "23505";
    /** migrations' V1: one event id, one stored event, across all sessions. */
    static final String EVENT_ID_CONSTRAINT = "uk_domain_event_identifier";

    private final IngestionService ingestion;
    private final DeviceKeyRegistry keys;
    private final IngestRejectionCounter counter;
    private final IngestTracing tracing;
    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;
    private final long maxRequestBytes;
    /** session → owning device; a binding never changes, so it can be cached without expiry. */
    private final Cache<String, Owner> owners = Caffeine.newBuilder().maximumSize(100_000).build();

    public SignedBatchIngestion(IngestionService ingestion, DeviceKeyRegistry keys, IngestRejectionCounter counter, JdbcTemplate jdbc,
                                IngestProperties properties, IngestTracing tracing) {
        this.ingestion = ingestion;
        this.keys = keys;
        this.counter = counter;
        this.tracing = tracing;
        this.jdbc = jdbc;
        this.mapper = ingestion.codec().mapper();
        this.maxRequestBytes = properties.maxRequestBytes();
    }

    public long maxRequestBytes() {
        return maxRequestBytes;
    }

    /** Refuses a request the transport already knows is over the limit, without reading it. */
    public IngestResult tooLarge(long sizeBytes) {
        return refuse(IngestResult.Outcome.REJECTED, IngestResult.REQUEST_TOO_LARGE,
                "the request has " + (sizeBytes < 0 ? "more than " + maxRequestBytes : sizeBytes) + " bytes; the limit is "
                        + maxRequestBytes + " (sightline.ingest.max-request-bytes). Send fewer events per batch",
                null, null, null, -1, -1);
    }

    /** Decides one request body; never throws, so every transport can always answer. */
    public IngestResult ingest(byte[] body) {
        return ingest(body, null);
    }

    /**
     * @param claimedFleetId the fleet the transport says the batch is for (the MQTT topic's fleet
     *                       level), or null when the transport names none (HTTP, in-process)
     */
    public IngestResult ingest(byte[] body, String claimedFleetId) {
        return ingest(body, claimedFleetId, null);
    }

    /**
     * @param claimedFleetId   the fleet the transport says the batch is for (the MQTT topic's fleet level), or null
     * @param claimedVehicleId the vehicle the transport says the batch is of (the MQTT topic's vehicle level), or null
     *                         when the transport names none
     */
    public IngestResult ingest(byte[] body, String claimedFleetId, String claimedVehicleId) {
        try {
            return decide(body, claimedFleetId, claimedVehicleId);
        } catch (RuntimeException e) {
            // Key lookup, session claim or counting failed: the database is unwell, not the batch.
            LOG.error("Ingestion failed before the append", e);
            return new IngestResult(IngestResult.Outcome.RETRY, IngestResult.STORE_UNAVAILABLE, "the cloud could not check the batch ("
                    + e.getClass().getSimpleName() + "); nothing of it was stored, send it again later", null, null, null, -1, -1, 0, 0);
        }
    }

    private IngestResult decide(byte[] body, String claimedFleetId, String claimedVehicleId) {
        if (body.length > maxRequestBytes) {
            return tooLarge(body.length);
        }
        if (BinaryBatch.isBinary(body)) {
            return decideBinary(body, claimedFleetId, claimedVehicleId);
        }
        if (BatchCompression.isDeflated(body)) {
            try {
                body = BatchCompression.inflate(body, maxRequestBytes);
            } catch (IllegalArgumentException e) {
                return refuse(IngestResult.Outcome.REJECTED, e.getMessage().contains("request limit") ? IngestResult.REQUEST_TOO_LARGE
                        : IngestResult.MALFORMED_REQUEST, e.getMessage(), null, null, null, -1, -1);
            }
        }
        long t0 = System.nanoTime();
        PlainBatch plain = plainBatchOrNull(body);
        if (plain != null) {
            Optional<DeviceKeyRegistry.ActiveDevice> device = keys.active(plain.deviceId());
            if (device.isEmpty()) {
                return refuse(IngestResult.Outcome.REJECTED, IngestResult.UNKNOWN_DEVICE, unknownDevice(plain.deviceId()),
                        plain.batchId(), plain.deviceId(), plain.sessionId(), plain.first(), -1);
            }
            byte[] signed = BatchCanonicalForm.bytes(plain.signatureVersion(), plain.sessionId(), plain.first(), body,
                    plain.eventsOffset(), plain.eventsLength());
            if (BatchSignatureVerifier.verify(device.get().key(), signed, plain.signature())) {
                return append(plain.batchId(), plain.deviceId(), plain.sessionId(), plain.first(), plain.events(), device.get(),
                        claimedFleetId, claimedVehicleId, t0, System.nanoTime());
            }
            // Not signed over the bytes as received: the tree path tries the canonical form and explains a refusal.
        }
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
        JsonNode versionNode = root.get("signatureVersion");
        int version = versionNode == null ? BatchCanonicalForm.VERSION_WHOLE_EVENTS
                : versionNode.isInt() && (versionNode.asInt() == BatchCanonicalForm.VERSION_WHOLE_EVENTS
                || versionNode.asInt() == BatchCanonicalForm.VERSION_EVENTS_DIGEST) ? versionNode.asInt() : -1;
        JsonNode events = root.get("events");
        List<String> missing = new ArrayList<>();
        if (version < 0) {
            missing.add("signatureVersion (1 or 2, or absent for 1; 3 signs only the binary body)");
        }
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

        Optional<DeviceKeyRegistry.ActiveDevice> device = keys.active(deviceId);
        Optional<PublicKey> key = device.map(DeviceKeyRegistry.ActiveDevice::key);
        if (key.isEmpty()) {
            return refuse(IngestResult.Outcome.REJECTED, IngestResult.UNKNOWN_DEVICE, unknownDevice(deviceId),
                    batchId, deviceId, sessionId, first, -1);
        }
        // The signature is checked over the events exactly as received first: the edge sends the bytes it
        // signed, and re-serialising the array cost more than verifying it. Only a sender whose bytes are
        // not that (a client that reformats its JSON) pays for the canonical form (ADR-0009).
        String receivedEvents = eventsAsReceived(body);
        boolean verified = receivedEvents != null
                && BatchSignatureVerifier.verify(key.get(), signedBytes(version, sessionId, first, receivedEvents), signature);
        if (!verified) {
            String canonicalEvents;
            try {
                canonicalEvents = mapper.writeValueAsString(events);
            } catch (JsonProcessingException e) {
                return malformed(batchId, deviceId, sessionId, first, "events cannot be re-serialised: " + e.getOriginalMessage());
            }
            verified = !canonicalEvents.equals(receivedEvents)
                    && BatchSignatureVerifier.verify(key.get(), signedBytes(version, sessionId, first, canonicalEvents), signature);
        }
        if (!verified) {
            return refuse(IngestResult.Outcome.REJECTED, IngestResult.BAD_SIGNATURE, "the signature does not match the batch"
                    + " and device " + deviceId + "'s registered key: the batch was altered, or the device key differs from the"
                    + " registered one (re-register it if the device was re-keyed)", batchId, deviceId, sessionId, first, -1);
        }
        long tVerified = System.nanoTime();
        List<EventEnvelope> decoded = new ArrayList<>(events.size());
        try {
            for (JsonNode n : events) {
                decoded.add(ingestion.codec().decode(n));
            }
        } catch (BatchRejectedException e) {
            return rejected(e, batchId, deviceId, sessionId, first);
        }
        return append(batchId, deviceId, sessionId, first, decoded, device.get(), claimedFleetId, claimedVehicleId, t0, tVerified);
    }

    /**
     * The binary body (ADR-0030): head, device, signature over the compressed events, and only then
     * decompression (bounded by the head's signed length, itself bounded by the request limit) and
     * decoding. The events are read in one streaming pass from the CBOR; if the streaming decoder
     * declines, the tree decoder reads them and explains its refusal, as for JSON.
     */
    private IngestResult decideBinary(byte[] body, String claimedFleetId, String claimedVehicleId) {
        long t0 = System.nanoTime();
        BinaryBatch.Envelope head;
        try {
            head = BinaryBatch.decode(body);
        } catch (BinaryBatch.BinaryBatchException e) {
            return refuse(IngestResult.Outcome.REJECTED, binaryReason(e), e.getMessage(), null, null, null, -1, -1);
        }
        Optional<DeviceKeyRegistry.ActiveDevice> device = keys.active(head.deviceId());
        if (device.isEmpty()) {
            return refuse(IngestResult.Outcome.REJECTED, IngestResult.UNKNOWN_DEVICE, unknownDevice(head.deviceId()),
                    head.batchId(), head.deviceId(), head.sessionId(), head.firstSequence(), -1);
        }
        byte[] signed = BatchCanonicalForm.compressedDigestBytes(head.sessionId(), head.firstSequence(), head.compression(),
                head.eventCount(), head.eventsLength(), head.events());
        if (!BatchSignatureVerifier.verify(device.get().key(), signed, java.util.Base64.getEncoder().encodeToString(head.signature()))) {
            return refuse(IngestResult.Outcome.REJECTED, IngestResult.BAD_SIGNATURE, "the signature (version 3) does not match the"
                    + " binary batch's compressed events and device " + head.deviceId() + "'s registered key: the batch was altered,"
                    + " or the device key differs from the registered one (re-register it if the device was re-keyed)",
                    head.batchId(), head.deviceId(), head.sessionId(), head.firstSequence(), -1);
        }
        long tVerified = System.nanoTime();
        byte[] cbor;
        try {
            cbor = BinaryBatch.decompress(head, maxRequestBytes);
        } catch (BinaryBatch.BinaryBatchException e) {
            return refuse(IngestResult.Outcome.REJECTED, binaryReason(e), e.getMessage(), head.batchId(), head.deviceId(),
                    head.sessionId(), head.firstSequence(), -1);
        }
        List<EventEnvelope> decoded = binaryEventsOrNull(cbor);
        if (decoded == null) {
            try {
                decoded = binaryEventsThroughTree(cbor);
            } catch (BatchRejectedException e) {
                return rejected(e, head.batchId(), head.deviceId(), head.sessionId(), head.firstSequence());
            } catch (IllegalArgumentException e) {
                return malformed(head.batchId(), head.deviceId(), head.sessionId(), head.firstSequence(), e.getMessage());
            }
        }
        if (decoded.size() != head.eventCount()) {
            return malformed(head.batchId(), head.deviceId(), head.sessionId(), head.firstSequence(), "the head declares "
                    + head.eventCount() + " events but the body holds " + decoded.size());
        }
        return append(head.batchId(), head.deviceId(), head.sessionId(), head.firstSequence(), decoded, device.get(), claimedFleetId,
                claimedVehicleId, t0, tVerified);
    }

    private static String binaryReason(BinaryBatch.BinaryBatchException e) {
        return switch (e.problem()) {
            case UNSUPPORTED -> IngestResult.UNSUPPORTED_FORMAT;
            case TOO_LARGE -> IngestResult.REQUEST_TOO_LARGE;
            case MALFORMED -> IngestResult.MALFORMED_REQUEST;
        };
    }

    /** The events of a decompressed CBOR array in one streaming pass, or null when the streaming decoder declines any of them. */
    private List<EventEnvelope> binaryEventsOrNull(byte[] cbor) {
        try (JsonParser p = BinaryBatch.cborFactory().createParser(cbor)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            if (p.nextToken() != JsonToken.START_ARRAY) {
                return null;
            }
            List<EventEnvelope> events = new ArrayList<>(2048);
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
                EventEnvelope e = ingestion.codec().decodePlainOrNull(p);
                if (e == null) {
                    return null;
                }
                events.add(e);
            }
            return t == JsonToken.END_ARRAY && p.nextToken() == null && !events.isEmpty() ? events : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The tree path for a binary body: decides and explains what the streaming pass declined. */
    private List<EventEnvelope> binaryEventsThroughTree(byte[] cbor) {
        JsonNode root;
        try (JsonParser p = BinaryBatch.cborFactory().createParser(cbor)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            root = BinaryBatch.cborMapper().readTree(p);
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("the decompressed events have bytes after their CBOR array");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("the decompressed events are not valid CBOR: " + e.getMessage(), e);
        }
        if (root == null || !root.isArray() || root.isEmpty()) {
            throw new IllegalArgumentException("the decompressed events must be a non-empty CBOR array of events");
        }
        List<EventEnvelope> decoded = new ArrayList<>(root.size());
        for (JsonNode n : root) {
            decoded.add(ingestion.codec().decode(n));
        }
        return decoded;
    }

    /** The checks that need the decoded events, then the append: shared by the streaming and the tree path. */
    private IngestResult append(String batchId, String deviceId, String sessionId, long first, List<EventEnvelope> decoded,
                                DeviceKeyRegistry.ActiveDevice device, String claimedFleetId, String claimedVehicleId, long t0,
                                long tVerified) {
        String deviceFleet = device.fleetId();
        try {
            String startedFleet = null;
            String startedVehicle = null;
            for (EventEnvelope e : decoded) {
                if (e.payload() instanceof DriveSessionStarted started) {
                    // The session's provenance names its device; only that device's key may vouch for it.
                    if (!deviceId.equals(started.deviceId())) {
                        return refuse(IngestResult.Outcome.REJECTED, IngestResult.DEVICE_MISMATCH, "DriveSessionStarted names device "
                                + started.deviceId() + " but the batch is signed by " + deviceId + "; the edge must sign with the key of"
                                + " the device it records", batchId, deviceId, sessionId, first, -1);
                    }
                    startedFleet = started.fleetId();
                    startedVehicle = started.vehicleId();
                }
            }
            // A session of a fleet-bound device must be of that fleet: checked before the claim, so a
            // refused first batch cannot bind the session id.
            if (startedFleet != null && deviceFleet != null && !deviceFleet.equals(startedFleet)) {
                return wrongFleet("session " + sessionId + " says fleet " + startedFleet + " but device " + deviceId
                        + " is registered to fleet " + deviceFleet, batchId, deviceId, sessionId, first);
            }
            // A vehicle-bound device (V19) records only its vehicle; checked before the claim for the same reason.
            if (startedVehicle != null && device.vehicleId() != null && !device.vehicleId().equals(startedVehicle)) {
                return refuse(IngestResult.Outcome.REJECTED, IngestResult.WRONG_VEHICLE, "session " + sessionId + " says vehicle "
                        + startedVehicle + " but device " + deviceId + " is registered to vehicle " + deviceFleet + "/" + device.vehicleId()
                        + "; nothing of the batch was stored. Start the edge with --vehicle " + device.vehicleId() + ", or, if the device"
                        + " was moved, have an admin register its key again with vehicleId " + startedVehicle, batchId, deviceId, sessionId,
                        first, -1);
            }
            if (startedFleet != null && claimedFleetId != null && !claimedFleetId.equals(startedFleet)) {
                return wrongFleet("the batch came on fleet " + claimedFleetId + "'s topic but session " + sessionId + " says fleet "
                        + startedFleet, batchId, deviceId, sessionId, first);
            }
            if (startedVehicle != null && claimedVehicleId != null && !claimedVehicleId.equals(startedVehicle)) {
                return wrongVehicleTopic(claimedVehicleId, sessionId, startedVehicle, batchId, deviceId, first);
            }
            String fleetOfSession = startedFleet != null ? startedFleet : deviceFleet;
            // Claimed only now, so a batch refused above cannot reserve a session id for its device.
            String vehicleOfSession = startedVehicle;
            Owner owner = owners.get(sessionId, s -> claim(s, deviceId, fleetOfSession, vehicleOfSession));
            if (owner.vehicleId() == null && startedVehicle != null && owner.deviceId().equals(deviceId)) {
                // Claimed by an earlier batch without the session's start (one that arrived first and was refused as a gap),
                // or before V20: the start names the vehicle now.
                owner = recordVehicle(sessionId, startedVehicle);
            }
            if (!owner.deviceId().equals(deviceId)) {
                return refuse(IngestResult.Outcome.REJECTED, IngestResult.SESSION_OWNED_BY_OTHER_DEVICE, "session " + sessionId
                        + " belongs to device " + owner.deviceId() + "; a device may only append to its own sessions", batchId, deviceId,
                        sessionId, first, -1);
            }
            String sessionVehicle = owner.vehicleId();
            // Every batch, not only the first: a device bound to another vehicle since the session started stores no more of it.
            if (sessionVehicle != null && device.vehicleId() != null && !device.vehicleId().equals(sessionVehicle)) {
                return refuse(IngestResult.Outcome.REJECTED, IngestResult.WRONG_VEHICLE, "session " + sessionId + " is of vehicle "
                        + sessionVehicle + " but device " + deviceId + " is now registered to vehicle " + deviceFleet + "/"
                        + device.vehicleId() + "; nothing of the batch was stored, and what the session stored before stays. The"
                        + " batches stay in the edge's journal: if the device still records vehicle " + sessionVehicle + ", have an"
                        + " admin register its key again with vehicleId " + sessionVehicle, batchId, deviceId, sessionId, first, -1);
            }
            if (claimedVehicleId != null && sessionVehicle != null && !claimedVehicleId.equals(sessionVehicle)) {
                return wrongVehicleTopic(claimedVehicleId, sessionId, sessionVehicle, batchId, deviceId, first);
            }
            String sessionFleet = owner.fleetId() != null ? owner.fleetId() : fleetOfSession;
            if (claimedFleetId != null && sessionFleet != null && !claimedFleetId.equals(sessionFleet)) {
                return wrongFleet("the batch came on fleet " + claimedFleetId + "'s topic but session " + sessionId + " belongs to fleet "
                        + sessionFleet, batchId, deviceId, sessionId, first);
            }
            long tDecoded = System.nanoTime();
            // The ingest span links to the edge spans named by the events' traceparents (ADR-0007).
            BatchAck ack = tracing.traced(sessionId, first, decoded, () -> ingestion.append(sessionId, first, decoded));
            if (LOG.isDebugEnabled()) {
                LOG.debug("Batch {}@{} ({} events): parse+verify {} ms, checks {} ms, append {} ms", sessionId, first, decoded.size(),
                        (tVerified - t0) / 1_000_000, (tDecoded - tVerified) / 1_000_000, (System.nanoTime() - tDecoded) / 1_000_000);
            }
            return new IngestResult(IngestResult.Outcome.ACKNOWLEDGED, null, null, batchId, deviceId, sessionId, first,
                    ack.nextExpectedSequence(), ack.storedCount(), ack.duplicateCount());
        } catch (BatchRejectedException e) {
            return rejected(e, batchId, deviceId, sessionId, first);
        } catch (RuntimeException e) {
            if (isDuplicateEventId(e)) {
                // Still conflicting after IngestionService decided again from the store: not a race but a reused id.
                return refuse(IngestResult.Outcome.REJECTED, IngestResult.DUPLICATE_EVENT_ID, "an event id in this batch is already"
                        + " stored for another event (in this or another session); producers must give every event a new id."
                        + " Nothing of this batch was stored", batchId, deviceId, sessionId, first, -1);
            }
            if (IngestionService.isStoreConflict(e)) {
                return refuse(IngestResult.Outcome.RETRY, IngestResult.STORE_CONFLICT, "another request is appending to session "
                        + sessionId + " at the same time; send the batch again", batchId, deviceId, sessionId, first, -1);
            }
            LOG.error("Batch {}@{} of device {} failed in the store", sessionId, first, deviceId, e);
            return refuse(IngestResult.Outcome.RETRY, IngestResult.STORE_UNAVAILABLE, "the event store failed ("
                    + e.getClass().getSimpleName() + "); nothing of this batch was stored, send it again later",
                    batchId, deviceId, sessionId, first, -1);
        }
    }

    private static String unknownDevice(String deviceId) {
        return "device " + deviceId + " has no registered (unrevoked) public key; an administrator must register the publicKeyX509"
                + " from its key file";
    }

    /** The bytes signature {@code version} covers, for events given as text (the tree path). */
    private static byte[] signedBytes(int version, String sessionId, long first, String eventsJson) {
        byte[] utf8 = eventsJson.getBytes(StandardCharsets.UTF_8);
        return BatchCanonicalForm.bytes(version, sessionId, first, utf8, 0, utf8.length);
    }

    /** A body in the plain form the edge sends, decoded in one streaming pass; {@code eventsOffset/Length} locate the signed bytes. */
    private record PlainBatch(String batchId, String deviceId, String sessionId, long first, String signature, int signatureVersion,
                              int eventsOffset, int eventsLength, List<EventEnvelope> events) {
    }

    /**
     * One streaming pass over the body: the envelope fields, the events decoded without a tree, and
     * where the events array lies in the body (the bytes the signature covers). Returns {@code null}
     * for anything that is not the plain form (a repeated key, a field of another JSON type, an
     * event the codec will not take without the tree, bad JSON): the tree path then decides, with
     * its explanations, so this path never accepts what that one refuses. The events are decoded
     * before the signature is checked, but nothing of them is used unless it holds.
     */
    private PlainBatch plainBatchOrNull(byte[] body) {
        String batchId = null;
        String deviceId = null;
        String sessionId = null;
        String signature = null;
        int version = BatchCanonicalForm.VERSION_WHOLE_EVENTS;
        long first = -1;
        int eventsOffset = -1;
        int eventsLength = -1;
        List<EventEnvelope> events = null;
        try (JsonParser p = mapper.getFactory().createParser(body)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "batchId" -> batchId = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "deviceId" -> deviceId = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "sessionId" -> sessionId = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "signature" -> signature = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "signatureVersion" -> {
                        if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
                            return null;
                        }
                        version = p.getIntValue();
                    }
                    case "firstSequence" -> first = v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                            ? p.getLongValue() : -1;
                    case "events" -> {
                        if (v != JsonToken.START_ARRAY) {
                            return null;
                        }
                        long start = p.currentTokenLocation().getByteOffset();
                        events = new ArrayList<>(2048);
                        JsonToken t;
                        while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
                            EventEnvelope e = ingestion.codec().decodePlainOrNull(p);
                            if (e == null) {
                                return null;
                            }
                            events.add(e);
                        }
                        long end = p.currentTokenLocation().getByteOffset() + 1;
                        if (t != JsonToken.END_ARRAY || start < 0 || end > body.length || end <= start) {
                            return null;
                        }
                        eventsOffset = (int) start;
                        eventsLength = (int) (end - start);
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (deviceId == null || deviceId.isBlank() || sessionId == null || sessionId.isBlank() || sessionId.length() > 255
                || first < 0 || signature == null || signature.isBlank() || events == null || events.isEmpty()) {
            return null;
        }
        if (version != BatchCanonicalForm.VERSION_WHOLE_EVENTS && version != BatchCanonicalForm.VERSION_EVENTS_DIGEST) {
            return null;
        }
        return new PlainBatch(batchId, deviceId, sessionId, first, signature, version, eventsOffset, eventsLength, events);
    }

    /**
     * The text of the body's top-level {@code events} value, byte for byte, or {@code null} when the
     * body has no single such array. The tree the events are decoded from is that same value, so a
     * signature valid over these bytes vouches for exactly what is stored.
     */
    private String eventsAsReceived(byte[] body) {
        try (JsonParser p = mapper.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String found = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                boolean isEvents = "events".equals(p.currentName());
                JsonToken value = p.nextToken();
                if (!isEvents) {
                    p.skipChildren();
                    continue;
                }
                if (found != null || value != JsonToken.START_ARRAY) {
                    // A repeated key: the tree keeps the last value; rather than reason about which, take the slow path.
                    return null;
                }
                long start = p.currentTokenLocation().getByteOffset();
                p.skipChildren();
                long end = p.currentTokenLocation().getByteOffset() + 1;
                if (start < 0 || end > body.length || end <= start) {
                    return null;
                }
                found = new String(body, (int) start, (int) (end - start), StandardCharsets.UTF_8);
            }
            return found;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A unique violation (SQLState 23505) of the event-id constraint, found anywhere in the cause
     * chain or a batch's next-exception chain: Axon wraps the driver's exception, and a JDBC batch
     * reports it as a BatchUpdateException whose cause is the server's error. Read from the
     * server's error fields, not from message text, which changes with the driver and locale.
     */
    static boolean isDuplicateEventId(Throwable e) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Throwable> todo = new ArrayDeque<>();
        todo.push(e);
        while (!todo.isEmpty()) {
            Throwable t = todo.pop();
            if (!seen.add(t)) {
                continue;
            }
            if (t instanceof PSQLException p && UNIQUE_VIOLATION.equals(p.getSQLState()) && p.getServerErrorMessage() != null
                    && EVENT_ID_CONSTRAINT.equals(p.getServerErrorMessage().getConstraint())) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getNextException() != null) {
                todo.push(sql.getNextException());
            }
            if (t.getCause() != null) {
                todo.push(t.getCause());
            }
        }
        return false;
    }

    /**
     * The device that owns a session, the fleet the session was bound to (null for sessions bound before fleets) and its
     * vehicle (null: not known yet, or claimed before V20).
     */
    private record Owner(String deviceId, String fleetId, String vehicleId) {
    }

    private Owner claim(String sessionId, String deviceId, String fleetId, String vehicleId) {
        jdbc.update("insert into ingest_session_device (session_id, device_id, fleet_id, vehicle_id) values (?, ?, ?, ?)"
                + " on conflict (session_id) do nothing", sessionId, deviceId, fleetId, vehicleId);
        return readOwner(sessionId);
    }

    private Owner recordVehicle(String sessionId, String vehicleId) {
        jdbc.update("update ingest_session_device set vehicle_id = ? where session_id = ? and vehicle_id is null", vehicleId, sessionId);
        Owner owner = readOwner(sessionId);
        owners.put(sessionId, owner);
        return owner;
    }

    private Owner readOwner(String sessionId) {
        return jdbc.queryForObject("select device_id, fleet_id, vehicle_id from ingest_session_device where session_id = ?",
                (rs, i) -> new Owner(rs.getString(1), rs.getString(2), rs.getString(3)), sessionId);
    }

    private IngestResult wrongVehicleTopic(String topicVehicle, String sessionId, String sessionVehicle, String batchId, String deviceId,
                                           long first) {
        return refuse(IngestResult.Outcome.REJECTED, IngestResult.WRONG_VEHICLE, "the batch came on vehicle " + topicVehicle
                + "'s topic but session " + sessionId + " is of vehicle " + sessionVehicle + "; nothing of the batch was stored."
                + " Publish on sightline/{fleet}/" + sessionVehicle + "/events, the session's own vehicle", batchId, deviceId, sessionId,
                first, -1);
    }

    private IngestResult wrongFleet(String why, String batchId, String deviceId, String sessionId, long first) {
        return refuse(IngestResult.Outcome.REJECTED, IngestResult.WRONG_FLEET, why + "; nothing of the batch was stored."
                + " Publish on sightline/{fleet}/{vehicle}/events with the session's fleet, and register the device into it",
                batchId, deviceId, sessionId, first, -1);
    }

    private IngestResult rejected(BatchRejectedException e, String batchId, String deviceId, String sessionId, long first) {
        RejectionReason r = e.reason();
        if (r == RejectionReason.SEQUENCE_GAP) {
            return refuse(IngestResult.Outcome.GAP, r.name(), e.getMessage(), batchId, deviceId, sessionId, first, e.nextExpectedSequence());
        }
        return refuse(IngestResult.Outcome.REJECTED, r.name(), e.getMessage(), batchId, deviceId, sessionId, first,
                e.nextExpectedSequence());
    }

    private IngestResult malformed(String batchId, String deviceId, String sessionId, long first, String detail) {
        return refuse(IngestResult.Outcome.REJECTED, IngestResult.MALFORMED_REQUEST, detail, batchId, deviceId, sessionId, first, -1);
    }

    private IngestResult refuse(IngestResult.Outcome outcome, String reason, String detail, String batchId, String deviceId,
                                String sessionId, long first, long nextExpected) {
        counter.count(deviceId, reason, sessionId, detail);
        return new IngestResult(outcome, reason, detail, batchId, deviceId, sessionId, first, nextExpected, 0, 0);
    }

    private static String text(JsonNode root, String field) {
        JsonNode v = root.get(field);
        return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText() : null;
    }
}
