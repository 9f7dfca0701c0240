package io.sightline.cloud.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.ingest.BatchCanonicalForm;
import io.sightline.domain.ingest.BatchCompression;
import io.sightline.domain.ingest.BinaryBatch;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.Serializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code POST /api/v1/ingest} over real HTTP on a real PostgreSQL: acks, duplicates, gaps, forged,
 * malformed, out-of-order and oversized batches, and that nothing already accepted is lost.
 */
@CloudIntegrationTest(properties = "sightline.ingest.max-request-bytes=262144")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpIngestionIntegrationTest {

    @LocalServerPort
    int port;
    @Autowired
    DeviceKeyRegistry registry;
    @Autowired
    IngestRejectionCounter counter;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    @Qualifier("eventSerializer")
    Serializer eventSerializer;

    final HttpClient http = HttpClient.newHttpClient();
    TestDevice device;
    TestDevice other;

    @BeforeAll
    void devices() throws Exception {
        device = new TestDevice("dev-http-1");
        other = new TestDevice("dev-http-2");
        registry.register(device.deviceId, device.publicKeyBase64());
        registry.register(other.deviceId, other.publicKeyBase64());
    }

    record Reply(int status, String contentType, JsonNode body) {
    }

    Reply post(byte[] body) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/ingest"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                r.body().length == 0 ? null : device.mapper().readTree(r.body()));
    }

    Reply post(ObjectNode body) throws Exception {
        return post(device.mapper().writeValueAsBytes(body));
    }

    List<String> storedIds(String session) {
        return jdbc.queryForList("select event_identifier from domain_event_entry where aggregate_identifier = ? order by sequence_number",
                String.class, session);
    }

    @Test
    void signedBatchIsStoredAndAResendIsAcknowledgedButNotStoredTwice() throws Exception {
        List<EventEnvelope> events = device.session("h-ok", 40);
        Reply first = post(device.body("h-ok", events.subList(0, 20)));
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().get("status").asText()).isEqualTo("ACKNOWLEDGED");
        assertThat(first.body().get("storedCount").asInt()).isEqualTo(20);
        assertThat(first.body().get("nextExpectedSequence").asLong()).isEqualTo(20);

        Reply again = post(device.body("h-ok", events.subList(0, 20)));
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body().get("storedCount").asInt()).isZero();
        assertThat(again.body().get("duplicateCount").asInt()).isEqualTo(20);
        // Overlapping resend: the first half is a duplicate, the rest is stored once.
        Reply overlap = post(device.body("h-ok", events.subList(10, 40)));
        assertThat(overlap.body().get("storedCount").asInt()).isEqualTo(20);
        assertThat(overlap.body().get("duplicateCount").asInt()).isEqualTo(10);
        assertThat(storedIds("h-ok")).containsExactlyElementsOf(events.stream().map(EventEnvelope::eventId).toList());
        // What is stored is exactly what the event serializer writes, under the same type and revision: projections and
        // traces read it back with that serializer (and a shortcut that stored the edge's bytes would have to match it).
        List<Map<String, Object>> rows = jdbc.queryForList("select payload_type, payload_revision, payload, meta_data from domain_event_entry"
                + " where aggregate_identifier = ? order by sequence_number", "h-ok");
        for (int i = 0; i < events.size(); i++) {
            // The metadata is the producer's (id and time), not the id of the cloud command that carried the batch.
            assertThat(device.mapper().readTree((byte[]) rows.get(i).get("meta_data")).properties().stream().map(Map.Entry::getKey))
                    .containsExactlyInAnyOrder("eventId", "occurredAtNanos");
            assertThat(device.mapper().readTree((byte[]) rows.get(i).get("meta_data")).get("eventId").asText()).isEqualTo(events.get(i).eventId());
            SerializedObject<byte[]> expected = eventSerializer.serialize(events.get(i).payload(), byte[].class);
            assertThat(rows.get(i).get("payload_type")).isEqualTo(expected.getType().getName());
            assertThat(rows.get(i).get("payload_revision")).isEqualTo(expected.getType().getRevision());
            assertThat(new String((byte[]) rows.get(i).get("payload"), StandardCharsets.UTF_8))
                    .isEqualTo(new String(expected.getData(), StandardCharsets.UTF_8));
        }

        // Events that reuse ids already stored under another session are refused as a whole.
        List<EventEnvelope> copied = device.session("h-copy", 5).stream()
                .map(e -> e.sequence() < 3 ? e : new EventEnvelope(events.get((int) e.sequence()).eventId(), e.sequence(),
                        e.occurredAtNanos(), e.payload()))
                .toList();
        Reply reused = post(device.body("h-copy", copied));
        assertThat(reused.status()).isEqualTo(422);
        assertThat(reused.body().get("reason").asText()).isEqualTo("DUPLICATE_EVENT_ID");
        assertThat(storedIds("h-copy")).isEmpty();
    }

    @Test
    void aReusedEventIdIsRecognisedByTheServersConstraintNotByMessageText() throws Exception {
        List<EventEnvelope> events = device.session("h-constraint", 2);
        assertThat(post(device.body("h-constraint", events)).status()).isEqualTo(200);
        String copyOfFirst = "insert into domain_event_entry (event_identifier, aggregate_identifier, sequence_number, type, time_stamp,"
                + " payload_type, payload_revision, payload, meta_data) select ?, ?, ?, type, time_stamp, payload_type, payload_revision,"
                + " payload, meta_data from domain_event_entry where aggregate_identifier = 'h-constraint' and sequence_number = 0";
        // As Axon writes: a JDBC batch, so PostgreSQL's error arrives behind a BatchUpdateException.
        Throwable reusedId = catchThrowable(() -> jdbc.batchUpdate(copyOfFirst,
                List.<Object[]>of(new Object[] {events.get(0).eventId(), "h-constraint-other", 0L})));
        // A new id at a position already taken: the other unique constraint, which a race between replicas hits.
        Throwable takenPosition = catchThrowable(() -> jdbc.update(copyOfFirst, "h-constraint-new-id", "h-constraint", 1L));

        assertThat(reusedId).isNotNull();
        assertThat(SignedBatchIngestion.isDuplicateEventId(reusedId)).isTrue();
        assertThat(takenPosition).isNotNull();
        assertThat(IngestionService.isStoreConflict(takenPosition)).isTrue();
        assertThat(SignedBatchIngestion.isDuplicateEventId(takenPosition)).isFalse();
        assertThat(SignedBatchIngestion.isDuplicateEventId(new IllegalStateException("ERROR: duplicate key value violates unique"
                + " constraint \"" + SignedBatchIngestion.EVENT_ID_CONSTRAINT + "\""))).as("message text alone").isFalse();
        assertThat(storedIds("h-constraint-other")).isEmpty();
    }

    @Test
    void gapIsRefusedWith409AndTheSequenceToResendFrom() throws Exception {
        List<EventEnvelope> events = device.session("h-gap", 30);
        assertThat(post(device.body("h-gap", events.subList(0, 10))).status()).isEqualTo(200);
        Reply gap = post(device.body("h-gap", events.subList(20, 30)));
        assertThat(gap.status()).isEqualTo(409);
        assertThat(gap.contentType()).startsWith("application/problem+json");
        assertThat(gap.body().get("reason").asText()).isEqualTo("SEQUENCE_GAP");
        assertThat(gap.body().get("nextExpectedSequence").asLong()).isEqualTo(10);
        assertThat(gap.body().get("type").asText()).isEqualTo("urn:sightline:problem:ingest:sequence-gap");
        assertThat(gap.body().get("detail").asText()).contains("resend from 10");
        assertThat(storedIds("h-gap")).hasSize(10);
        assertThat(post(device.body("h-gap", events.subList(10, 30))).status()).isEqualTo(200);
        assertThat(storedIds("h-gap")).hasSize(30);
    }

    @Test
    void alteredBatchIsRefusedCountedAndStoresNothing() throws Exception {
        List<EventEnvelope> events = device.session("h-forged", 12);
        assertThat(post(device.body("h-forged", events.subList(0, 6))).status()).isEqualTo(200);
        long before = counter.counts(device.deviceId).getOrDefault("BAD_SIGNATURE", 0L);

        ObjectNode altered = device.body("h-forged", events.subList(6, 12));
        ((ObjectNode) altered.get("events").get(1).get("payload")).put("score", 0.01);
        Reply r = post(altered);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body().get("reason").asText()).isEqualTo("BAD_SIGNATURE");

        // Re-pointing a valid signature at another session or position must fail too.
        ObjectNode moved = device.body("h-forged", events.subList(6, 12));
        moved.put("firstSequence", 7);
        assertThat(post(moved).body().get("reason").asText()).isEqualTo("BAD_SIGNATURE");
        ObjectNode garbage = device.body("h-forged", events.subList(6, 12));
        garbage.put("signature", "not base64 at all!");
        assertThat(post(garbage).status()).isEqualTo(401);

        assertThat(storedIds("h-forged")).hasSize(6);
        assertThat(counter.counts(device.deviceId).get("BAD_SIGNATURE")).isEqualTo(before + 3);
    }

    /** A body whose events are exactly {@code eventsText}, signed over those characters. */
    byte[] signedOverText(String sessionId, long first, String eventsText, String signedText) throws Exception {
        java.security.Signature s = java.security.Signature.getInstance("Ed25519");
        s.initSign(device.keys.getPrivate());
        s.update(BatchSignatureVerifier.canonicalBytes(sessionId, first, signedText));
        return ("{\"batchId\":\"b-" + sessionId + "-" + first + "\",\"deviceId\":\"" + device.deviceId + "\",\"sessionId\":\"" + sessionId
                + "\",\"firstSequence\":" + first + ",\"signature\":\"" + java.util.Base64.getEncoder().encodeToString(s.sign())
                + "\",\"events\":" + eventsText + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A body signed with version 2 (a SHA-256 of the events), with its signatureVersion as given (null: left out). */
    byte[] signedV2(String sessionId, long first, String eventsText, Object claimedVersion) throws Exception {
        java.security.Signature s = java.security.Signature.getInstance("Ed25519");
        s.initSign(device.keys.getPrivate());
        byte[] utf8 = eventsText.getBytes(StandardCharsets.UTF_8);
        s.update(io.sightline.domain.ingest.BatchCanonicalForm.digestBytes(sessionId, first, utf8, 0, utf8.length));
        return ("{\"batchId\":\"b2-" + sessionId + "-" + first + "\",\"deviceId\":\"" + device.deviceId + "\",\"sessionId\":\""
                + sessionId + "\",\"firstSequence\":" + first + ",\"signature\":\"" + java.util.Base64.getEncoder().encodeToString(s.sign())
                + "\"" + (claimedVersion == null ? "" : ",\"signatureVersion\":" + claimedVersion) + ",\"events\":" + eventsText + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void signatureVersion2CoversTheEventsThroughTheirDigestAndIsNeverTakenForAnother() throws Exception {
        List<EventEnvelope> events = device.session("h-v2", 12);
        String first = device.mapper().writeValueAsString(device.eventsJson(events.subList(0, 6)));
        assertThat(post(signedV2("h-v2", 0, first, 2)).status()).isEqualTo(200);
        // Reformatted after signing: the digest of the canonical form still holds.
        String pretty = device.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(device.eventsJson(events.subList(6, 12)));
        String compact = device.mapper().writeValueAsString(device.eventsJson(events.subList(6, 12)));
        byte[] reformatted = new String(signedV2("h-v2", 6, compact, 2), StandardCharsets.UTF_8).replace(compact, pretty)
                .getBytes(StandardCharsets.UTF_8);
        assertThat(post(reformatted).status()).isEqualTo(200);
        assertThat(storedIds("h-v2")).hasSize(12);

        List<EventEnvelope> more = device.session("h-v2b", 6);
        String moreText = device.mapper().writeValueAsString(device.eventsJson(more));
        // A version-2 signature presented as version 1 (field left out), an altered event, an unknown version: nothing stored.
        Reply asV1 = post(signedV2("h-v2b", 0, moreText, null));
        assertThat(asV1.status()).isEqualTo(401);
        assertThat(asV1.body().get("reason").asText()).isEqualTo("BAD_SIGNATURE");
        String signedBody = new String(signedV2("h-v2b", 0, moreText, 2), StandardCharsets.UTF_8);
        assertThat(signedBody).contains("\"x1\":1.5,");
        byte[] altered = signedBody.replaceFirst("\"x1\":1\\.5,", "\"x1\":1.25,").getBytes(StandardCharsets.UTF_8);
        Reply tampered = post(altered);
        assertThat(tampered.status()).isEqualTo(401);
        assertThat(tampered.body().get("reason").asText()).isEqualTo("BAD_SIGNATURE");
        Reply unknown = post(signedV2("h-v2b", 0, moreText, 3));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.body().get("detail").asText()).contains("signatureVersion");
        assertThat(storedIds("h-v2b")).isEmpty();
    }

    @Test
    void signatureHoldsOverTheBytesSentOrTheirCanonicalFormButNeverOverOtherEvents() throws Exception {
        List<EventEnvelope> events = device.session("h-format", 18);
        var pretty = device.mapper().writerWithDefaultPrettyPrinter();
        // Signed over the canonical form, sent reformatted: the canonical fallback accepts it.
        assertThat(post(pretty.writeValueAsBytes(device.body("h-format", events.subList(0, 6)))).status()).isEqualTo(200);
        // Signed over exactly the (non-canonical) bytes sent: accepted over those bytes.
        String spaced = pretty.writeValueAsString(device.eventsJson(events.subList(6, 12)));
        assertThat(post(signedOverText("h-format", 6, spaced, spaced)).status()).isEqualTo(200);
        assertThat(storedIds("h-format")).hasSize(12);

        // A signed array followed by a second "events" key: the parsed batch would be the unsigned one, so it is refused.
        String signed = device.mapper().writeValueAsString(device.eventsJson(events.subList(12, 18)));
        List<EventEnvelope> forged = events.subList(12, 18).stream()
                .map(e -> e.sequence() == 13 ? new EventEnvelope(e.eventId(), e.sequence(), e.occurredAtNanos() + 1, e.payload()) : e)
                .toList();
        String unsigned = device.mapper().writeValueAsString(device.eventsJson(forged));
        byte[] twice = signedOverText("h-format", 12, signed + ",\"events\":" + unsigned, signed);
        Reply r = post(twice);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body().get("reason").asText()).isEqualTo("BAD_SIGNATURE");
        assertThat(storedIds("h-format")).hasSize(12);
    }

    @Test
    void unknownOrRevokedDeviceAndAnotherDevicesSessionAreRefused() throws Exception {
        TestDevice stranger = new TestDevice("dev-never-registered");
        Reply unknown = post(stranger.body("h-stranger", stranger.session("h-stranger", 4)));
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.body().get("reason").asText()).isEqualTo("UNKNOWN_DEVICE");
        assertThat(counter.counts("dev-never-registered")).containsEntry("UNKNOWN_DEVICE", 1L);
        assertThat(storedIds("h-stranger")).isEmpty();

        List<EventEnvelope> events = device.session("h-owned", 10);
        assertThat(post(device.body("h-owned", events.subList(0, 5))).status()).isEqualTo(200);
        // A valid signature by another registered device does not let it write into this session.
        Reply hijack = post(other.body("h-owned", events.subList(5, 10)));
        assertThat(hijack.status()).isEqualTo(403);
        assertThat(hijack.body().get("reason").asText()).isEqualTo("SESSION_OWNED_BY_OTHER_DEVICE");
        assertThat(storedIds("h-owned")).hasSize(5);

        // A registered device may not sign a session whose provenance names another device.
        Reply spoofed = post(other.body("h-spoof", device.session("h-spoof", 3)));
        assertThat(spoofed.status()).isEqualTo(403);
        assertThat(spoofed.body().get("reason").asText()).isEqualTo("DEVICE_MISMATCH");
        assertThat(storedIds("h-spoof")).isEmpty();

        TestDevice revoked = new TestDevice("dev-revoked");
        registry.register(revoked.deviceId, revoked.publicKeyBase64());
        assertThat(post(revoked.body("h-rev", revoked.session("h-rev", 3))).status()).isEqualTo(200);
        assertThat(registry.revoke(revoked.deviceId)).isTrue();
        Reply afterRevoke = post(revoked.body("h-rev", 3, revoked.eventsJson(revoked.session("h-rev", 5).subList(3, 5))));
        assertThat(afterRevoke.body().get("reason").asText()).isEqualTo("UNKNOWN_DEVICE");
        assertThat(storedIds("h-rev")).hasSize(3);
    }

    /** A device registered into one fleet cannot store a session that claims another. */
    @Test
    void aFleetBoundDeviceCannotStoreAnotherFleetsSession() throws Exception {
        TestDevice bound = new TestDevice("dev-fleet-bound");
        registry.register(bound.deviceId, "fleet-elsewhere", bound.publicKeyBase64());
        Reply refused = post(bound.body("h-fleet", bound.session("h-fleet", 4)));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body().get("reason").asText()).isEqualTo("WRONG_FLEET");
        assertThat(refused.body().get("detail").asText()).contains("fleet-t").contains("fleet-elsewhere");
        assertThat(storedIds("h-fleet")).isEmpty();
        // The refused batch did not bind the session: registered into the session's fleet, the device stores it.
        registry.register(bound.deviceId, "fleet-t", bound.publicKeyBase64());
        assertThat(post(bound.body("h-fleet", bound.session("h-fleet", 4))).status()).isEqualTo(200);
        assertThat(storedIds("h-fleet")).hasSize(4);
    }

    /**
     * V19: a device bound to one vehicle cannot store another vehicle's session; what it stored before stays, and a refused
     * batch does not bind the session id.
     */
    @Test
    void aVehicleBoundDeviceCannotStoreAnotherVehiclesSession() throws Exception {
        TestDevice bound = new TestDevice("dev-veh-bound");
        // TestDevice's sessions are of fleet-t / veh-<device id>.
        registry.register(bound.deviceId, "fleet-t", "veh-" + bound.deviceId, bound.publicKeyBase64());
        List<EventEnvelope> own = bound.session("h-veh-own", 6);
        assertThat(post(bound.body("h-veh-own", own.subList(0, 3))).status()).isEqualTo(200);

        registry.register(bound.deviceId, "fleet-t", "veh-elsewhere", bound.publicKeyBase64());
        Reply refused = post(bound.body("h-veh", bound.session("h-veh", 4)));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body().get("reason").asText()).isEqualTo("WRONG_VEHICLE");
        assertThat(refused.body().get("detail").asText()).contains("says vehicle veh-" + bound.deviceId,
                "registered to vehicle fleet-t/veh-elsewhere", "nothing of the batch was stored", "--vehicle veh-elsewhere",
                "register its key again with vehicleId veh-" + bound.deviceId);
        assertThat(storedIds("h-veh")).isEmpty();
        assertThat(storedIds("h-veh-own")).as("what was accepted before stays").hasSize(3);
        assertThat(counter.counts(bound.deviceId)).containsEntry("WRONG_VEHICLE", 1L);

        // V20: the session it started while bound to its own vehicle takes no more batches once the key names another one.
        Reply continuing = post(bound.body("h-veh-own", own.subList(3, 6)));
        assertThat(continuing.status()).isEqualTo(403);
        assertThat(continuing.body().get("reason").asText()).isEqualTo("WRONG_VEHICLE");
        assertThat(continuing.body().get("detail").asText()).contains("session h-veh-own is of vehicle veh-" + bound.deviceId,
                "is now registered to vehicle fleet-t/veh-elsewhere", "what the session stored before stays",
                "register its key again with vehicleId veh-" + bound.deviceId);
        assertThat(storedIds("h-veh-own")).hasSize(3);

        // Bound to the session's vehicle again (or to none: the fleet scope), the device stores it.
        registry.register(bound.deviceId, "fleet-t", "veh-" + bound.deviceId, bound.publicKeyBase64());
        assertThat(post(bound.body("h-veh", bound.session("h-veh", 4))).status()).isEqualTo(200);
        assertThat(storedIds("h-veh")).hasSize(4);
        assertThat(post(bound.body("h-veh-own", own.subList(3, 6))).status()).isEqualTo(200);
        assertThat(storedIds("h-veh-own")).hasSize(6);
    }

    @Test
    void malformedRequestsAndEventsGet400AndStoreNothing() throws Exception {
        List<EventEnvelope> events = device.session("h-bad", 10);
        assertThat(post(device.body("h-bad", events.subList(0, 4))).status()).isEqualTo(200);

        Reply notJson = post("{\"deviceId\": ".getBytes());
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.body().get("reason").asText()).isEqualTo("MALFORMED_REQUEST");
        assertThat(notJson.body().get("detail").asText()).contains("not valid JSON");

        ObjectNode missing = device.body("h-bad", events.subList(4, 6));
        missing.remove("firstSequence");
        Reply noFirst = post(missing);
        assertThat(noFirst.status()).isEqualTo(400);
        assertThat(noFirst.body().get("detail").asText()).contains("firstSequence");

        // Correctly signed, but an event the codec refuses: the whole batch is refused.
        var bad = device.eventsJson(events.subList(4, 6));
        ((ObjectNode) bad.get(1)).put("type", "TeleportObserved");
        Reply badEvent = post(device.body("h-bad", 4, bad));
        assertThat(badEvent.status()).isEqualTo(400);
        assertThat(badEvent.body().get("reason").asText()).isEqualTo("MALFORMED_EVENT");
        assertThat(badEvent.body().get("detail").asText()).contains("unknown type 'TeleportObserved'");

        // Out of order inside the batch.
        Reply shuffled = post(device.body("h-bad", 4, device.eventsJson(List.of(events.get(5), events.get(4)))));
        assertThat(shuffled.status()).isEqualTo(400);
        assertThat(shuffled.body().get("reason").asText()).isEqualTo("NON_CONTIGUOUS_BATCH");

        // Time going backwards is a session rule: 422.
        EventEnvelope early = new EventEnvelope("h-bad/4", 4, TestDevice.T0 - 1, events.get(4).payload());
        Reply regress = post(device.body("h-bad", List.of(early)));
        assertThat(regress.status()).isEqualTo(422);
        assertThat(regress.body().get("reason").asText()).isEqualTo("TIME_REGRESSION");

        assertThat(storedIds("h-bad")).containsExactly("h-bad/0", "h-bad/1", "h-bad/2", "h-bad/3");
        assertThat(counter.counts(device.deviceId)).containsKeys("MALFORMED_REQUEST", "MALFORMED_EVENT", "NON_CONTIGUOUS_BATCH",
                "TIME_REGRESSION");
        assertThat(post(device.body("h-bad", events.subList(4, 10))).status()).isEqualTo(200);
        assertThat(storedIds("h-bad")).hasSize(10);
    }

    @Test
    void oversizedRequestGets413WithTheLimit() throws Exception {
        List<EventEnvelope> events = device.session("h-big", 2_000);
        byte[] body = device.mapper().writeValueAsBytes(device.body("h-big", events));
        assertThat(body.length).isGreaterThan(262_144).isLessThan(2_000_000);
        Reply big = post(body);
        assertThat(big.status()).isEqualTo(413);
        assertThat(big.body().get("reason").asText()).isEqualTo("REQUEST_TOO_LARGE");
        assertThat(big.body().get("detail").asText()).contains("262144").contains("fewer events");
        assertThat(storedIds("h-big")).isEmpty();
        assertThat(counter.counts(IngestRejectionCounter.UNKNOWN_DEVICE_ID)).containsKey("REQUEST_TOO_LARGE");
        // The same events in batches under the limit go through.
        for (int i = 0; i < 2_000; i += 500) {
            assertThat(post(device.body("h-big", events.subList(i, i + 500))).status()).isEqualTo(200);
        }
        assertThat(storedIds("h-big")).hasSize(2_000);
    }

    @Test
    void aDeflatedBodyIsReadAsItsJsonAndOneThatInflatesPastTheLimitIsRefused() throws Exception {
        List<EventEnvelope> events = device.session("h-zlib", 2_000);
        byte[] small = device.mapper().writeValueAsBytes(device.body("h-zlib", events.subList(0, 300)));
        Reply stored = post(io.sightline.domain.ingest.BatchCompression.deflate(small));
        assertThat(stored.status()).isEqualTo(200);
        assertThat(stored.body().get("storedCount").asInt()).isEqualTo(300);
        assertThat(storedIds("h-zlib")).hasSize(300);

        // Under the limit on the wire, over it once inflated: refused before it is held in memory whole.
        byte[] big = io.sightline.domain.ingest.BatchCompression.deflate(device.mapper().writeValueAsBytes(
                device.body("h-zlib", events.subList(300, 2_000))));
        assertThat(big.length).isLessThan(262_144);
        Reply tooBig = post(big);
        assertThat(tooBig.status()).isEqualTo(413);
        assertThat(tooBig.body().get("detail").asText()).contains("inflates past");

        byte[] corrupt = io.sightline.domain.ingest.BatchCompression.deflate(small);
        corrupt[corrupt.length / 2] ^= 0x55;
        corrupt[corrupt.length / 2 + 1] ^= 0x55;
        Reply bad = post(corrupt);
        assertThat(bad.status()).isIn(400, 401);
        assertThat(storedIds("h-zlib")).hasSize(300);
    }

    Reply postBinary(byte[] body) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/ingest"))
                .header("Content-Type", BinaryBatch.CONTENT_TYPE).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                r.body().length == 0 ? null : device.mapper().readTree(r.body()));
    }

    /** A binary body signed by {@code device} over exactly these (possibly broken) compressed events and head values. */
    byte[] signedBinary(String session, long first, int count, int length, byte[] compressed) throws Exception {
        byte[] sig = device.signRaw(BatchCanonicalForm.compressedDigestBytes(session, first, "zstd", count, length, compressed));
        return BinaryBatch.encode(new BinaryBatch.Envelope("b", device.deviceId, session, first, 3, sig, "zstd", count, length, compressed));
    }

    void assertStoredAsTheSerializerWritesThem(String session, List<EventEnvelope> events) {
        List<Map<String, Object>> rows = jdbc.queryForList("select event_identifier, payload_type, payload from domain_event_entry"
                + " where aggregate_identifier = ? order by sequence_number", session);
        assertThat(rows).hasSize(events.size());
        for (int i = 0; i < events.size(); i++) {
            SerializedObject<byte[]> expected = eventSerializer.serialize(events.get(i).payload(), byte[].class);
            assertThat(rows.get(i).get("event_identifier")).isEqualTo(events.get(i).eventId());
            assertThat(rows.get(i).get("payload_type")).isEqualTo(expected.getType().getName());
            assertThat(new String((byte[]) rows.get(i).get("payload"), StandardCharsets.UTF_8))
                    .isEqualTo(new String(expected.getData(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void binaryBodiesAreStoredExactlyAsJsonOnesAndEveryOlderEdgeFormatStillUploadsIntoTheSameSession() throws Exception {
        List<EventEnvelope> events = device.session("h-bin", 60);
        // An edge from before ADR-0012 (version 1 JSON), a binary edge, a deflating edge (ADR-0027), binary again.
        assertThat(post(device.body("h-bin", events.subList(0, 20))).status()).isEqualTo(200);
        Reply binary = postBinary(device.binaryBody("h-bin", events.subList(20, 40)));
        assertThat(binary.status()).isEqualTo(200);
        assertThat(binary.body().get("storedCount").asInt()).isEqualTo(20);
        assertThat(binary.body().get("nextExpectedSequence").asLong()).isEqualTo(40);
        byte[] json = device.mapper().writeValueAsBytes(device.body("h-bin", events.subList(40, 50)));
        assertThat(post(BatchCompression.deflate(json)).status()).isEqualTo(200);
        assertThat(postBinary(device.binaryBody("h-bin", events.subList(50, 60))).status()).isEqualTo(200);
        // A binary resend is a duplicate like any other.
        Reply again = postBinary(device.binaryBody("h-bin", events.subList(20, 40)));
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body().get("duplicateCount").asInt()).isEqualTo(20);
        assertThat(again.body().get("storedCount").asInt()).isZero();
        assertStoredAsTheSerializerWritesThem("h-bin", events);
    }

    @Test
    void brokenForgedUnknownAndBombBinaryBodiesGetClearErrorsAndLoseNothingAlreadyStored() throws Exception {
        List<EventEnvelope> events = device.session("h-bin-bad", 40);
        assertThat(postBinary(device.binaryBody("h-bin-bad", events.subList(0, 10))).status()).isEqualTo(200);
        byte[] good = device.binaryBody("h-bin-bad", events.subList(10, 20));

        Reply truncated = postBinary(java.util.Arrays.copyOf(good, good.length - 9));
        assertThat(truncated.status()).isEqualTo(400);
        assertThat(truncated.contentType()).startsWith("application/problem+json");
        assertThat(truncated.body().get("reason").asText()).isEqualTo("MALFORMED_REQUEST");
        assertThat(truncated.body().get("detail").asText()).contains("truncated");

        // Compressed events altered in transit: the signature, checked before anything is decompressed, fails.
        BinaryBatch.Envelope e = BinaryBatch.decode(good);
        byte[] flipped = e.events().clone();
        flipped[flipped.length / 2] ^= 0x40;
        Reply forged = postBinary(BinaryBatch.encode(new BinaryBatch.Envelope(e.batchId(), e.deviceId(), e.sessionId(), e.firstSequence(),
                3, e.signature(), e.compression(), e.eventCount(), e.eventsLength(), flipped)));
        assertThat(forged.status()).isEqualTo(401);
        assertThat(forged.body().get("reason").asText()).isEqualTo("BAD_SIGNATURE");
        assertThat(forged.body().get("detail").asText()).contains("version 3");
        // The head edited to move the batch: the signed head values no longer match.
        Reply moved = postBinary(BinaryBatch.encode(new BinaryBatch.Envelope(e.batchId(), e.deviceId(), e.sessionId(), 20, 3,
                e.signature(), e.compression(), e.eventCount(), e.eventsLength(), e.events())));
        assertThat(moved.body().get("reason").asText()).isEqualTo("BAD_SIGNATURE");
        // Another device's signature over the same bytes.
        BinaryBatch.Envelope others = other.binaryEnvelope("h-bin-bad", events.subList(10, 20));
        Reply otherKey = postBinary(BinaryBatch.encode(new BinaryBatch.Envelope(e.batchId(), device.deviceId, e.sessionId(),
                e.firstSequence(), 3, others.signature(), e.compression(), e.eventCount(), e.eventsLength(), e.events())));
        assertThat(otherKey.status()).isEqualTo(401);

        // Signed, but not a zstd frame: the device's own bytes are corrupt.
        byte[] garbage = new byte[300];
        new java.util.Random(7).nextBytes(garbage);
        Reply corrupt = postBinary(signedBinary("h-bin-bad", 10, 10, 5000, garbage));
        assertThat(corrupt.status()).isEqualTo(400);
        assertThat(corrupt.body().get("detail").asText()).contains("zstd");

        byte[] future = good.clone();
        future[3] = 9;
        Reply unknown = postBinary(future);
        assertThat(unknown.status()).isEqualTo(415);
        assertThat(unknown.body().get("reason").asText()).isEqualTo("UNSUPPORTED_FORMAT");
        assertThat(unknown.body().get("detail").asText()).contains("format version 9");

        // Decompression bombs: 64 MB of zeros in a few kB. Declared honestly, refused before decompressing; declared
        // small, refused when the frame exceeds it; unsigned, refused before either.
        byte[] zeros = new byte[64 << 20];
        byte[] bomb = BinaryBatch.zstd(zeros);
        assertThat(bomb.length).isLessThan(262_144);
        Reply honest = postBinary(signedBinary("h-bin-bad", 10, 1, zeros.length, bomb));
        assertThat(honest.status()).isEqualTo(413);
        assertThat(honest.body().get("detail").asText()).contains("262144");
        Reply lying = postBinary(signedBinary("h-bin-bad", 10, 1, 100_000, bomb));
        assertThat(lying.status()).isEqualTo(400);
        Reply unsigned = postBinary(BinaryBatch.encode(new BinaryBatch.Envelope("b", device.deviceId, "h-bin-bad", 10, 3, new byte[64],
                "zstd", 1, 100_000, bomb)));
        assertThat(unsigned.status()).isEqualTo(401);

        // Signed CBOR holding an event the catalog does not know: the tree decoder names it.
        List<String> rows = new java.util.ArrayList<>();
        for (EventEnvelope ev : events.subList(10, 12)) {
            rows.add(new io.sightline.domain.ingest.EventCodec().encode(ev).toString());
        }
        rows.set(1, rows.get(1).replace("\"type\":\"", "\"type\":\"Nope"));
        byte[] cbor = BinaryBatch.eventsCbor(rows);
        Reply unknownType = postBinary(signedBinary("h-bin-bad", 10, 2, cbor.length, BinaryBatch.zstd(cbor)));
        assertThat(unknownType.status()).isEqualTo(400);
        assertThat(unknownType.body().get("detail").asText()).contains("unknown type 'Nope");

        assertThat(storedIds("h-bin-bad")).hasSize(10);
        assertThat(postBinary(good).status()).isEqualTo(200);
        assertThat(storedIds("h-bin-bad")).containsExactlyElementsOf(events.subList(0, 20).stream().map(EventEnvelope::eventId).toList());
    }
}
