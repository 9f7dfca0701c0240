package io.sightline.testkit;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The MQTT broker for every module's tests, in this order:
 * <ol>
 *   <li>{@code SIGHTLINE_TEST_MQTT_URL} ({@code .ci/run} sets the local Mosquitto);</li>
 *   <li>a Testcontainers Mosquitto, where a Docker engine exists;</li>
 *   <li>a broker in the test's JVM ({@link EmbeddedMqttBroker}, HiveMQ CE), so that a clone of the
 *       project with nothing but a JDK passes its tests, as PostgreSQL falls back to Zonky's.</li>
 * </ol>
 * A named broker that does not answer an MQTT CONNECT fails the test with what to do: a broker the
 * user named is never silently replaced by another.
 */
public final class TestBroker {

    public static final String URL_ENV = "SIGHTLINE_TEST_MQTT_URL";
    private static final String START = " Start Mosquitto (mosquitto -d -c /etc/mosquitto/mosquitto.conf) and set "
            + URL_ENV + "=tcp://127.0.0.1:1883, or unset " + URL_ENV + " to let the tests run a broker of their own.";
    private static final Logger LOG = LoggerFactory.getLogger(TestBroker.class);
    private static String url;
    private static boolean embeddedInUse;

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
            LOG.info("Tests use the MQTT broker from {}: {}", URL_ENV, env);
            return url = env;
        }
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            docker = false;
        }
        if (!docker) {
            EmbeddedMqttBroker embedded = EmbeddedMqttBroker.startOnFreePort();
            Runtime.getRuntime().addShutdownHook(new Thread(embedded::close, "embedded-mqtt-stop"));
            check(embedded.url(), "the embedded MQTT broker at " + embedded.url() + " does not answer");
            LOG.info("Tests use the MQTT broker from embedded HiveMQ CE: {}", embedded.url());
            embeddedInUse = true;
            return url = embedded.url();
        }
        @SuppressWarnings("resource")
        GenericContainer<?> mosquitto = new GenericContainer<>(DockerImageName.parse("eclipse-mosquitto:2.0"))
                .withExposedPorts(1883)
                .withCommand("mosquitto", "-c", "/mosquitto-no-auth.conf");
        mosquitto.start();
        Runtime.getRuntime().addShutdownHook(new Thread(mosquitto::stop, "testcontainers-mosquitto-stop"));
        String u = "tcp://" + mosquitto.getHost() + ":" + mosquitto.getMappedPort(1883);
        check(u, "Testcontainers Mosquitto at " + u + " does not answer");
        LOG.info("Tests use the MQTT broker from Testcontainers: {}", u);
        return url = u;
    }

    /**
     * A broker of the test's own that it may stop and start again, for restart tests: Debian's
     * {@code mosquitto} binary on a free port where it is installed (the broker deployments run),
     * else {@link EmbeddedMqttBroker}. The caller closes it.
     */
    public static RestartableBroker privateBroker() {
        if (Files.isExecutable(MOSQUITTO)) {
            return new MosquittoProcess(EmbeddedMqttBroker.freePort());
        }
        EmbeddedMqttBroker embedded = EmbeddedMqttBroker.startOnFreePort();
        return new RestartableBroker() {
            @Override
            public String url() {
                return embedded.url();
            }

            @Override
            public void stop() {
                embedded.stop();
            }

            @Override
            public void start() {
                embedded.start();
            }

            @Override
            public void close() {
                embedded.close();
            }
        };
    }

    /** A broker that a test stops and starts; {@link #url()} stays the same across restarts. */
    public interface RestartableBroker extends AutoCloseable {
        String url();

        void stop();

        void start();

        @Override
        void close();
    }

    private static final Path MOSQUITTO = Path.of("/usr/sbin/mosquitto");

    private static final class MosquittoProcess implements RestartableBroker {
        private final int port;
        private Process process;

        MosquittoProcess(int port) {
            this.port = port;
            start();
        }

        @Override
        public String url() {
            return "tcp://127.0.0.1:" + port;
        }

        @Override
        public synchronized void start() {
            if (process != null && process.isAlive()) {
                return;
            }
            try {
                process = new ProcessBuilder(MOSQUITTO.toString(), "-p", Integer.toString(port)).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (System.nanoTime() < deadline) {
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        return;
                    } catch (IOException notYet) {
                        Thread.sleep(50);
                    }
                }
                process.destroyForcibly();
                throw new IllegalStateException(MOSQUITTO + " did not listen on port " + port + " within 10 s");
            } catch (IOException e) {
                throw new IllegalStateException("cannot start " + MOSQUITTO + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public synchronized void stop() {
            if (process == null) {
                return;
            }
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            process = null;
        }

        @Override
        public void close() {
            stop();
        }
    }

    /**
     * Whether {@link #url()} is the broker of last resort (HiveMQ CE). How a broker hands out a
     * shared subscription's messages is its own choice: Mosquitto takes the members in turn, HiveMQ CE
     * may give one member all of them. A test that asserts an even split asks this first.
     */
    public static synchronized boolean embedded() {
        url();
        return embeddedInUse;
    }

    public static String host() {
        return URI.create(url()).getHost();
    }

    public static int port() {
        int port = URI.create(url()).getPort();
        return port > 0 ? port : 1883;
    }

    /** An MQTT 3.1.1 CONNECT (clean session, no credentials) that must be answered with CONNACK 0. */
    static void check(String brokerUrl, String failure) {
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
