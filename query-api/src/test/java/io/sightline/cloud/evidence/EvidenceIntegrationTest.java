package io.sightline.cloud.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.cloud.testing.Projections;
import io.sightline.domain.event.AlertReviewed;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.ingest.BatchCanonicalForm;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.domain.ingest.EvidenceCanonicalForm;
import io.sightline.explain.sample.SyntheticDrive;
import io.sightline.explain.trace.CausalTraceEngine;
import io.sightline.explain.trace.TraceNode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Evidence frames in the cloud over HTTP on the real application (PostgreSQL, Axon, projections,
 * security): sessions arrive as signed batches through {@code POST /api/v1/ingest} with evidence
 * named in their FrameCaptured events, and their JPEGs as signed {@code PUT /api/v1/evidence/{sha256}}.
 */
@CloudIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
// The listing runs last: it uploads the frames the refusal tests check were never stored.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EvidenceIntegrationTest {

    static final long T0 = 1_764_000_000_000_000_000L;
    static final String A1 = "s-ev-a1";
    static final String B1 = "s-ev-b1";
    /** Raised at 10.4 s by approach 1 (frames f0–f7); its window (−19.6 s … 20.4 s) also holds approach 2 (f8–f11, 20.0–20.3 s). */
    static final String A1_ALERT = A1 + "/alert/1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    @LocalServerPort
    int port;
    @Autowired
    DeviceKeyRegistry keys;
    @Autowired
    DemoTokens tokens;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    Projections projections;
    @Autowired
    CausalTraceEngine traces;
    @Autowired
    io.sightline.explain.EventLookup events;
    @Autowired
    org.axonframework.config.Configuration axon;

    final HttpClient http = HttpClient.newHttpClient();
    final EventCodec codec = new EventCodec();
    final KeyPair deviceA = ed25519();
    final KeyPair deviceB = ed25519();
    String investigatorA;
    String investigatorB;
    /** frame event id → (sha256, JPEG) of every frame of A1 and B1. */
    final Map<String, byte[]> jpegByFrameEvent = new LinkedHashMap<>();
    final Map<String, FrameCaptured> frameByEvent = new LinkedHashMap<>();

    static KeyPair ed25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A real JPEG (the JDK's encoder), different per frame, 320×180. */
    static byte[] jpeg(int seed) throws Exception {
        BufferedImage image = new BufferedImage(320, 180, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color((seed * 53) % 256, (seed * 97) % 256, (seed * 151) % 256));
        g.fillRect(0, 0, 320, 180);
        g.setColor(Color.GREEN);
        g.drawRect(40 + seed % 50, 40, 120, 80);
        g.drawString("frame " + seed, 10, 20);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, "jpg", out)).isTrue();
        return out.toByteArray();
    }

    static String sha256(byte[] bytes) throws Exception {
        return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** The edge's session: reviews removed (they come from investigators), every frame naming its evidence JPEG. */
    List<EventEnvelope> withEvidence(List<EventEnvelope> events, int seedBase) throws Exception {
        List<EventEnvelope> out = new ArrayList<>();
        for (EventEnvelope e : events) {
            if (e.payload() instanceof AlertReviewed) {
                continue;
            }
            Object payload = e.payload();
            if (payload instanceof FrameCaptured f) {
                byte[] jpeg = jpeg(seedBase + (int) f.frameIndex());
                f = f.withEvidence(sha256(jpeg));
                jpegByFrameEvent.put(e.eventId(), jpeg);
                frameByEvent.put(e.eventId(), f);
                payload = f;
            }
            out.add(new EventEnvelope(e.eventId(), out.size(), e.occurredAtNanos(), (io.sightline.domain.event.SightlineEvent) payload));
        }
        return out;
    }

    void ingest(KeyPair key, String deviceId, String sessionId, List<EventEnvelope> events) throws Exception {
        for (int i = 0; i < events.size(); i += 50) {
            List<EventEnvelope> batch = events.subList(i, Math.min(events.size(), i + 50));
            ArrayNode array = codec.mapper().createArrayNode();
            batch.forEach(e -> array.add(codec.encode(e)));
            String canonical = BatchCanonicalForm.canonicalJson(codec.mapper(), array);
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key.getPrivate());
            s.update(BatchCanonicalForm.bytes(sessionId, i, canonical));
            ObjectNode body = codec.mapper().createObjectNode();
            body.put("deviceId", deviceId);
            body.put("sessionId", sessionId);
            body.put("firstSequence", i);
            body.put("signature", Base64.getEncoder().encodeToString(s.sign()));
            body.set("events", array);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/api/v1/ingest")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(codec.mapper().writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    @BeforeAll
    void appendSessions() throws Exception {
        keys.register("dev-veh-1", Base64.getEncoder().encodeToString(deviceA.getPublic().getEncoded()));
        keys.register("dev-veh-9", Base64.getEncoder().encodeToString(deviceB.getPublic().getEncoded()));
        SyntheticDrive a1 = new SyntheticDrive(A1, T0).start("fleet-a", "veh-1", "v1", SyntheticDrive.POLICY_V1);
        a1.approach(10.0, 8, 10, 22.0, 9.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        a1.approach(20.0, 4, 10, 25.0, 10.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        a1.approach(30.0, 10, 10, 15.0, 9.0, 0.0, 22.4, 0.6, 2, "FALSE_POSITIVE");
        ingest(deviceA, "dev-veh-1", A1, withEvidence(a1.events(), 0));
        SyntheticDrive b1 = new SyntheticDrive(B1, T0 + 300_000_000_000L).start("fleet-b", "veh-9", "v1", SyntheticDrive.POLICY_V1);
        b1.approach(1.0, 6, 10, 15.0, 9.0, 0.0, 22.4, 2, "UNSURE");
        ingest(deviceB, "dev-veh-9", B1, withEvidence(b1.events(), 1000));
        investigatorA = tokens.mint("ana@fleet-a", "fleet-a", Duration.ofMinutes(30), Roles.INVESTIGATOR);
        investigatorB = tokens.mint("bob@fleet-b", "fleet-b", Duration.ofMinutes(30), Roles.INVESTIGATOR);
        await("alerts projected", () -> jdbc.queryForObject("select count(*) from alerts", Long.class) == 3);
    }

    void await(String what, BooleanSupplier condition) {
        projections.awaitProjection(what, condition);
    }

    URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    HttpResponse<byte[]> put(String pathSha, KeyPair key, String deviceId, String sessionId, String frameId, byte[] body)
            throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key.getPrivate());
        s.update(EvidenceCanonicalForm.bytes(sessionId, frameId, pathSha));
        return http.send(HttpRequest.newBuilder(uri("/api/v1/evidence/" + pathSha)).header("Content-Type", "image/jpeg")
                .header("X-Sightline-Device", deviceId).header("X-Sightline-Session", sessionId).header("X-Sightline-Frame", frameId)
                .header("X-Sightline-Signature", Base64.getEncoder().encodeToString(s.sign()))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Uploads the evidence of a frame event of A1 as device A would. */
    HttpResponse<byte[]> uploadA(String frameEvent) throws Exception {
        FrameCaptured f = frameByEvent.get(frameEvent);
        return put(f.evidenceSha256(), deviceA, "dev-veh-1", A1, f.frameId(), jpegByFrameEvent.get(frameEvent));
    }

    HttpResponse<byte[]> get(String path, String bearer, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode problem(HttpResponse<byte[]> r, int status) throws Exception {
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.get("status").asInt()).isEqualTo(status);
        assertThat(p.get("detail").asText()).isNotBlank();
        return p;
    }

    long rows() {
        return jdbc.queryForObject("select count(*) from evidence_frame", Long.class);
    }

    String frameEvent(String sessionId, int frameIndex) {
        return sessionId + "/f" + frameIndex;
    }

    @Test
    void anUploadedJpegIsServedBySha256AsAnImmutableImageAndAResendStoresNothingNew() throws Exception {
        String ev = frameEvent(A1, 3);
        FrameCaptured f = frameByEvent.get(ev);
        HttpResponse<byte[]> first = uploadA(ev);
        assertThat(first.statusCode()).as(new String(first.body())).isIn(200, 201);
        long before = rows();
        HttpResponse<byte[]> again = uploadA(ev);
        assertThat(again.statusCode()).as("a resend is idempotent").isEqualTo(200);
        assertThat(JSON.readTree(again.body()).get("url").asText()).isEqualTo("/api/v1/evidence/" + f.evidenceSha256());
        assertThat(rows()).isEqualTo(before);

        HttpResponse<byte[]> r = get("/api/v1/evidence/" + f.evidenceSha256(), investigatorA);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(r.headers().firstValue("ETag")).hasValue("\"" + f.evidenceSha256() + "\"");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("private, max-age=31536000, immutable");
        assertThat(r.body()).isEqualTo(jpegByFrameEvent.get(ev));
        assertThat(sha256(r.body())).isEqualTo(f.evidenceSha256());
        Map<String, Object> row = jdbc.queryForMap("select * from evidence_frame where sha256 = ?", f.evidenceSha256());
        assertThat(row).containsEntry("session_id", A1).containsEntry("fleet_id", "fleet-a").containsEntry("frame_id", f.frameId())
                .containsEntry("device_id", "dev-veh-1").containsEntry("content_type", "image/jpeg").containsEntry("width_px", 320)
                .containsEntry("height_px", 180).containsEntry("size_bytes", jpegByFrameEvent.get(ev).length);

        HttpResponse<byte[]> cached = get("/api/v1/evidence/" + f.evidenceSha256(), investigatorA, "If-None-Match",
                "\"" + f.evidenceSha256() + "\"");
        assertThat(cached.statusCode()).isEqualTo(304);
        assertThat(cached.body()).isEmpty();
    }

    @Test
    void aBodyWhoseSha256DiffersFromThePathIsRefusedAndNothingIsStored() throws Exception {
        String ev = frameEvent(A1, 4);
        FrameCaptured f = frameByEvent.get(ev);
        byte[] other = jpeg(777);
        long before = rows();
        // Correctly signed for the path's sha256, but the body is other bytes.
        JsonNode p = problem(put(f.evidenceSha256(), deviceA, "dev-veh-1", A1, f.frameId(), other), 422);
        assertThat(p.get("reason").asText()).isEqualTo("SHA256_MISMATCH");
        assertThat(p.get("detail").asText()).contains(sha256(other), f.evidenceSha256(), "Nothing was stored");
        assertThat(rows()).isEqualTo(before);
        assertThat(jdbc.queryForObject("select count(*) from evidence_frame where sha256 in (?, ?)", Long.class, f.evidenceSha256(),
                sha256(other))).isZero();
        // A truncated body is the same refusal.
        byte[] full = jpegByFrameEvent.get(ev);
        byte[] cut = java.util.Arrays.copyOf(full, full.length / 2);
        assertThat(problem(put(f.evidenceSha256(), deviceA, "dev-veh-1", A1, f.frameId(), cut), 422).get("reason").asText())
                .isEqualTo("SHA256_MISMATCH");
        assertThat(rows()).isEqualTo(before);
    }

    @Test
    void aBadSignatureAnUnknownDeviceAndAnotherDevicesSessionAreRefused() throws Exception {
        String ev = frameEvent(A1, 5);
        FrameCaptured f = frameByEvent.get(ev);
        byte[] jpeg = jpegByFrameEvent.get(ev);
        long before = rows();
        // Device B's key claiming to be device A.
        JsonNode bad = problem(put(f.evidenceSha256(), deviceB, "dev-veh-1", A1, f.frameId(), jpeg), 401);
        assertThat(bad.get("reason").asText()).isEqualTo("BAD_SIGNATURE");
        // Signed for another frame id than the one claimed: the signature binds the frame too.
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(deviceA.getPrivate());
        s.update(EvidenceCanonicalForm.bytes(A1, "f-other", f.evidenceSha256()));
        HttpResponse<byte[]> rebound = http.send(HttpRequest.newBuilder(uri("/api/v1/evidence/" + f.evidenceSha256()))
                .header("X-Sightline-Device", "dev-veh-1").header("X-Sightline-Session", A1).header("X-Sightline-Frame", f.frameId())
                .header("X-Sightline-Signature", Base64.getEncoder().encodeToString(s.sign()))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(jpeg)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(problem(rebound, 401).get("reason").asText()).isEqualTo("BAD_SIGNATURE");
        assertThat(problem(put(f.evidenceSha256(), deviceA, "dev-nobody", A1, f.frameId(), jpeg), 401).get("reason").asText())
                .isEqualTo("UNKNOWN_DEVICE");
        // Device B, correctly signed, but A1 is device A's session.
        assertThat(problem(put(f.evidenceSha256(), deviceB, "dev-veh-9", A1, f.frameId(), jpeg), 403).get("reason").asText())
                .isEqualTo("SESSION_OWNED_BY_OTHER_DEVICE");
        // A session the cloud has no events of yet: not now, send again later.
        JsonNode later = problem(put(f.evidenceSha256(), deviceA, "dev-veh-1", "s-not-yet", f.frameId(), jpeg), 409);
        assertThat(later.get("reason").asText()).isEqualTo("SESSION_NOT_INGESTED");
        // Not a JPEG, correctly signed for its own sha256.
        byte[] text = "not a picture".getBytes();
        assertThat(problem(put(sha256(text), deviceA, "dev-veh-1", A1, f.frameId(), text), 415).get("reason").asText())
                .isEqualTo("NOT_A_JPEG");
        assertThat(problem(put("ABC", deviceA, "dev-veh-1", A1, f.frameId(), jpeg), 400).get("reason").asText())
                .isEqualTo("MALFORMED_REQUEST");
        assertThat(rows()).isEqualTo(before);
        assertThat(jdbc.queryForObject("select count(*) from evidence_frame where sha256 = ?", Long.class, f.evidenceSha256())).isZero();
        assertThat(jdbc.queryForObject("select rejected_count from ingest_rejection_count where device_id = 'dev-veh-1'"
                + " and reason = 'EVIDENCE_BAD_SIGNATURE'", Long.class)).isEqualTo(2);
    }

    @Test
    void anotherFleetsEvidenceAndAlertAreNotFoundAndAMalformedShaIsABadRequest() throws Exception {
        String evA = frameEvent(A1, 6);
        assertThat(uploadA(evA).statusCode()).isIn(200, 201);
        String shaA = frameByEvent.get(evA).evidenceSha256();
        String evB = frameEvent(B1, 0);
        FrameCaptured fb = frameByEvent.get(evB);
        assertThat(put(fb.evidenceSha256(), deviceB, "dev-veh-9", B1, fb.frameId(), jpegByFrameEvent.get(evB)).statusCode())
                .isEqualTo(201);

        problem(get("/api/v1/evidence/" + shaA, investigatorB), 404);
        problem(get("/api/v1/evidence/" + shaA, investigatorB, "If-None-Match", "\"" + shaA + "\""), 404);
        problem(get("/api/v1/evidence/" + fb.evidenceSha256(), investigatorA), 404);
        assertThat(get("/api/v1/evidence/" + fb.evidenceSha256(), investigatorB).statusCode()).isEqualTo(200);
        problem(get("/api/v1/alerts/" + A1_ALERT + "/evidence", investigatorB), 404);
        problem(get("/api/v1/evidence/" + "0".repeat(64), investigatorA), 404);

        assertThat(problem(get("/api/v1/evidence/not-a-sha", investigatorA), 400).get("detail").asText()).contains("64 lower-case hex");
        problem(get("/api/v1/evidence/" + shaA.toUpperCase(), investigatorA), 400);
        assertThat(get("/api/v1/evidence/" + shaA, null).statusCode()).isEqualTo(401);
        String auditor = tokens.mint("audrey@fleet-a", "fleet-a", Duration.ofMinutes(5), Roles.AUDITOR);
        assertThat(get("/api/v1/evidence/" + shaA, auditor).statusCode()).isEqualTo(403);
    }

    @Test
    void framesStoredAtEarlierRevisionsReadBackWithoutEvidenceThroughTheConfiguredUpcasters() {
        // Rows as earlier builds stored them: revision 0 (micros, width/height) and revision 1.
        String insert = "insert into domain_event_entry (event_identifier, aggregate_identifier, sequence_number, type, time_stamp,"
                + " payload_type, payload_revision, payload, meta_data) values (?, 's-old', ?, 'DriveSession', '2026-01-01T00:00:00Z', ?, ?,"
                + " convert_to(?, 'UTF8'), convert_to('{\"occurredAtNanos\":5}', 'UTF8'))";
        jdbc.update(insert, "old-r0", 0, FrameCaptured.class.getName(), null,
                "{\"frameId\":\"a\",\"frameIndex\":1,\"captureTimeMicros\":40000,\"width\":960,\"height\":540,\"sourceId\":\"c\"}");
        jdbc.update(insert, "old-r1", 1, FrameCaptured.class.getName(), "1",
                "{\"frameId\":\"b\",\"frameIndex\":2,\"captureTimeNanos\":80000000,\"widthPx\":960,\"heightPx\":540,\"sourceId\":\"c\"}");
        Map<String, io.sightline.explain.StoredEvent> read = events.findByIds(List.of("old-r0", "old-r1"));
        assertThat(read.get("old-r0").payload()).isEqualTo(new FrameCaptured("a", 1, 40_000_000L, 960, 540, "c", null));
        assertThat(read.get("old-r1").payload()).isEqualTo(new FrameCaptured("b", 2, 80_000_000L, 960, 540, "c", null));
        // The application's chain runs the revision steps in order: revision 0 ends at revision 2.
        var entry = new org.axonframework.eventhandling.GenericDomainEventEntry<>("DriveSession", "s-old", 0, "old-r0",
                java.time.Instant.EPOCH, FrameCaptured.class.getName(), null,
                "{\"frameId\":\"a\",\"frameIndex\":1,\"captureTimeMicros\":1,\"width\":1,\"height\":1,\"sourceId\":\"c\"}"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8), "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        var upcasted = axon.upcasterChain().upcast(java.util.stream.Stream.of(
                new org.axonframework.serialization.upcasting.event.InitialEventRepresentation(entry, axon.eventSerializer()))).toList();
        assertThat(upcasted).singleElement().satisfies(r -> assertThat(r.getType().getRevision()).isEqualTo("2"));
    }

    @Test
    void anUnknownAlertIsNotFound() throws Exception {
        problem(get("/api/v1/alerts/" + A1 + "/alert/99/evidence", investigatorA), 404);
        problem(get("/api/v1/alerts/nope/evidence", investigatorA), 404);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void theAlertsEvidenceIsTheUploadedFramesOfItsWindowByFrameIndexWithItsTraceMarked() throws Exception {
        // Approach 1 (f0–f7) and 2 (f8–f11) lie in the window; f12+ (30 s) do not. f1 and f9 stay on the edge.
        for (int i : List.of(0, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13)) {
            assertThat(uploadA(frameEvent(A1, i)).statusCode()).isIn(200, 201);
        }

        HttpResponse<byte[]> r = get("/api/v1/alerts/" + A1_ALERT + "/evidence", investigatorA);
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("alertId").asText()).isEqualTo(A1_ALERT);
        List<JsonNode> frames = new ArrayList<>();
        body.get("frames").forEach(frames::add);
        assertThat(frames).extracting(n -> n.get("frameIndex").asLong()).containsExactly(0L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 10L, 11L);

        Set<String> traced = traces.trace(A1_ALERT).nodesOfType("FrameCaptured").stream().map(TraceNode::eventId)
                .collect(Collectors.toSet());
        assertThat(traced).isNotEmpty();
        for (JsonNode n : frames) {
            String ev = frameEvent(A1, n.get("frameIndex").asInt());
            FrameCaptured f = frameByEvent.get(ev);
            assertThat(n.get("frameId").asText()).isEqualTo(f.frameId());
            assertThat(n.get("captureTimeNanos").asLong()).isEqualTo(f.captureTimeNanos());
            assertThat(n.get("sha256").asText()).isEqualTo(f.evidenceSha256());
            assertThat(n.get("url").asText()).isEqualTo("/api/v1/evidence/" + f.evidenceSha256());
            assertThat(n.get("widthPx").asInt()).isEqualTo(320);
            assertThat(n.get("heightPx").asInt()).isEqualTo(180);
            assertThat(n.get("inCausalTrace").asBoolean()).as("frame %s in the trace", ev).isEqualTo(traced.contains(ev));
            // The url serves exactly the bytes its sha256 names.
            HttpResponse<byte[]> img = get(n.get("url").asText(), investigatorA);
            assertThat(img.statusCode()).isEqualTo(200);
            assertThat(sha256(img.body())).isEqualTo(n.get("sha256").asText());
        }
        assertThat(frames).anyMatch(n -> n.get("inCausalTrace").asBoolean());
        assertThat(frames).as("approach 2 is in the window but not in the trace").anyMatch(n -> !n.get("inCausalTrace").asBoolean());
    }
}
