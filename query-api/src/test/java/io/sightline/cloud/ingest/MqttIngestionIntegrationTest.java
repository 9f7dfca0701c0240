package io.sightline.cloud.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.testkit.TestBroker;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The cloud's MQTT ingestion on the real broker and database: a device client publishes to
 * {root}/{fleet}/{vehicle}/events and reads replies on …/ack. Needs a broker ({@link TestBroker}:
 * SIGHTLINE_TEST_MQTT_URL, which .ci/run sets, else Testcontainers); without one the test fails, it
 * never skips.
 */
@CloudIntegrationTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {"sightline.ingest.mqtt.enabled=true", "sightline.ingest.max-request-bytes=200000"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MqttIngestionIntegrationTest {

    /** This run's own topic root and share group: concurrent runs on one broker never see each other. */
    private static final String ROOT = "sightline-qa-" + UUID.randomUUID().toString().substring(0, 8);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("sightline.ingest.mqtt.url", TestBroker::url);
        registry.add("sightline.ingest.mqtt.topic-root", () -> ROOT);
        registry.add("sightline.ingest.mqtt.share-group", () -> ROOT);
    }

    @Autowired
    DeviceKeyRegistry registry;
    @Autowired
    IngestRejectionCounter counter;
    @Autowired
    JdbcTemplate jdbc;

    TestDevice device;
    MqttClient client;
    final BlockingQueue<JsonNode> replies = new LinkedBlockingQueue<>();

    @BeforeAll
    void connect() throws Exception {
        device = new TestDevice("dev-mqtt-1");
        registry.register(device.deviceId, device.publicKeyBase64());
        client = new MqttClient(TestBroker.url(), "sightline-qa-device-" + UUID.randomUUID(), new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        client.connect(o);
        client.subscribe(ROOT + "/fleet-t/veh-dev-mqtt-1/ack", 1, (topic, message) -> replies.add(device.mapper().readTree(message.getPayload())));
    }

    @AfterAll
    void disconnect() throws Exception {
        client.disconnect();
        client.close();
    }

    JsonNode publish(byte[] payload) throws Exception {
        client.publish(ROOT + "/fleet-t/veh-dev-mqtt-1/events", payload, 1, false);
        JsonNode reply = replies.poll(20, TimeUnit.SECONDS);
        assertThat(reply).as("a reply on %s/fleet-t/veh-dev-mqtt-1/ack within 20 s", ROOT).isNotNull();
        return reply;
    }

    JsonNode publish(ObjectNode body) throws Exception {
        JsonNode reply = publish(device.mapper().writeValueAsBytes(body));
        assertThat(reply.get("batchId").asText()).isEqualTo(body.get("batchId").asText());
        return reply;
    }

    long rows(String session) {
        return jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ?", Long.class, session);
    }

    @Test
    void acksDuplicatesGapsForgeriesAndBadInputOverTheBroker() throws Exception {
        List<EventEnvelope> events = device.session("m-1", 30);
        JsonNode ack = publish(device.body("m-1", events.subList(0, 10)));
        assertThat(ack.get("status").asText()).isEqualTo("ACKNOWLEDGED");
        assertThat(ack.get("storedCount").asInt()).isEqualTo(10);

        JsonNode dup = publish(device.body("m-1", events.subList(0, 10)));
        assertThat(dup.get("status").asText()).isEqualTo("ACKNOWLEDGED");
        assertThat(dup.get("duplicateCount").asInt()).isEqualTo(10);
        assertThat(dup.get("storedCount").asInt()).isZero();

        JsonNode gap = publish(device.body("m-1", events.subList(20, 30)));
        assertThat(gap.get("status").asText()).isEqualTo("GAP");
        assertThat(gap.get("nextExpectedSequence").asLong()).isEqualTo(10);

        ObjectNode forged = device.body("m-1", events.subList(10, 20));
        ((ObjectNode) forged.get("events").get(0)).put("occurredAtNanos", TestDevice.T0 + 1);
        JsonNode bad = publish(forged);
        assertThat(bad.get("status").asText()).isEqualTo("REJECTED");
        assertThat(bad.get("reason").asText()).isEqualTo("BAD_SIGNATURE");

        JsonNode garbage = publish("this is not json".getBytes());
        assertThat(garbage.get("status").asText()).isEqualTo("REJECTED");
        assertThat(garbage.get("reason").asText()).isEqualTo("MALFORMED_REQUEST");

        JsonNode big = publish(device.mapper().writeValueAsBytes(device.body("m-big", device.session("m-big", 1_500))));
        assertThat(big.get("reason").asText()).isEqualTo("REQUEST_TOO_LARGE");

        assertThat(rows("m-1")).isEqualTo(10);
        assertThat(rows("m-big")).isZero();
        assertThat(counter.counts(device.deviceId)).containsEntry("BAD_SIGNATURE", 1L).containsEntry("SEQUENCE_GAP", 1L);

        JsonNode rest = publish(device.body("m-1", events.subList(10, 30)));
        assertThat(rest.get("nextExpectedSequence").asLong()).isEqualTo(30);
        assertThat(jdbc.queryForList("select event_identifier from domain_event_entry where aggregate_identifier = 'm-1'"
                + " order by sequence_number", String.class)).containsExactlyElementsOf(events.stream().map(EventEnvelope::eventId).toList());
    }

    /** The topic's fleet level must be the session's fleet: a batch published under another fleet stores nothing. */
    @Test
    void aBatchOnAnotherFleetsTopicIsRefusedAndStoresNothing() throws Exception {
        BlockingQueue<JsonNode> otherReplies = new LinkedBlockingQueue<>();
        client.subscribe(ROOT + "/fleet-other/veh-dev-mqtt-1/ack", 1, (topic, message) -> otherReplies.add(device.mapper().readTree(message.getPayload())));
        List<EventEnvelope> events = device.session("m-wrong-fleet", 20);

        client.publish(ROOT + "/fleet-other/veh-dev-mqtt-1/events", device.mapper().writeValueAsBytes(device.body("m-wrong-fleet", events.subList(0, 10))), 1, false);
        JsonNode first = otherReplies.poll(20, TimeUnit.SECONDS);
        assertThat(first).as("a reply on the other fleet's ack topic").isNotNull();
        assertThat(first.get("status").asText()).isEqualTo("REJECTED");
        assertThat(first.get("reason").asText()).isEqualTo("WRONG_FLEET");
        assertThat(first.get("detail").asText()).contains("fleet-other").contains("fleet-t");
        assertThat(rows("m-wrong-fleet")).isZero();

        // On its own fleet's topic the session is stored; a later batch under another fleet still is not.
        assertThat(publish(device.body("m-wrong-fleet", events.subList(0, 10))).get("status").asText()).isEqualTo("ACKNOWLEDGED");
        client.publish(ROOT + "/fleet-other/veh-dev-mqtt-1/events", device.mapper().writeValueAsBytes(device.body("m-wrong-fleet", events.subList(10, 20))), 1, false);
        JsonNode later = otherReplies.poll(20, TimeUnit.SECONDS);
        assertThat(later).isNotNull();
        assertThat(later.get("reason").asText()).isEqualTo("WRONG_FLEET");
        assertThat(rows("m-wrong-fleet")).isEqualTo(10);
    }

    /**
     * The topic's vehicle level must be the session's vehicle (V20): a batch published under another vehicle stores
     * nothing, whether it starts the session or continues it.
     */
    @Test
    void aBatchOnAnotherVehiclesTopicIsRefusedAndStoresNothing() throws Exception {
        BlockingQueue<JsonNode> otherReplies = new LinkedBlockingQueue<>();
        client.subscribe(ROOT + "/fleet-t/veh-other/ack", 1, (topic, message) -> otherReplies.add(device.mapper().readTree(message.getPayload())));
        List<EventEnvelope> events = device.session("m-wrong-vehicle", 20);

        client.publish(ROOT + "/fleet-t/veh-other/events", device.mapper().writeValueAsBytes(device.body("m-wrong-vehicle",
                events.subList(0, 10))), 1, false);
        JsonNode first = otherReplies.poll(20, TimeUnit.SECONDS);
        assertThat(first).as("a reply on the other vehicle's ack topic").isNotNull();
        assertThat(first.get("status").asText()).isEqualTo("REJECTED");
        assertThat(first.get("reason").asText()).isEqualTo("WRONG_VEHICLE");
        assertThat(first.get("detail").asText()).contains("vehicle veh-other's topic", "is of vehicle veh-dev-mqtt-1",
                "sightline/{fleet}/veh-dev-mqtt-1/events");
        assertThat(rows("m-wrong-vehicle")).isZero();

        assertThat(publish(device.body("m-wrong-vehicle", events.subList(0, 10))).get("status").asText()).isEqualTo("ACKNOWLEDGED");
        client.publish(ROOT + "/fleet-t/veh-other/events", device.mapper().writeValueAsBytes(device.body("m-wrong-vehicle",
                events.subList(10, 20))), 1, false);
        JsonNode later = otherReplies.poll(20, TimeUnit.SECONDS);
        assertThat(later).isNotNull();
        assertThat(later.get("reason").asText()).as("a continuing batch, without the session's start").isEqualTo("WRONG_VEHICLE");
        assertThat(rows("m-wrong-vehicle")).isEqualTo(10);
        assertThat(publish(device.body("m-wrong-vehicle", events.subList(10, 20))).get("status").asText()).isEqualTo("ACKNOWLEDGED");
        assertThat(rows("m-wrong-vehicle")).isEqualTo(20);
    }

    /** A real JPEG from the JDK's encoder: evidence must be a JPEG with a frame header. */
    static byte[] jpeg(int seed) throws Exception {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(160, 90, java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
        java.awt.Graphics2D g = image.createGraphics();
        g.setColor(new java.awt.Color((seed * 53) % 256, (seed * 97) % 256, 40));
        g.fillRect(0, 0, 160, 90);
        g.dispose();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        assertThat(javax.imageio.ImageIO.write(image, "jpg", out)).isTrue();
        return out.toByteArray();
    }

    String evidenceSignature(java.security.KeyPair key, String session, String frame, String sha256) throws Exception {
        java.security.Signature s = java.security.Signature.getInstance("Ed25519");
        s.initSign(key.getPrivate());
        s.update(io.sightline.domain.ingest.EvidenceCanonicalForm.bytes(session, frame, sha256));
        return java.util.Base64.getEncoder().encodeToString(s.sign());
    }

    JsonNode publishEvidence(String fleet, byte[] message, BlockingQueue<JsonNode> from) throws Exception {
        client.publish(ROOT + "/" + fleet + "/veh-dev-mqtt-1/evidence", message, 1, false);
        JsonNode reply = from.poll(20, TimeUnit.SECONDS);
        assertThat(reply).as("a reply on %s/%s/veh-dev-mqtt-1/evidence-ack within 20 s", ROOT, fleet).isNotNull();
        return reply;
    }

    /** An edge that reaches the cloud only through the broker delivers its pictures too, with every check HTTP makes. */
    @Test
    void evidenceTravelsOverTheBrokerWithTheChecksOfAnHttpUpload() throws Exception {
        BlockingQueue<JsonNode> evidenceReplies = new LinkedBlockingQueue<>();
        BlockingQueue<JsonNode> otherFleetReplies = new LinkedBlockingQueue<>();
        client.subscribe(ROOT + "/fleet-t/veh-dev-mqtt-1/evidence-ack", 1, (t, m) -> evidenceReplies.add(device.mapper().readTree(m.getPayload())));
        client.subscribe(ROOT + "/fleet-other/veh-dev-mqtt-1/evidence-ack", 1,
                (t, m) -> otherFleetReplies.add(device.mapper().readTree(m.getPayload())));
        String session = "m-evidence";
        byte[] jpeg = jpeg(7);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(jpeg));
        io.sightline.domain.ingest.EvidenceMessage message = new io.sightline.domain.ingest.EvidenceMessage(sha, device.deviceId, session,
                "f2", evidenceSignature(device.keys, session, "f2", sha), jpeg);

        // Before the session's events arrive: not yet, send again later.
        JsonNode early = publishEvidence("fleet-t", message.toBytes(device.mapper()), evidenceReplies);
        assertThat(early.get("status").asInt()).isEqualTo(409);
        assertThat(early.get("reason").asText()).isEqualTo("SESSION_NOT_INGESTED");

        assertThat(publish(device.body(session, device.session(session, 10))).get("status").asText()).isEqualTo("ACKNOWLEDGED");
        JsonNode stored = publishEvidence("fleet-t", message.toBytes(device.mapper()), evidenceReplies);
        assertThat(stored.get("sha256").asText()).isEqualTo(sha);
        assertThat(stored.get("status").asInt()).isEqualTo(201);
        assertThat(publishEvidence("fleet-t", message.toBytes(device.mapper()), evidenceReplies).get("status").asInt())
                .as("a resend is idempotent").isEqualTo(200);
        assertThat(jdbc.queryForMap("select fleet_id, frame_id, bytes from evidence_frame where sha256 = ?", sha))
                .containsEntry("fleet_id", "fleet-t").containsEntry("frame_id", "f2").containsEntry("bytes", jpeg);

        byte[] other = jpeg(8);
        String otherSha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(other));
        byte[] cut = java.util.Arrays.copyOf(other, other.length - 10);
        JsonNode mismatch = publishEvidence("fleet-t", new io.sightline.domain.ingest.EvidenceMessage(otherSha, device.deviceId, session,
                "f4", evidenceSignature(device.keys, session, "f4", otherSha), cut).toBytes(device.mapper()), evidenceReplies);
        assertThat(mismatch.get("reason").asText()).isEqualTo("SHA256_MISMATCH");

        JsonNode forged = publishEvidence("fleet-t", new io.sightline.domain.ingest.EvidenceMessage(otherSha, device.deviceId, session,
                "f4", evidenceSignature(new TestDevice("intruder").keys, session, "f4", otherSha), other).toBytes(device.mapper()),
                evidenceReplies);
        assertThat(forged.get("reason").asText()).isEqualTo("BAD_SIGNATURE");

        JsonNode wrongFleet = publishEvidence("fleet-other", new io.sightline.domain.ingest.EvidenceMessage(otherSha, device.deviceId,
                session, "f4", evidenceSignature(device.keys, session, "f4", otherSha), other).toBytes(device.mapper()), otherFleetReplies);
        assertThat(wrongFleet.get("status").asInt()).isEqualTo(403);
        assertThat(wrongFleet.get("reason").asText()).isEqualTo("WRONG_FLEET");

        JsonNode garbage = publishEvidence("fleet-t", "not an evidence message".getBytes(), evidenceReplies);
        assertThat(garbage.get("status").asInt()).isEqualTo(400);
        assertThat(garbage.get("reason").asText()).isEqualTo("MALFORMED_REQUEST");
        assertThat(garbage.get("detail").asText()).contains("SLEV1");

        assertThat(jdbc.queryForObject("select count(*) from evidence_frame where session_id = ?", Long.class, session)).isEqualTo(1);
        assertThat(counter.counts(device.deviceId)).containsEntry("EVIDENCE_SHA256_MISMATCH", 1L).containsEntry("EVIDENCE_WRONG_FLEET", 1L)
                .containsEntry("EVIDENCE_BAD_SIGNATURE", 1L);
    }
}
