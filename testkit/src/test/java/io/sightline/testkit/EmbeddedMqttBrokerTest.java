package io.sightline.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

/** The broker of last resort does what the cloud needs of Mosquitto: QoS 1, shared subscriptions, restarts. */
class EmbeddedMqttBrokerTest {

    static MqttClient connect(String url) throws MqttException {
        MqttClient c = new MqttClient(url, "kit-" + UUID.randomUUID(), new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setConnectionTimeout(5);
        o.setMaxInflight(1_000);
        c.connect(o);
        return c;
    }

    static MqttCallback collector(Set<String> into) {
        return new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                into.add(new String(message.getPayload(), StandardCharsets.UTF_8));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        };
    }

    @Test
    void eachQos1MessageReachesExactlyOneSharedSubscriber() throws Exception {
        try (EmbeddedMqttBroker broker = EmbeddedMqttBroker.startOnFreePort()) {
            Set<String> a = ConcurrentHashMap.newKeySet();
            Set<String> b = ConcurrentHashMap.newKeySet();
            MqttClient subA = connect(broker.url());
            MqttClient subB = connect(broker.url());
            // Client-wide callbacks: Paho matches a per-subscription listener against the filter, which a $share prefix never matches.
            subA.setCallback(collector(a));
            subB.setCallback(collector(b));
            subA.subscribe("$share/ingest/sightline/+/+/events", 1);
            subB.subscribe("$share/ingest/sightline/+/+/events", 1);
            MqttClient pub = connect(broker.url());
            for (int i = 0; i < 200; i++) {
                pub.publish("sightline/fleet-k/veh-" + (i % 7) + "/events", ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false);
            }
            Await.until("200 messages at the shared subscribers", Duration.ofSeconds(20), () -> a.size() + b.size() >= 200,
                    () -> "; got " + (a.size() + b.size()));
            assertThat(a.size() + b.size()).as("every message delivered to exactly one shared subscriber").isEqualTo(200);
            // How a broker spreads a group's messages is its own choice (HiveMQ may give a fast consumer all of them);
            // what the cloud relies on is that each message reaches exactly one member. (AssertJ's doesNotContainAnyElementsOf
            // refuses an empty argument, and one member may well get none: intersect instead.)
            Set<String> both = new java.util.HashSet<>(a);
            both.retainAll(b);
            assertThat(both).as("messages delivered to both members").isEmpty();
            Set<String> all = new java.util.HashSet<>(a);
            all.addAll(b);
            assertThat(all).as("every message, each once").hasSize(200);
            for (MqttClient c : new MqttClient[] {subA, subB, pub}) {
                c.disconnect();
                c.close();
            }
        }
    }

    @Test
    void aStoppedBrokerRefusesClientsAndServesAgainOnTheSamePortAfterStart() throws Exception {
        try (EmbeddedMqttBroker broker = EmbeddedMqttBroker.startOnFreePort()) {
            String url = broker.url();
            broker.stop();
            assertThatThrownBy(() -> connect(url)).isInstanceOf(MqttException.class);
            broker.start();
            assertThat(broker.url()).isEqualTo(url);
            MqttClient c = connect(url);
            BlockingQueue<String> got = new LinkedBlockingQueue<>();
            c.subscribe("kit/echo", 1, (t, m) -> got.add(new String(m.getPayload(), StandardCharsets.UTF_8)));
            c.publish("kit/echo", "back".getBytes(StandardCharsets.UTF_8), 1, false);
            assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("back");
            c.disconnect();
            c.close();
        }
    }

    @Test
    void aNamedBrokerThatDoesNotAnswerIsNeverReplaced() throws Exception {
        // privateBroker() gives a broker the test controls; stopped, it is what a dead named server looks like.
        try (TestBroker.RestartableBroker broker = TestBroker.privateBroker()) {
            broker.stop();
            assertThatThrownBy(() -> TestBroker.check(broker.url(), "named broker down"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("named broker down")
                    .hasMessageContaining(TestBroker.URL_ENV);
            broker.start();
            TestBroker.check(broker.url(), "named broker up");
        }
    }
}
