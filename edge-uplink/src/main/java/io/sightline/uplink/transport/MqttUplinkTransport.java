package io.sightline.uplink.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.domain.ingest.EvidenceMessage;
import io.sightline.uplink.evidence.EvidenceReply;
import io.sightline.uplink.evidence.EvidenceTransport;
import io.sightline.uplink.evidence.EvidenceUpload;
import io.sightline.uplink.sign.SignedBatch;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes batches to {@code sightline/{fleet}/{vehicle}/events} at QoS 1 and waits for the
 * cloud's reply on {@code sightline/{fleet}/{vehicle}/ack}, matched by batch id.
 *
 * <p>MQTT 3.1.1 with a clean session: the journal, not the broker, is the edge's durable queue.
 * A batch whose reply does not come within the timeout (link down, cloud replica killed mid-batch)
 * is reported as a transport failure and the uploader resends it; the cloud acknowledges a
 * duplicate without storing it twice. Replies to older attempts are ignored.
 *
 * <p>Evidence JPEGs travel the same connection ({@link EvidenceTransport}): an
 * {@link EvidenceMessage} on {@code .../evidence}, answered on {@code .../evidence-ack} by sha256,
 * so an edge that reaches the cloud only through the broker still delivers its pictures.
 */
public final class MqttUplinkTransport implements UplinkTransport, EvidenceTransport {

    private static final Logger LOG = LoggerFactory.getLogger(MqttUplinkTransport.class);

    private final String brokerUrl;
    private final String clientId;
    private final String eventsTopic;
    private final String ackTopic;
    private final String evidenceTopic;
    private final String evidenceAckTopic;
    private final Map<String, CompletableFuture<EvidenceReply>> pendingEvidence = new ConcurrentHashMap<>();
    private final Duration replyTimeout;
    private final ObjectMapper mapper;
    private final Map<String, CompletableFuture<UplinkReply>> pending = new ConcurrentHashMap<>();
    private MqttClient client;
    private volatile boolean deflate;
    private final String windowRequestTopic;
    private final String windowAnswerTopic;
    private volatile java.util.function.Consumer<WindowAnswer.Request> windowListener;

    public MqttUplinkTransport(String brokerUrl, String fleetId, String vehicleId, Duration replyTimeout, ObjectMapper mapper) {
        this(brokerUrl, "sightline", fleetId, vehicleId, replyTimeout, mapper);
    }

    /** @param topicRoot first topic level, {@code sightline} in production; must match the cloud's {@code sightline.ingest.mqtt.topic-root} */
    public MqttUplinkTransport(String brokerUrl, String topicRoot, String fleetId, String vehicleId, Duration replyTimeout,
                               ObjectMapper mapper) {
        for (String part : new String[] {topicRoot, fleetId, vehicleId}) {
            if (part.isBlank() || part.contains("/") || part.contains("+") || part.contains("#")) {
                throw new IllegalArgumentException("fleet and vehicle ids become MQTT topic levels and may not be blank or contain"
                        + " '/', '+' or '#': " + part);
            }
        }
        this.brokerUrl = brokerUrl;
        // Unique per instance: two clients with one id make the broker drop the older connection.
        this.clientId = "sightline-edge-" + vehicleId + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        this.eventsTopic = topicRoot + "/" + fleetId + "/" + vehicleId + "/events";
        this.ackTopic = topicRoot + "/" + fleetId + "/" + vehicleId + "/ack";
        this.evidenceTopic = topicRoot + "/" + fleetId + "/" + vehicleId + "/evidence";
        this.evidenceAckTopic = topicRoot + "/" + fleetId + "/" + vehicleId + "/evidence-ack";
        this.windowRequestTopic = topicRoot + "/" + fleetId + "/" + vehicleId + "/windows/request";
        this.windowAnswerTopic = topicRoot + "/" + fleetId + "/" + vehicleId + "/windows/answer";
        this.replyTimeout = replyTimeout;
        this.mapper = mapper;
    }

    /** Publishes each batch zlib-compressed (ADR-0027); the cloud must be at least as new as that. */
    public MqttUplinkTransport deflate(boolean on) {
        this.deflate = on;
        return this;
    }

    /**
     * Listens for the cloud's window requests (ADR-0027) on {@code .../windows/request}; the listener
     * runs on the MQTT client's thread and must be quick (record the request, wake the uploader).
     */
    public MqttUplinkTransport onWindowRequest(java.util.function.Consumer<WindowAnswer.Request> listener) {
        this.windowListener = listener;
        return this;
    }

    /** Publishes answers on {@code .../windows/answer}, and keeps the connection that hears requests up. */
    public WindowAnswer.Sink windowAnswers() {
        return new WindowAnswer.Sink() {
            @Override
            public void answer(WindowAnswer a) throws TransportException {
                try {
                    com.fasterxml.jackson.databind.node.ObjectNode n = mapper.createObjectNode();
                    n.put("requestId", a.requestId());
                    n.put("sessionId", a.sessionId());
                    n.put("status", a.status());
                    n.put("uploadedEvents", a.uploadedEvents());
                    n.put("firstSequence", a.firstSequence());
                    n.put("lastSequence", a.lastSequence());
                    n.put("detail", a.detail());
                    MqttMessage m = new MqttMessage(mapper.writeValueAsBytes(n));
                    m.setQos(1);
                    connected().publish(windowAnswerTopic, m);
                } catch (MqttException | java.io.IOException e) {
                    throw new TransportException("cannot publish the answer to window request " + a.requestId() + ": " + e, e);
                }
            }

            @Override
            public void keepListening() throws TransportException {
                try {
                    connected();
                } catch (MqttException e) {
                    throw new TransportException("cannot reach the broker at " + brokerUrl + " to hear window requests: " + e, e);
                }
            }
        };
    }

    private void onWindowRequest(byte[] payload) {
        java.util.function.Consumer<WindowAnswer.Request> listener = windowListener;
        try {
            JsonNode n = mapper.readTree(payload);
            if (listener != null) {
                listener.accept(new WindowAnswer.Request(n.path("requestId").asText(""), n.path("sessionId").asText(""),
                        n.path("fromNanos").asLong(), n.path("toNanos").asLong()));
            }
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("Ignoring an unreadable window request on {}: {}", windowRequestTopic, e.toString());
        }
    }

    @Override
    public UplinkReply send(SignedBatch batch) throws TransportException {
        return publishAndAwait(eventsTopic, ackTopic, () -> batch.toWireBytes(mapper, deflate), pending, batch.batchId(),
                "batch " + batch.sessionId() + "@" + batch.firstSequence());
    }

    @Override
    public EvidenceReply put(EvidenceUpload upload) throws TransportException {
        return publishAndAwait(evidenceTopic, evidenceAckTopic, () -> new EvidenceMessage(upload.sha256(), upload.deviceId(),
                upload.sessionId(), upload.frameId(), upload.signature(), upload.jpeg()).toBytes(mapper), pendingEvidence, upload.sha256(),
                "evidence " + upload.sha256());
    }

    /** Publishes at QoS 1 and waits for the reply matched by {@code key} on {@code replyTopic}. */
    private <R> R publishAndAwait(String topic, String replyTopic, java.util.function.Supplier<byte[]> payload,
                                  Map<String, CompletableFuture<R>> waiting, String key, String what) throws TransportException {
        CompletableFuture<R> reply = new CompletableFuture<>();
        waiting.put(key, reply);
        try {
            MqttClient c = connected();
            MqttMessage message = new MqttMessage(payload.get());
            message.setQos(1);
            c.publish(topic, message);
            return reply.get(replyTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (MqttException e) {
            dropConnection();
            throw new TransportException("MQTT publish of " + what + " to " + brokerUrl + " failed: " + e, e);
        } catch (TimeoutException e) {
            throw new TransportException("no reply to " + what + " on " + replyTopic + " within " + replyTimeout.toMillis()
                    + " ms; is a cloud ingestion replica subscribed?");
        } catch (ExecutionException e) {
            throw new TransportException(what + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while waiting for the reply to " + what, e);
        } finally {
            waiting.remove(key);
        }
    }

    /**
     * Paho's plain sockets keep Nagle's algorithm on, so the last partial segment of a batch waited
     * for the broker's delayed ACK of the PUBACK just sent (up to 40 ms): a vehicle uploading small
     * batches managed about 11 a second (`bench ingest --batch 50`, docs/benchmarks.md). TLS URLs
     * keep Paho's own factory, which carries the TLS settings.
     */
    static MqttConnectOptions connectOptions(String brokerUrl) {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(true);
        options.setAutomaticReconnect(false);
        options.setConnectionTimeout(5);
        options.setKeepAliveInterval(20);
        options.setMaxInflight(16);
        if (brokerUrl.startsWith("tcp://")) {
            options.setSocketFactory(new NoDelaySocketFactory());
        }
        return options;
    }

    private synchronized MqttClient connected() throws MqttException {
        if (client != null && client.isConnected()) {
            return client;
        }
        closeClient();
        MqttClient c = new MqttClient(brokerUrl, clientId, new MemoryPersistence());
        MqttConnectOptions options = connectOptions(brokerUrl);
        c.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                LOG.warn("MQTT connection of {} lost: {}", clientId, cause.toString());
                failPending(cause);
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                if (topic.equals(evidenceAckTopic)) {
                    onEvidenceReply(message.getPayload());
                } else if (topic.equals(windowRequestTopic)) {
                    onWindowRequest(message.getPayload());
                } else {
                    onReply(message.getPayload());
                }
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        c.connect(options);
        // Subscribe before the first publish so no reply can arrive unheard.
        if (windowListener != null) {
            c.subscribe(new String[] {ackTopic, evidenceAckTopic, windowRequestTopic}, new int[] {1, 1, 1});
        } else {
            c.subscribe(new String[] {ackTopic, evidenceAckTopic}, new int[] {1, 1});
        }
        client = c;
        return c;
    }

    private void onReply(byte[] payload) {
        try {
            JsonNode node = mapper.readTree(payload);
            CompletableFuture<UplinkReply> f = pending.get(node.path("batchId").asText(""));
            if (f != null) {
                f.complete(UplinkReply.fromJson(node));
            }
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("Ignoring an unreadable reply on {}: {}", ackTopic, e.toString());
        }
    }

    /** Maps the cloud's answer as the HTTP transport maps its status: stored, retry later, or refused for good. */
    private void onEvidenceReply(byte[] payload) {
        try {
            JsonNode node = mapper.readTree(payload);
            CompletableFuture<EvidenceReply> f = pendingEvidence.get(node.path("sha256").asText(""));
            if (f == null) {
                return;
            }
            int status = node.path("status").asInt(0);
            String reason = node.path("reason").asText("MQTT_" + status);
            String detail = status + ": " + node.path("detail").asText("");
            f.complete(status == 200 || status == 201 ? EvidenceReply.stored()
                    : status >= 500 || status == 429 || status == 409 ? EvidenceReply.retry(reason, detail)
                    : EvidenceReply.rejected(reason, detail));
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("Ignoring an unreadable reply on {}: {}", evidenceAckTopic, e.toString());
        }
    }

    private void failPending(Throwable cause) {
        pending.values().forEach(f -> f.completeExceptionally(cause));
        pendingEvidence.values().forEach(f -> f.completeExceptionally(cause));
    }

    /** Closes the broker connection (also used by tests to simulate a lost link); the next send reconnects. */
    public synchronized void dropConnection() {
        closeClient();
        failPending(new TransportException("connection dropped"));
    }

    private synchronized void closeClient() {
        MqttClient c = client;
        client = null;
        if (c == null) {
            return;
        }
        try {
            if (c.isConnected()) {
                c.disconnectForcibly(0, 1000);
            }
        } catch (MqttException ignored) {
            // Already gone: that is the state we want.
        }
        try {
            c.close(true);
        } catch (MqttException ignored) {
            // Nothing more to release.
        }
    }

    @Override
    public void close() {
        dropConnection();
    }
}
