package io.sightline.cloud.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.testing.CloudHttp;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.testkit.TestBroker;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An assignment reaches its vehicle over the real broker as a retained message: a vehicle that
 * subscribes only after the assignment (it was offline) still receives the current one, and a
 * changed assignment replaces it.
 */
@CloudIntegrationTest(properties = "sightline.assignments.mqtt.enabled=true")
@ExtendWith(ProjectHomeExtension.class)
class AssignmentDeliveryIntegrationTest {

    /** This run's own topic root: concurrent runs on one broker never see each other's messages. */
    private static final String ROOT = "sightline-assign-" + UUID.randomUUID().toString().substring(0, 8);
    private static final ObjectMapper JSON = new ObjectMapper();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("sightline.alerts.mqtt.url", TestBroker::url);
        registry.add("sightline.alerts.mqtt.topic-root", () -> ROOT);
        registry.add("sightline.registry.dir", () -> "target/registry-assign-" + UUID.randomUUID());
        registry.add("sightline.registry.trusted-keys", () -> ReleaseStatement.pem("PUBLIC KEY", RegistryIntegrationTest.RELEASE.getPublic().getEncoded()));
    }

    @Autowired
    CloudHttp http;

    private HttpResponse<String> assign(String body) throws Exception {
        return http.send(http.request("/api/v1/assignments/fleet-a/vehicle-9", http.token("release-pipeline", "fleet-a", Roles.ADMIN))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** Connects as the vehicle would after being offline, and reads what the broker kept for it; null when nothing is kept yet. */
    private JsonNode retained() throws Exception {
        URI broker = URI.create(TestBroker.url());
        Mqtt3BlockingClient vehicle = MqttClient.builder().useMqttVersion3().identifier("vehicle-9-" + UUID.randomUUID().toString().substring(0, 6))
                .serverHost(broker.getHost()).serverPort(broker.getPort() > 0 ? broker.getPort() : 1883).buildBlocking();
        vehicle.connectWith().cleanSession(true).send();
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = vehicle.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            vehicle.subscribeWith().topicFilter(ROOT + "/fleet-a/vehicle-9/assignment").qos(MqttQos.AT_LEAST_ONCE).send();
            Optional<Mqtt3Publish> p = publishes.receive(2, TimeUnit.SECONDS);
            // Only a retained message shows what a vehicle reconnecting now would get; a live one means it was not kept yet.
            if (p.isEmpty() || !p.get().isRetain()) {
                return null;
            }
            return JSON.readTree(new String(p.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
        } finally {
            vehicle.disconnect();
        }
    }

    @Test
    void aVehicleThatWasOfflineReceivesItsCurrentAssignmentWhenItSubscribes() throws Exception {
        byte[] model = Files.readAllBytes(RegistryIntegrationTest.models().resolve("fastestdet/FastestDet.onnx"));
        byte[] manifest = Files.readAllBytes(RegistryIntegrationTest.models().resolve("fastestdet/manifest.json"));
        String admin = http.token("release-pipeline", "fleet-a", Roles.ADMIN);
        assertThat(http.postJson("/api/v1/registry/models", admin, RegistryIntegrationTest.modelUpload(model, manifest,
                RegistryIntegrationTest.RELEASE, RegistryIntegrationTest.RELEASE_ID)).statusCode()).isEqualTo(201);
        byte[] p1 = RegistryIntegrationTest.policy("sightline-risk-deliver-1", 0.9);
        byte[] p2 = RegistryIntegrationTest.policy("sightline-risk-deliver-2", 1.0);
        for (Object[] p : new Object[][] {{p1, "sightline-risk-deliver-1"}, {p2, "sightline-risk-deliver-2"}}) {
            assertThat(http.postJson("/api/v1/registry/policies", admin, RegistryIntegrationTest.policyUpload((byte[]) p[0], (String) p[1],
                    RegistryIntegrationTest.RELEASE, RegistryIntegrationTest.RELEASE_ID)).statusCode()).isEqualTo(201);
        }
        String modelSha = ReleaseStatement.sha256Hex(model);

        assertThat(assign("{\"championModelSha256\":\"" + modelSha + "\",\"championPolicySha256\":\"" + ReleaseStatement.sha256Hex(p1) + "\"}")
                .statusCode()).isEqualTo(200);
        JsonNode first = awaitRevision(1);
        assertThat(first.get("championModelSha256").asText()).isEqualTo(modelSha);
        assertThat(first.get("championPolicySha256").asText()).isEqualTo(ReleaseStatement.sha256Hex(p1));

        assertThat(assign("{\"championModelSha256\":\"" + modelSha + "\",\"championPolicySha256\":\"" + ReleaseStatement.sha256Hex(p2) + "\"}")
                .statusCode()).isEqualTo(200);
        JsonNode second = awaitRevision(2);
        assertThat(second.get("championPolicySha256").asText()).as("the broker keeps the latest").isEqualTo(ReleaseStatement.sha256Hex(p2));
    }

    /** The publisher runs in a streaming processor: give it a few seconds to reach the broker. */
    private JsonNode awaitRevision(long revision) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = retained();
            if (last != null && last.get("revision").asLong() == revision) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the retained assignment stayed at " + last + ", expected revision " + revision);
    }
}
