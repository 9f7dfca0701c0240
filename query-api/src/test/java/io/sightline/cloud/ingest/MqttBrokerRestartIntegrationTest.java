package io.sightline.cloud.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The cloud's subscriber survives a broker restart: after the broker comes back, its clean session
 * holds no subscription, so the subscriber must reconnect and subscribe again by itself, or the
 * cloud would stop ingesting without a word. Runs a broker of its own so that it can stop and start
 * it ({@link TestBroker#privateBroker()}: Debian's mosquitto on a free port, else HiveMQ CE in the JVM).
 */
@CloudIntegrationTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = "sightline.ingest.mqtt.enabled=true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MqttBrokerRestartIntegrationTest {

    private static final TestBroker.RestartableBroker BROKER = TestBroker.privateBroker();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("sightline.ingest.mqtt.url", BROKER::url);
    }

    @Autowired
    DeviceKeyRegistry registry;

    static String url() {
        return BROKER.url();
    }

    @AfterAll
    void stopBroker() {
        BROKER.close();
    }

    JsonNode publishAndAwait(TestDevice device, byte[] body) throws Exception {
        BlockingQueue<JsonNode> replies = new LinkedBlockingQueue<>();
        MqttClient client = new MqttClient(url(), "restart-qa-" + UUID.randomUUID(), new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        client.connect(o);
        try {
            client.subscribe("sightline/fleet-t/veh-dev-restart/ack", 1, (t, m) -> replies.add(device.mapper().readTree(m.getPayload())));
            client.publish("sightline/fleet-t/veh-dev-restart/events", body, 1, false);
            return replies.poll(20, TimeUnit.SECONDS);
        } finally {
            client.disconnect();
            client.close();
        }
    }

    @Test
    void afterTheBrokerRestartsTheSubscriberIsBackWithoutHelp() throws Exception {
        TestDevice device = new TestDevice("dev-restart");
        registry.register(device.deviceId, device.publicKeyBase64());
        List<EventEnvelope> events = device.session("restart-1", 20);

        JsonNode before = publishAndAwait(device, device.mapper().writeValueAsBytes(device.body("restart-1", events.subList(0, 10))));
        assertThat(before).as("a reply before the restart").isNotNull();
        assertThat(before.get("status").asText()).isEqualTo("ACKNOWLEDGED");

        BROKER.stop();
        BROKER.start();

        // The subscriber reconnects within its 5 s maximum delay and subscribes again; until then nobody answers.
        JsonNode after = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (after == null && System.nanoTime() < deadline) {
            after = publishAndAwait(device, device.mapper().writeValueAsBytes(device.body("restart-1", events.subList(10, 20))));
        }
        assertThat(after).as("a reply after the broker restarted").isNotNull();
        assertThat(after.get("status").asText()).isEqualTo("ACKNOWLEDGED");
        assertThat(after.get("nextExpectedSequence").asLong()).isEqualTo(20);
    }
}
