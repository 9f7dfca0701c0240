package io.sightline.cloud.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.sightline.cloud.config.AlertsMqttProperties;
import io.sightline.cloud.config.IngestMqttProperties;
import io.sightline.domain.event.VehicleAssigned;
import jakarta.annotation.PreDestroy;
import java.net.URI;
import java.util.UUID;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * Delivers each vehicle's assignment over MQTT (issue 17 §2) as a retained message at QoS 1 on
 * {@code {root}/{fleet}/{vehicle}/assignment}: the broker keeps the latest, so a vehicle that was
 * offline receives its current assignment as soon as it subscribes again. Its processing group
 * propagates errors ({@link RegistryConfiguration}), so an unreachable broker holds the processor
 * at that event and retries it instead of skipping a vehicle. The broker and root are the alert
 * notifications' ({@code sightline.alerts.mqtt.url}, else the ingestion broker).
 */
@Component
@ProcessingGroup(AssignmentPublisher.NAME)
@ConditionalOnProperty(name = "sightline.assignments.mqtt.enabled", havingValue = "true")
public class AssignmentPublisher {

    public static final String NAME = "assignments";

    private final ObjectMapper json = new ObjectMapper();
    private final String url;
    private final String topicRoot;
    private final String clientId = "sightline-assignments-" + UUID.randomUUID().toString().substring(0, 8);
    private Mqtt3BlockingClient client;

    public AssignmentPublisher(AlertsMqttProperties alerts, IngestMqttProperties ingest) {
        this.url = alerts.url(ingest);
        this.topicRoot = alerts.topicRoot(ingest);
    }

    public static String topic(String root, String fleetId, String vehicleId) {
        // Fleet and vehicle ids are plain topic levels: VehicleAssignment accepts only letters, digits, '.', '_' and '-'.
        return root + "/" + fleetId + "/" + vehicleId + "/assignment";
    }

    @EventHandler
    synchronized void on(VehicleAssigned e, org.axonframework.eventhandling.EventMessage<?> message) throws Exception {
        // The assignment's fields plus the event's id, so the vehicle's ModelActivated can name it (ADR-0035).
        com.fasterxml.jackson.databind.node.ObjectNode body = json.valueToTree(e);
        body.put("eventId", message.getIdentifier());
        connected().publishWith().topic(topic(topicRoot, e.fleetId(), e.vehicleId())).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                .payload(json.writeValueAsBytes(body)).send();
    }

    private Mqtt3BlockingClient connected() {
        if (client != null && client.getState().isConnected()) {
            return client;
        }
        URI uri = URI.create(url);
        boolean tls = "ssl".equals(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 8883 : 1883;
        var builder = MqttClient.builder().useMqttVersion3().identifier(clientId).serverHost(uri.getHost()).serverPort(port);
        client = (tls ? builder.sslWithDefaultConfig() : builder).buildBlocking();
        client.connectWith().cleanSession(true).keepAlive(30).send();
        return client;
    }

    @PreDestroy
    synchronized void close() {
        if (client != null && client.getState().isConnected()) {
            client.disconnect();
        }
    }
}
