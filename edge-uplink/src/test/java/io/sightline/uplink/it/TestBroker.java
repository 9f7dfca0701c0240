package io.sightline.uplink.it;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The MQTT broker for tests: {@code SIGHTLINE_TEST_MQTT_URL} (.ci/run sets the local Mosquitto),
 * else a Testcontainers Mosquitto where Docker exists. With neither, the test fails: it never skips.
 */
final class TestBroker {

    static final String URL_ENV = "SIGHTLINE_TEST_MQTT_URL";
    private static String url;

    private TestBroker() {
    }

    static synchronized String url() {
        if (url != null) {
            return url;
        }
        String env = System.getenv(URL_ENV);
        if (env != null && !env.isBlank()) {
            check(env, URL_ENV + "=" + env + " is set but the broker does not answer");
            return url = env;
        }
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            docker = false;
        }
        if (!docker) {
            throw new IllegalStateException("No MQTT broker for this test: " + URL_ENV + " is not set and Docker is not available."
                    + " Start Mosquitto (mosquitto -d -c /etc/mosquitto/mosquitto.conf) and set " + URL_ENV + "=tcp://127.0.0.1:1883.");
        }
        @SuppressWarnings("resource")
        GenericContainer<?> mosquitto = new GenericContainer<>(DockerImageName.parse("eclipse-mosquitto:2.0"))
                .withExposedPorts(1883)
                .withCommand("mosquitto", "-c", "/mosquitto-no-auth.conf");
        mosquitto.start();
        Runtime.getRuntime().addShutdownHook(new Thread(mosquitto::stop, "testcontainers-mosquitto-stop"));
        String u = "tcp://" + mosquitto.getHost() + ":" + mosquitto.getMappedPort(1883);
        check(u, "Testcontainers Mosquitto at " + u + " does not answer");
        return url = u;
    }

    private static void check(String brokerUrl, String failure) {
        try {
            MqttClient c = new MqttClient(brokerUrl, "sightline-test-probe-" + System.nanoTime(), new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setConnectionTimeout(5);
            c.connect(o);
            c.disconnect();
            c.close();
        } catch (Exception e) {
            throw new IllegalStateException(failure + ": " + e + ". Start Mosquitto (mosquitto -d -c /etc/mosquitto/mosquitto.conf).", e);
        }
    }
}
