package io.sightline.cloud.ingest;

import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Cloud side of the MQTT transport: reads {@code sightline/{fleet}/{vehicle}/events} through the
 * shared subscription {@code $share/{group}/sightline/+/+/events}, so N replicas split the
 * batches, feeds each to {@link SignedBatchIngestion}, and answers on
 * {@code sightline/{fleet}/{vehicle}/ack}. Enabled by {@code sightline.ingest.mqtt.enabled=true}.
 *
 * <p>MQTT 3.1.1 (Mosquitto 2.0 serves {@code $share} to 3.1.1 clients too), clean session,
 * manual acks: the broker's PUBACK is sent only after the batch is decided, and a replica that
 * dies holds no queue the others cannot see. A batch lost with a dying replica is resent by the
 * edge after its reply timeout and acknowledged as a duplicate if it was stored.
 */
@Component
@ConditionalOnProperty(name = "sightline.ingest.mqtt.enabled", havingValue = "true")
public class MqttIngestionSubscriber implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(MqttIngestionSubscriber.class);

    private final SignedBatchIngestion ingestion;
    private final String url;
    private final String sharedTopic;
    private final int workers;
    private final String clientId;
    private final AtomicLong batches = new AtomicLong();
    private volatile MqttClient client;
    private volatile ThreadPoolExecutor executor;

    public MqttIngestionSubscriber(SignedBatchIngestion ingestion,
                                   @Value("${sightline.ingest.mqtt.url:tcp://127.0.0.1:1883}") String url,
                                   @Value("${sightline.ingest.mqtt.share-group:ingest}") String shareGroup,
                                   @Value("${sightline.ingest.mqtt.topic-root:sightline}") String topicRoot,
                                   @Value("${sightline.ingest.mqtt.workers:2}") int workers) {
        this.ingestion = ingestion;
        this.url = url;
        this.sharedTopic = "$share/" + shareGroup + "/" + topicRoot + "/+/+/events";
        this.workers = Math.max(1, workers);
        this.clientId = "sightline-ingest-" + UUID.randomUUID().toString().substring(0, 12);
    }

    @Override
    public synchronized void start() {
        AtomicInteger n = new AtomicInteger();
        // The broker bounds in-flight QoS 1 messages per client, so the queue never grows past that.
        executor = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1024), r -> {
            Thread t = new Thread(r, "mqtt-ingest-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
        try {
            MqttClient c = new MqttClient(url, clientId, new MemoryPersistence());
            c.setManualAcks(true);
            c.setCallback(new MqttCallbackExtended() {
                @Override
                public void connectComplete(boolean reconnect, String serverUri) {
                    if (reconnect) {
                        // A clean session forgets subscriptions: subscribe again after every reconnect.
                        subscribe(c);
                    }
                }

                @Override
                public void connectionLost(Throwable cause) {
                    LOG.warn("MQTT ingestion {} lost its connection to {}: {}; reconnecting", clientId, url, cause.toString());
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    executor.execute(() -> handle(c, topic, message));
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            MqttConnectOptions options = new MqttConnectOptions();
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            options.setCleanSession(true);
            options.setAutomaticReconnect(true);
            options.setMaxReconnectDelay(5_000);
            options.setConnectionTimeout(10);
            options.setKeepAliveInterval(30);
            options.setMaxInflight(64);
            c.connect(options);
            subscribe(c);
            client = c;
            LOG.info("MQTT ingestion {} subscribed to {} on {}", clientId, sharedTopic, url);
        } catch (MqttException e) {
            executor.shutdownNow();
            throw new IllegalStateException("MQTT ingestion cannot connect to the broker at " + url + ": " + e
                    + ". Start the broker (mosquitto -d -c /etc/mosquitto/mosquitto.conf), fix sightline.ingest.mqtt.url,"
                    + " or set sightline.ingest.mqtt.enabled=false", e);
        }
    }

    private void subscribe(MqttClient c) {
        try {
            c.subscribe(sharedTopic, 1);
        } catch (MqttException e) {
            LOG.error("MQTT ingestion could not subscribe to {}: {}", sharedTopic, e.toString());
        }
    }

    private void handle(MqttClient c, String topic, MqttMessage message) {
        IngestResult result;
        try {
            result = ingestion.ingest(message.getPayload(), fleetOf(topic));
        } catch (RuntimeException e) {
            LOG.error("MQTT batch on {} failed", topic, e);
            result = new IngestResult(IngestResult.Outcome.RETRY, 503, IngestResult.STORE_UNAVAILABLE,
                    "ingestion failed (" + e.getClass().getSimpleName() + "); send the batch again later", null, null, null, -1, -1, 0, 0);
        }
        batches.incrementAndGet();
        try {
            if (result.batchId() == null) {
                LOG.warn("Batch on {} refused without a batch id to answer to: {} {}", topic, result.reason(), result.detail());
            }
            c.publish(ackTopic(topic), IngestReplies.reply(result), 1, false);
            // Only now may the broker forget the batch: it is decided and the edge has its answer.
            c.messageArrivedComplete(message.getId(), message.getQos());
        } catch (MqttException e) {
            LOG.warn("Could not answer batch on {}: {}; the edge will resend after its timeout", topic, e.toString());
        }
    }

    /** The fleet level of {@code <root>/{fleet}/{vehicle}/events}. */
    static String fleetOf(String eventsTopic) {
        String[] levels = eventsTopic.split("/");
        return levels.length >= 4 ? levels[levels.length - 3] : null;
    }

    /** {@code sightline/{fleet}/{vehicle}/events} → {@code sightline/{fleet}/{vehicle}/ack}. */
    static String ackTopic(String eventsTopic) {
        return eventsTopic.substring(0, eventsTopic.lastIndexOf('/')) + "/ack";
    }

    /** Batches decided by this replica since it started. */
    public long batchesHandled() {
        return batches.get();
    }

    @Override
    public synchronized void stop() {
        MqttClient c = client;
        client = null;
        if (c != null) {
            try {
                c.disconnect(2_000);
            } catch (MqttException e) {
                LOG.debug("MQTT disconnect: {}", e.toString());
            }
            try {
                c.close(true);
            } catch (MqttException ignored) {
                // Closing a dead client: nothing left to release.
            }
        }
        if (executor != null) {
            executor.shutdown();
            try {
                executor.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return client != null;
    }
}
