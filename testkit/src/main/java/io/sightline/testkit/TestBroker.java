package io.sightline.testkit;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The MQTT broker for every module's tests: {@code SIGHTLINE_TEST_MQTT_URL} (.ci/run sets the local
 * Mosquitto), else a Testcontainers Mosquitto where Docker exists. With neither, or with a broker
 * that does not answer an MQTT CONNECT, the test fails with what to do: it never skips.
 */
public final class TestBroker {

    public static final String URL_ENV = "SIGHTLINE_TEST_MQTT_URL";
    private static final String START = " Start Mosquitto (mosquitto -d -c /etc/mosquitto/mosquitto.conf) and set "
            + URL_ENV + "=tcp://127.0.0.1:1883.";
    private static String url;

    private TestBroker() {
    }

    /** {@code tcp://host:port} of a broker that answered a CONNECT. */
    public static synchronized String url() {
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
            throw new IllegalStateException("No MQTT broker for this test: " + URL_ENV + " is not set and Docker is not available." + START);
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

    public static String host() {
        return URI.create(url()).getHost();
    }

    public static int port() {
        int port = URI.create(url()).getPort();
        return port > 0 ? port : 1883;
    }

    /** An MQTT 3.1.1 CONNECT (clean session, no credentials) that must be answered with CONNACK 0. */
    private static void check(String brokerUrl, String failure) {
        URI uri = URI.create(brokerUrl);
        byte[] clientId = ("sightline-test-probe-" + System.nanoTime()).getBytes(StandardCharsets.US_ASCII);
        byte[] variable = {0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 10};
        int remaining = variable.length + 2 + clientId.length;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 1883), 5_000);
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {0x10, (byte) remaining});
            out.write(variable);
            out.write(new byte[] {0, (byte) clientId.length});
            out.write(clientId);
            out.write(new byte[] {(byte) 0xE0, 0}); // DISCONNECT after the CONNACK is read
            out.flush();
            byte[] connack = new byte[4];
            new DataInputStream(s.getInputStream()).readFully(connack);
            if (connack[0] != 0x20 || connack[3] != 0) {
                throw new IOException(String.format("answered %02x %02x %02x %02x, not CONNACK accepted", connack[0], connack[1], connack[2], connack[3]));
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException(failure + ": " + e + "." + START, e);
        }
    }
}
