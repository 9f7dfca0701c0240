package io.sightline.cloud.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sightline.cloud.config.AlertsMqttProperties;
import io.sightline.cloud.config.IngestMqttProperties;
import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.projection.AlertsProjection;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.cloud.testing.Projections;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.explain.sample.SyntheticDrive;
import io.sightline.testkit.TestBroker;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Alerts announced to safety apps (ADR-0016) on the real PostgreSQL and the real Mosquitto: a
 * subscriber on {@code {root}/+/+/alerts} receives each alert raised and cleared once; a rebuild of the alerts
 * projection announces nothing again; an unreachable broker leaves the notification waiting with
 * its error, and it is sent once the broker can be reached.
 */
@CloudIntegrationTest(properties = {"sightline.alerts.mqtt.enabled=true", "sightline.alerts.mqtt.poll-interval=50ms"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AlertNotificationIntegrationTest {

    static final long T0 = 1_764_000_000_000_000_000L;
    /** This run's own topic root: concurrent runs on one broker never see each other's alerts. */
    private static final String ROOT = "sightline-alerts-" + UUID.randomUUID().toString().substring(0, 8);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("sightline.alerts.mqtt.url", TestBroker::url);
        registry.add("sightline.alerts.mqtt.topic-root", () -> ROOT);
    }

    @Autowired
    IngestionService ingestion;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    Projections projections;
    @Autowired
    IngestMqttProperties ingestMqtt;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    EventProcessingConfiguration processing;
    @Autowired
    AlertPublisher contextPublisher;

    private final ObjectMapper mapper = new ObjectMapper();
    private final List<String[]> received = new CopyOnWriteArrayList<>();
    private Mqtt3AsyncClient safetyApp;

    @BeforeAll
    void subscribeAsASafetyApp() throws Exception {
        URIParts broker = URIParts.of(TestBroker.url());
        safetyApp = MqttClient.builder().useMqttVersion3().identifier("safety-app-" + ROOT)
                .serverHost(broker.host()).serverPort(broker.port()).buildAsync();
        safetyApp.connectWith().cleanSession(true).send().get(10, TimeUnit.SECONDS);
        safetyApp.subscribeWith().topicFilter(ROOT + "/+/+/alerts").qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> received.add(new String[] {p.getTopic().toString(), new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)}))
                .send().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    void disconnect() {
        if (safetyApp != null) {
            safetyApp.disconnect();
        }
    }

    record URIParts(String host, int port) {
        static URIParts of(String url) {
            java.net.URI uri = java.net.URI.create(url);
            return new URIParts(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 1883);
        }
    }

    /** A drive with two alerts (10.4 s and 30.3 s; the second clears at 30.7 s), as in TraceIntegrationTest. */
    private SyntheticDrive append(String sessionId, String vehicleId) throws Exception {
        SyntheticDrive drive = new SyntheticDrive(sessionId, T0).start("fleet-a", vehicleId, "v1", SyntheticDrive.POLICY_V1);
        drive.approach(10.0, 8, 10, 22.0, 9.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        drive.approach(30.0, 10, 10, 15.0, 9.0, 0.0, 22.4, 0.6, 2, "FALSE_POSITIVE");
        List<EventEnvelope> events = drive.events();
        for (int i = 0; i < events.size(); i += 40) {
            ingestion.append(sessionId, i, events.subList(i, Math.min(events.size(), i + 40)));
        }
        return drive;
    }

    long count(String sql, Object... args) {
        return jdbc.queryForObject(sql, Long.class, args);
    }

    void await(String what, BooleanSupplier condition) {
        projections.awaitProjection(what, condition, () -> "received: " + received.stream().map(r -> r[0] + " " + r[1]).toList()
                + "; outbox: " + jdbc.queryForList("select alert_id, published_at, attempts, last_error from alert_notifications"));
    }

    private JsonNode json(String[] message) {
        try {
            return mapper.readTree(message[1]);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + message[1], e);
        }
    }

    /** The drive raises alert/1 and alert/2, and alert/2 clears when the lead cuts out. */
    @Test
    @Order(1)
    void eachRaisedAndClearedAlertIsAnnouncedOnceOnItsVehicleTopic() throws Exception {
        append("s-notify", "veh-1");
        await("three announcements", () -> received.size() >= 3);
        // Deliberate: proving nothing more arrives needs time to pass; anything announced twice would arrive right behind the
        // first copies, which the publisher sends every 50 ms here.
        Thread.sleep(500);
        assertThat(received).hasSize(3);
        assertThat(received).extracting(r -> r[0]).containsOnly(ROOT + "/fleet-a/veh-1/alerts");
        assertThat(received).extracting(r -> json(r).get("type").asText() + " " + json(r).get("alertId").asText())
                .containsExactlyInAnyOrder("raised s-notify/alert/1", "raised s-notify/alert/2", "cleared s-notify/alert/2");
        JsonNode alert1 = received.stream().map(this::json).filter(j -> j.get("alertId").asText().endsWith("/1")).findFirst().orElseThrow();
        var row = jdbc.queryForMap("select * from alerts where alert_id = ?", "s-notify/alert/1");
        assertThat(alert1.get("schema").asInt()).isEqualTo(AlertPublisher.SCHEMA);
        assertThat(alert1.get("eventId").asText()).isEqualTo(row.get("event_id"));
        assertThat(alert1.get("sessionId").asText()).isEqualTo("s-notify");
        assertThat(alert1.get("fleetId").asText()).isEqualTo("fleet-a");
        assertThat(alert1.get("vehicleId").asText()).isEqualTo("veh-1");
        assertThat(alert1.get("kind").asText()).isEqualTo(row.get("kind")).isEqualTo("FORWARD_COLLISION");
        assertThat(alert1.get("level").asText()).isEqualTo(row.get("level"));
        assertThat(alert1.get("trackId").asText()).isEqualTo("trk-1");
        assertThat(alert1.get("policyVersion").asText()).isEqualTo("v1");
        assertThat(alert1.get("raisedAtNanos").asLong()).isEqualTo(T0 + 10_400_000_000L);
        assertThat(alert1.get("globalIndex").asLong()).isEqualTo(row.get("global_index"));
        assertThat(alert1.has("clearedAtNanos")).isFalse();

        JsonNode cleared = received.stream().map(this::json).filter(j -> j.get("type").asText().equals("cleared")).findFirst().orElseThrow();
        var row2 = jdbc.queryForMap("select * from alerts where alert_id = ?", "s-notify/alert/2");
        assertThat(cleared.get("clearedAtNanos").asLong()).isEqualTo(row2.get("cleared_at_nanos")).isEqualTo(T0 + 30_700_000_000L);
        assertThat(cleared.get("reason").asText()).isEqualTo(row2.get("cleared_reason"));
        assertThat(cleared.get("activeForNanos").asLong()).isEqualTo(400_000_000L);
        assertThat(cleared.has("kind")).isFalse();
        JsonNode raised2 = received.stream().map(this::json)
                .filter(j -> j.get("type").asText().equals("raised") && j.get("alertId").asText().endsWith("/2")).findFirst().orElseThrow();
        assertThat(cleared.get("globalIndex").asLong()).as("a clear comes after its raise").isGreaterThan(raised2.get("globalIndex").asLong());
        assertThat(count("select count(*) from alert_notifications where published_at is not null and attempts = 1")).isEqualTo(3);
    }

    /**
     * The dispatcher carries @DisallowReplay. The sent rows are pruned first (retention set to zero),
     * so the outbox's own key cannot hide a re-announcement: without @DisallowReplay this test fails.
     */
    @Test
    @Order(2)
    void aRebuildOfTheAlertsProjectionAnnouncesNothingAgain() throws Exception {
        AlertPublisher keepingNothing = new AlertPublisher(jdbc, transactions, new SimpleMeterRegistry(),
                new AlertsMqttProperties(true, TestBroker.url(), ROOT, Duration.ofMillis(50), Duration.ZERO), ingestMqtt);
        assertThat(keepingNothing.prunePublished()).as("retention deletes the sent rows").isEqualTo(3);
        int before = received.size();
        PooledStreamingEventProcessor processor = processing.eventProcessor(AlertsProjection.NAME, PooledStreamingEventProcessor.class)
                .orElseThrow();
        processor.shutDown();
        processor.resetTokens();
        assertThat(count("select count(*) from alerts")).as("the reset handler emptied the projection").isZero();
        processor.start();
        // Both AlertRaised replayed: the notifier, in the same processing group, saw them in the same batches.
        await("the projection rebuilt", () -> count("select count(*) from alerts") == 2
                && !processor.processingStatus().isEmpty()
                && processor.processingStatus().values().stream().allMatch(s -> s.isCaughtUp()));

        // A new drive after the rebuild: its alerts are announced, and they are the only ones.
        append("s-after-rebuild", "veh-2");
        await("the new drive's alerts announced", () -> received.size() >= before + 3);
        // Deliberate, as above: a replayed announcement would arrive within a few publisher polls.
        Thread.sleep(500);
        assertThat(received.subList(before, received.size())).extracting(r -> json(r).get("type").asText() + " " + json(r).get("alertId").asText())
                .containsExactlyInAnyOrder("raised s-after-rebuild/alert/1", "raised s-after-rebuild/alert/2", "cleared s-after-rebuild/alert/2");
        assertThat(jdbc.queryForList("select type || ' ' || alert_id from alert_notifications order by global_index", String.class))
                .containsExactly("raised s-after-rebuild/alert/1", "raised s-after-rebuild/alert/2", "cleared s-after-rebuild/alert/2");
    }

    @Test
    @Order(3)
    void anUnreachableBrokerLeavesTheNotificationWaitingWithItsErrorUntilItCanBeSent() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        // The context's publisher is stopped for this step, so the unreachable one is the only one that tries.
        contextPublisher.stop();
        jdbc.update("insert into alert_notifications (event_id, type, alert_id, session_id, fleet_id, vehicle_id, kind, level, track_id,"
                + " policy_version, raised_at_nanos, global_index) values ('s-x/alert/1', 'raised', 's-x/alert/1', 's-x', 'fleet-a', 'veh-9',"
                + " 'FORWARD_COLLISION', 'WARNING', 'trk-9', 'v1', 1, 999999)");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        AlertPublisher unreachable = new AlertPublisher(jdbc, transactions, meters,
                new AlertsMqttProperties(true, "tcp://127.0.0.1:" + closedPort, ROOT, Duration.ofMillis(50), Duration.ofDays(30)), ingestMqtt);
        int sentBefore = received.size();
        try {
            assertThat(unreachable.publishDue()).isZero();
        } finally {
            contextPublisher.start();
        }
        var row = jdbc.queryForMap("select * from alert_notifications where event_id = 's-x/alert/1'");
        assertThat(row.get("published_at")).isNull();
        assertThat((Integer) row.get("attempts")).isEqualTo(1);
        assertThat((String) row.get("last_error")).contains("tcp://127.0.0.1:" + closedPort);
        assertThat(((java.sql.Timestamp) row.get("next_attempt_at")).toInstant()).isAfter(java.time.Instant.now());
        assertThat(meters.get("sightline.alerts.notifications.pending").gauge().value()).isEqualTo(1.0);
        assertThat(meters.get("sightline.alerts.notifications.failed").counter().count()).isEqualTo(1.0);
        assertThat(received).hasSize(sentBefore);

        // Due again, the running publisher (reachable broker) sends it.
        jdbc.update("update alert_notifications set next_attempt_at = now() where event_id = 's-x/alert/1'");
        // The app can hear it before the publisher has recorded the broker's acknowledgement.
        await("the waiting notification sent and marked", () -> received.stream().skip(sentBefore).anyMatch(r -> r[1].contains("s-x/alert/1"))
                && count("select count(*) from alert_notifications where event_id = 's-x/alert/1' and published_at is not null") == 1);
        assertThat(received.stream().skip(sentBefore).filter(r -> r[1].contains("s-x/alert/1"))).hasSize(1);
    }
}
