package io.sightline.cloud.ingest;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscribe;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.cloud.config.IngestMqttProperties;
import io.sightline.cloud.evidence.EvidenceIngestion;
import io.sightline.cloud.evidence.EvidenceUploadResult;
import io.sightline.domain.ingest.EvidenceMessage;
import java.net.URI;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.sightline.cloud.shard.ShardOwnership;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Cloud side of the MQTT transport: reads {@code sightline/{fleet}/{vehicle}/events} through the
 * shared subscription {@code $share/{group}/sightline/+/+/events}, so N replicas split the
 * batches, feeds each to {@link SignedBatchIngestion}, and answers on
 * {@code sightline/{fleet}/{vehicle}/ack}. Evidence JPEGs ({@link EvidenceMessage}) come the same
 * way on {@code .../evidence}, go to {@link EvidenceIngestion}, and are answered on
 * {@code .../evidence-ack}. Enabled by {@code sightline.ingest.mqtt.enabled=true}.
 *
 * <p>MQTT 3.1.1 (Mosquitto 2.0 serves {@code $share} to 3.1.1 clients too), clean session,
 * manual acks: the broker's PUBACK is sent only after the batch is decided, and a replica that
 * dies holds no queue the others cannot see. A batch lost with a dying replica is resent by the
 * edge after its reply timeout and acknowledged as a duplicate if it was stored.
 *
 * <p>HiveMQ's client, not Paho's (ADR-0011): Paho 1.2.5 copies every received PUBLISH twice through
 * a one-byte-at-a-time stream, 22 ms of CPU per 2 MB batch (11 µs per event), half of what the
 * cloud spent per event on this path.
 */
@Component
@ConditionalOnProperty(name = "sightline.ingest.mqtt.enabled", havingValue = "true")
public class MqttIngestionSubscriber implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(MqttIngestionSubscriber.class);

    private final SignedBatchIngestion ingestion;
    private final EvidenceIngestion evidence;
    private final ObjectMapper mapper = new ObjectMapper();
    private final List<String> sharedEvidenceTopics;
    private final String url;
    private final List<String> sharedTopics;
    /** Null unless this cloud is one shard of a fleet-sharded cloud (ADR-0031). */
    private final ShardOwnership shard;
    private final int workers;
    private final String clientId;
    private final AtomicLong batches = new AtomicLong();
    private volatile Mqtt3AsyncClient client;
    private volatile ThreadPoolExecutor executor;

    private final String topicRoot;
    private final List<String> sharedWindowAnswerTopics;
    private final io.sightline.cloud.uplink.WindowRequests windowRequests;

    public MqttIngestionSubscriber(SignedBatchIngestion ingestion, EvidenceIngestion evidence,
                                   IngestMqttProperties mqtt, io.sightline.cloud.uplink.WindowRequests windowRequests,
                                   ObjectProvider<ShardOwnership> shard) {
        this.topicRoot = mqtt.topicRoot();
        this.shard = shard.getIfAvailable();
        // A shard subscribes to its own fleets' topics only, so the broker never hands it another shard's batch.
        List<String> fleetLevels = this.shard == null ? List.of("+") : List.copyOf(this.shard.ownedFleets());
        String prefix = "$share/" + mqtt.shareGroup() + "/" + mqtt.topicRoot() + "/";
        this.sharedWindowAnswerTopics = fleetLevels.stream().map(f -> prefix + f + "/+/windows/answer").toList();
        this.windowRequests = windowRequests;
        this.ingestion = ingestion;
        this.url = mqtt.url();
        this.evidence = evidence;
        this.sharedTopics = fleetLevels.stream().map(f -> prefix + f + "/+/events").toList();
        this.sharedEvidenceTopics = fleetLevels.stream().map(f -> prefix + f + "/+/evidence").toList();
        this.workers = Math.max(1, mqtt.workers());
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
        Mqtt3AsyncClient c = builder().buildAsync();
        try {
            c.connectWith().cleanSession(true).keepAlive(30).send().get(10, TimeUnit.SECONDS);
            // Manual acknowledgement: the PUBACK goes out only once the batch is decided and answered.
            // After a reconnect the client subscribes again itself (a clean session forgets subscriptions).
            // The client calls back one message at a time (on its own thread, or serially on an executor given
            // to it), so the hand-over to the workers is explicit: that is what lets batches be decided in parallel.
            for (String topic : sharedTopics) {
                c.subscribe(Mqtt3Subscribe.builder().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).build(),
                        publish -> executor.execute(() -> handle(c, publish)), true).get(10, TimeUnit.SECONDS);
            }
            for (String topic : sharedEvidenceTopics) {
                c.subscribe(Mqtt3Subscribe.builder().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).build(),
                        publish -> executor.execute(() -> handleEvidence(c, publish)), true).get(10, TimeUnit.SECONDS);
            }
            for (String topic : sharedWindowAnswerTopics) {
                c.subscribe(Mqtt3Subscribe.builder().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).build(),
                        publish -> executor.execute(() -> handleWindowAnswer(publish)), true).get(10, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            c.disconnect();
            executor.shutdownNow();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("MQTT ingestion cannot connect to the broker at " + url + ": " + cause
                    + ". Start the broker (mosquitto -d -c /etc/mosquitto/mosquitto.conf), fix sightline.ingest.mqtt.url,"
                    + " or set sightline.ingest.mqtt.enabled=false", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.disconnect();
            executor.shutdownNow();
            throw new IllegalStateException("interrupted while connecting to the MQTT broker at " + url, e);
        }
        client = c;
        LOG.info("MQTT ingestion {} subscribed to {}, {} and {} on {}", clientId, sharedTopics, sharedEvidenceTopics, sharedWindowAnswerTopics, url);
    }

    private Mqtt3ClientBuilder builder() {
        URI uri = URI.create(url);
        if (uri.getHost() == null || !("tcp".equals(uri.getScheme()) || "ssl".equals(uri.getScheme()))) {
            throw new IllegalStateException("sightline.ingest.mqtt.url must look like tcp://host:1883 or ssl://host:8883, got " + url);
        }
        boolean tls = "ssl".equals(uri.getScheme());
        Mqtt3ClientBuilder b = MqttClient.builder().useMqttVersion3().identifier(clientId).serverHost(uri.getHost())
                .serverPort(uri.getPort() > 0 ? uri.getPort() : tls ? 8883 : 1883)
                .automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(5, TimeUnit.SECONDS).applyAutomaticReconnect()
                .addDisconnectedListener(ctx -> {
                    if (client != null) {
                        LOG.warn("MQTT ingestion {} lost its connection to {}: {}; reconnecting", clientId, url, ctx.getCause().toString());
                    }
                });
        return tls ? b.sslWithDefaultConfig() : b;
    }

    private void handle(Mqtt3AsyncClient c, Mqtt3Publish message) {
        String topic = message.getTopic().toString();
        IngestResult result;
        try {
            result = shard != null && shard.verdict(fleetOf(topic)) != ShardOwnership.Verdict.OWNED
                    // Being moved, or moved away since this shard subscribed: the edge keeps the batch and sends it again.
                    ? new IngestResult(IngestResult.Outcome.RETRY, IngestResult.STORE_UNAVAILABLE, "fleet " + fleetOf(topic)
                            + " is being moved or served by another shard; send the batch again later", null, null, null, -1, -1, 0, 0)
                    : ingestion.ingest(message.getPayloadAsBytes(), fleetOf(topic), vehicleOf(topic));
        } catch (RuntimeException e) {
            LOG.error("MQTT batch on {} failed", topic, e);
            result = new IngestResult(IngestResult.Outcome.RETRY, IngestResult.STORE_UNAVAILABLE,
                    "ingestion failed (" + e.getClass().getSimpleName() + "); send the batch again later", null, null, null, -1, -1, 0, 0);
        }
        batches.incrementAndGet();
        if (result.batchId() == null) {
            LOG.warn("Batch on {} refused without a batch id to answer to: {} {}", topic, result.reason(), result.detail());
        }
        answer(c, message, ackTopic(topic), IngestReplies.reply(result));
    }

    /** Publishes the reply, then lets the broker forget the message: it is decided, whether or not the reply got out. */
    private static void answer(Mqtt3AsyncClient c, Mqtt3Publish message, String replyTopic, byte[] reply) {
        c.publishWith().topic(replyTopic).qos(MqttQos.AT_LEAST_ONCE).payload(reply).send()
                .whenComplete((ok, error) -> {
                    if (error != null) {
                        LOG.warn("Could not answer {} on {}: {}; the edge will resend after its timeout", message.getTopic(), replyTopic,
                                error.toString());
                    }
                    // PUBACKs leave in arrival order, so one held back would hold back all the others.
                    message.acknowledge();
                });
    }

    private void handleEvidence(Mqtt3AsyncClient c, Mqtt3Publish message) {
        String topic = message.getTopic().toString();
        EvidenceUploadResult result;
        try {
            EvidenceMessage m = EvidenceMessage.parse(message.getPayloadAsBytes(), mapper);
            result = evidence.store(new EvidenceIngestion.Upload(m.sha256(), m.deviceId(), m.sessionId(), m.frameId(), m.signature(),
                    m.jpeg()), fleetOf(topic));
        } catch (IllegalArgumentException e) {
            result = evidence.malformed(e.getMessage());
        }
        ObjectNode reply = mapper.createObjectNode();
        reply.put("sha256", result.sha256());
        reply.put("status", result.httpStatus());
        reply.put("reason", result.reason());
        reply.put("detail", result.detail());
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(reply);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        answer(c, message, topic.substring(0, topic.lastIndexOf('/')) + "/evidence-ack", bytes);
    }

    /** {@code <root>/{fleet}/{vehicle}/windows/answer}: the vehicle's answer to a window request (ADR-0027). */
    private void handleWindowAnswer(Mqtt3Publish message) {
        String[] levels = message.getTopic().toString().split("/");
        try {
            if (levels.length >= 5) {
                windowRequests.answered(levels[levels.length - 4], levels[levels.length - 3], message.getPayloadAsBytes());
            }
        } catch (RuntimeException e) {
            LOG.error("Window answer on {} failed", message.getTopic(), e);
        } finally {
            message.acknowledge();
        }
    }

    /** Sends a window request to one vehicle at QoS 1. */
    public void publishWindowRequest(String fleetId, String vehicleId, byte[] payload) {
        Mqtt3AsyncClient c = client;
        if (c == null) {
            throw new IllegalStateException("MQTT ingestion is not connected");
        }
        try {
            c.publishWith().topic(topicRoot + "/" + fleetId + "/" + vehicleId + "/windows/request").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payload).send().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the broker did not take the window request: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing a window request", e);
        }
    }

    /** The fleet level of {@code <root>/{fleet}/{vehicle}/events}. */
    static String fleetOf(String eventsTopic) {
        String[] levels = eventsTopic.split("/");
        return levels.length >= 4 ? levels[levels.length - 3] : null;
    }

    /** The vehicle level of {@code <root>/{fleet}/{vehicle}/events}: ingestion refuses a batch of another vehicle's session. */
    static String vehicleOf(String eventsTopic) {
        String[] levels = eventsTopic.split("/");
        return levels.length >= 4 ? levels[levels.length - 2] : null;
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
        Mqtt3AsyncClient c = client;
        client = null;
        if (executor != null) {
            // Batches already handed over are decided and answered before the connection closes.
            executor.shutdown();
            try {
                executor.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (c != null) {
            try {
                c.disconnect().get(2, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("MQTT disconnect: {}", e.toString());
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
