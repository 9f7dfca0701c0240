package io.sightline.cloud.evidence;

import io.sightline.cloud.ingest.BatchSignatureVerifier;
import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.cloud.ingest.IngestRejectionCounter;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.ingest.EvidenceCanonicalForm;
import io.sightline.explain.EventLookup;
import io.sightline.explain.StoredEvent;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * Stores evidence JPEGs uploaded by edge devices (ADR-0008), shared by the HTTP endpoint and the
 * all-in-one app. A device proves itself as it does for event batches: an Ed25519 signature by its
 * registered key, here over (session, frame, sha256) ({@link EvidenceCanonicalForm}). The cloud
 * recomputes the sha256 of the body and refuses a mismatch, so a stored row always holds exactly
 * the bytes its key names; the session must belong to the signing device, and the blob takes that
 * session's fleet. Every refusal stores nothing and is counted like a refused batch.
 */
@Service
public class EvidenceIngestion {

    private static final Logger LOG = LoggerFactory.getLogger(EvidenceIngestion.class);
    private static final HexFormat HEX = HexFormat.of();
    public static final String CONTENT_TYPE = "image/jpeg";
    /** Alert-window clips (ADR-0037): the source's own video, remuxed into MP4 by the edge. */
    public static final String CLIP_CONTENT_TYPE = "video/mp4";

    /** A device's claim about one blob; every field comes from the request. */
    public record Upload(String pathSha256, String deviceId, String sessionId, String frameId, String signature, byte[] jpeg) {
    }

    private final JdbcTemplate jdbc;
    private final DeviceKeyRegistry keys;
    private final IngestRejectionCounter counter;
    private final EventLookup events;
    private final long maxBytes;
    private final long maxClipBytes;

    /**
     * @param maxBytes     the largest JPEG taken
     * @param maxClipBytes the largest MP4 clip taken: a 40 s alert window at 8 Mbit/s is 40 MB
     */
    public EvidenceIngestion(JdbcTemplate jdbc, DeviceKeyRegistry keys, IngestRejectionCounter counter, EventLookup events,
                             @Value("${sightline.evidence.max-bytes:8388608}") long maxBytes,
                             @Value("${sightline.evidence.max-clip-bytes:67108864}") long maxClipBytes) {
        this.jdbc = jdbc;
        this.keys = keys;
        this.counter = counter;
        this.events = events;
        this.maxBytes = maxBytes;
        this.maxClipBytes = maxClipBytes;
    }

    /** The largest body any upload may have (a clip's limit); a JPEG is held to {@link #maxJpegBytes()} once read. */
    public long maxBytes() {
        return Math.max(maxBytes, maxClipBytes);
    }

    public long maxJpegBytes() {
        return maxBytes;
    }

    public EvidenceUploadResult tooLarge(Upload u, long sizeBytes) {
        return refuse(u, 413, EvidenceUploadResult.TOO_LARGE, "the evidence has " + (sizeBytes < 0 ? "more than " + maxBytes() : sizeBytes)
                + " bytes; the limits are " + maxBytes + " for a JPEG (sightline.evidence.max-bytes) and " + maxClipBytes
                + " for an MP4 clip (sightline.evidence.max-clip-bytes). Encode it smaller (lower JPEG quality or width), or cut"
                + " the clip shorter");
    }

    /** Refuses (and counts) a message a transport could not take apart into an upload at all. */
    public EvidenceUploadResult malformed(String detail) {
        return refuse(new Upload(null, null, null, null, null, null), 400, EvidenceUploadResult.MALFORMED_REQUEST, detail);
    }

    /** Decides one upload; never throws, so every transport can always answer. */
    public EvidenceUploadResult store(Upload u) {
        return store(u, null);
    }

    /**
     * @param claimedFleetId the fleet the transport says the upload is for (the MQTT topic's fleet
     *                       level), or null when it names none (HTTP, in-process)
     */
    public EvidenceUploadResult store(Upload u, String claimedFleetId) {
        try {
            return decide(u, claimedFleetId);
        } catch (RuntimeException e) {
            LOG.error("Evidence upload {} failed in the store", u.pathSha256(), e);
            return new EvidenceUploadResult(503, EvidenceUploadResult.STORE_UNAVAILABLE, "the cloud could not store the evidence ("
                    + e.getClass().getSimpleName() + "); nothing was stored, send it again later", u.pathSha256(), u.sessionId(),
                    u.frameId(), 0);
        }
    }

    private EvidenceUploadResult decide(Upload u, String claimedFleetId) {
        if (!FrameCaptured.isSha256Hex(u.pathSha256())) {
            return refuse(u, 400, EvidenceUploadResult.MALFORMED_REQUEST, "the path (over MQTT: the header's sha256) must end in the"
                    + " blob's sha256 as 64 lower-case hex digits, got '" + abbreviate(u.pathSha256()) + "'");
        }
        StringBuilder missing = new StringBuilder();
        appendIfBlank(missing, u.deviceId(), "X-Sightline-Device (deviceId over MQTT)");
        appendIfBlank(missing, u.sessionId(), "X-Sightline-Session (sessionId)");
        appendIfBlank(missing, u.frameId(), "X-Sightline-Frame (frameId)");
        appendIfBlank(missing, u.signature(), "X-Sightline-Signature (signature)");
        if (missing.length() > 0) {
            return refuse(u, 400, EvidenceUploadResult.MALFORMED_REQUEST, "missing headers: " + missing
                    + " (device id, session id, frame id and the Base64 Ed25519 signature over them and the sha256)");
        }
        if (u.sessionId().length() > 255 || u.frameId().length() > 255 || u.deviceId().length() > 255) {
            return refuse(u, 400, EvidenceUploadResult.MALFORMED_REQUEST, "device, session and frame ids must be at most 255 characters");
        }
        if (u.jpeg() == null || u.jpeg().length == 0) {
            return refuse(u, 400, EvidenceUploadResult.MALFORMED_REQUEST, "the body is empty; send the JPEG bytes");
        }
        if (u.jpeg().length > maxBytes()) {
            return tooLarge(u, u.jpeg().length);
        }
        Optional<PublicKey> key = keys.activeKey(u.deviceId());
        if (key.isEmpty()) {
            return refuse(u, 401, EvidenceUploadResult.UNKNOWN_DEVICE, "device " + u.deviceId() + " has no registered (unrevoked)"
                    + " public key; an administrator must register the publicKeyX509 from its key file");
        }
        if (!BatchSignatureVerifier.verify(key.get(), EvidenceCanonicalForm.bytes(u.sessionId(), u.frameId(), u.pathSha256()),
                u.signature())) {
            return refuse(u, 401, EvidenceUploadResult.BAD_SIGNATURE, "the signature does not match (session, frame, sha256) and device "
                    + u.deviceId() + "'s registered key: the upload was altered, or the device key differs from the registered one");
        }
        String actual = sha256Hex(u.jpeg());
        if (!actual.equals(u.pathSha256())) {
            return refuse(u, 422, EvidenceUploadResult.SHA256_MISMATCH, "the body's sha256 is " + actual + " but the path names "
                    + u.pathSha256() + ": the bytes were altered or cut short on the way. Nothing was stored; send the file again");
        }
        String contentType;
        int widthPx;
        int heightPx;
        Mp4Header clip = Mp4Header.read(u.jpeg());
        if (clip != null) {
            contentType = CLIP_CONTENT_TYPE;
            widthPx = clip.widthPx();
            heightPx = clip.heightPx();
        } else {
            JpegHeader header = JpegHeader.read(u.jpeg());
            if (header == null) {
                return refuse(u, 415, EvidenceUploadResult.NOT_A_JPEG, "the body is neither a JPEG with a frame header nor an MP4"
                        + " clip with its index (ftyp, moov, a track's tkhd); evidence is " + CONTENT_TYPE + " or " + CLIP_CONTENT_TYPE);
            }
            if (u.jpeg().length > maxBytes) {
                return tooLarge(u, u.jpeg().length);
            }
            contentType = CONTENT_TYPE;
            widthPx = header.widthPx();
            heightPx = header.heightPx();
        }
        List<String> owner = jdbc.queryForList("select device_id from ingest_session_device where session_id = ?", String.class,
                u.sessionId());
        if (owner.isEmpty()) {
            return refuse(u, 409, EvidenceUploadResult.SESSION_NOT_INGESTED, "session " + u.sessionId() + " has no events in the cloud"
                    + " yet; the evidence is taken once its DriveSessionStarted is stored. Send it again later");
        }
        if (!owner.get(0).equals(u.deviceId())) {
            return refuse(u, 403, EvidenceUploadResult.SESSION_OWNED_BY_OTHER_DEVICE, "session " + u.sessionId() + " belongs to device "
                    + owner.get(0) + "; a device may only add evidence to its own sessions");
        }
        Optional<StoredEvent> start = events.sessionStart(u.sessionId());
        if (start.isEmpty()) {
            return refuse(u, 409, EvidenceUploadResult.SESSION_NOT_INGESTED, "session " + u.sessionId() + " has no DriveSessionStarted"
                    + " in the cloud yet; send the evidence again later");
        }
        String fleetId = ((DriveSessionStarted) start.get().payload()).fleetId();
        if (claimedFleetId != null && !claimedFleetId.equals(fleetId)) {
            return refuse(u, 403, EvidenceUploadResult.WRONG_FLEET, "the evidence came on fleet " + claimedFleetId + "'s topic but session "
                    + u.sessionId() + " belongs to fleet " + fleetId + "; nothing was stored. Publish on sightline/{fleet}/{vehicle}/evidence"
                    + " with the session's fleet");
        }
        int inserted = jdbc.update("insert into evidence_frame (sha256, session_id, fleet_id, frame_id, device_id, content_type, bytes,"
                        + " size_bytes, width_px, height_px) values (?,?,?,?,?,?,?,?,?,?) on conflict (sha256) do nothing",
                u.pathSha256(), u.sessionId(), fleetId, u.frameId(), u.deviceId(), contentType, u.jpeg(), u.jpeg().length,
                widthPx, heightPx);
        return new EvidenceUploadResult(inserted == 1 ? 201 : 200, null, null, u.pathSha256(), u.sessionId(), u.frameId(),
                u.jpeg().length);
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JRE has no SHA-256", e);
        }
    }

    private static void appendIfBlank(StringBuilder missing, String value, String header) {
        if (value == null || value.isBlank()) {
            missing.append(missing.length() == 0 ? "" : ", ").append(header);
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    private EvidenceUploadResult refuse(Upload u, int status, String reason, String detail) {
        if (status == 409) {
            // Not a refusal but "not yet": the session's events are still on their way.
            return new EvidenceUploadResult(status, reason, detail, u.pathSha256(), u.sessionId(), u.frameId(), 0);
        }
        counter.count(u.deviceId() == null || u.deviceId().isBlank() ? null : u.deviceId(), "EVIDENCE_" + reason, u.sessionId(), detail);
        return new EvidenceUploadResult(status, reason, detail, u.pathSha256(), u.sessionId(), u.frameId(), 0);
    }
}
