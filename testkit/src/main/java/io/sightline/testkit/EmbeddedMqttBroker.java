package io.sightline.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real MQTT 3.1.1/5 broker (HiveMQ Community Edition) on 127.0.0.1 and a free port, with
 * in-memory persistence: the last resort of {@link TestBroker} when no broker is named and no
 * Docker engine runs, as Zonky's embedded server is for PostgreSQL. HiveMQ CE speaks the whole
 * protocol the cloud relies on, shared subscriptions ({@code $share/ingest/...}) and QoS 1
 * included.
 *
 * <p>It runs in a JVM of its own ({@link EmbeddedMqttBrokerMain}), started from the test's JDK with
 * the class path the testkit's build recorded: HiveMQ's libraries (jctools 4, Guice, RocksDB, ...)
 * would otherwise meet the cloud's MQTT client's (jctools 2) on one class path, and one of them
 * would break. A stop is a process exit, as a broker restart is in production; the child also exits
 * when the test JVM dies, since its standard input closes.
 */
public final class EmbeddedMqttBroker implements AutoCloseable {

    static final String CLASSPATH_RESOURCE = "embedded-mqtt-broker.classpath";
    /** HiveMQ's own start takes 1–3 s here, a JVM start included; a broker that needs far more is broken. */
    private static final long START_TIMEOUT_S = 90;

    private final int port;
    private final Path home;
    private Process process;

    private EmbeddedMqttBroker(int port) {
        this.port = port;
        try {
            home = Files.createTempDirectory("sightline-test-mqtt-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the embedded MQTT broker's folder: " + e.getMessage(), e);
        }
    }

    /** A broker on a free port of 127.0.0.1, started. */
    public static EmbeddedMqttBroker startOnFreePort() {
        EmbeddedMqttBroker broker = new EmbeddedMqttBroker(freePort());
        broker.start();
        return broker;
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        Path log = home.resolve("broker.log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-Dlogback.configurationFile=" + writeLogbackConfig());
        command.add("-cp");
        command.add(classPath());
        command.add(EmbeddedMqttBrokerMain.class.getName());
        command.add(Integer.toString(port));
        command.add(home.toString());
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the embedded MQTT broker's JVM: " + e.getMessage(), e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "embedded-mqtt-kill"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_S);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the embedded MQTT broker (HiveMQ CE) exited with " + process.exitValue()
                        + " before listening on port " + port + "; its log:\n" + tail(log));
            }
            if (listening()) {
                return;
            }
            sleep(50);
        }
        process.destroyForcibly();
        throw new IllegalStateException("the embedded MQTT broker (HiveMQ CE) did not listen on port " + port + " within "
                + START_TIMEOUT_S + " s; its log:\n" + tail(log));
    }

    /**
     * Stops the broker as a process restart would: every client is disconnected, and with
     * in-memory persistence every session and subscription is gone.
     */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        Process p = process;
        process = null;
        try {
            p.getOutputStream().close(); // EOF: the child stops HiveMQ and exits
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            p.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        // The port is free only once the listener has closed; a restart on it must not race the old one.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (listening() && System.nanoTime() < deadline) {
            sleep(50);
        }
    }

    @Override
    public synchronized void close() {
        try {
            stop();
        } finally {
            deleteQuietly(home);
        }
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** The testkit's own classes plus HiveMQ CE's class path, as the testkit's build wrote it. */
    static String classPath() {
        String recorded;
        try (InputStream in = EmbeddedMqttBroker.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the testkit was built without " + CLASSPATH_RESOURCE
                        + " (HiveMQ CE's class path); rebuild it: ./mvnw -pl testkit install");
            }
            recorded = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String entry : recorded.split(java.io.File.pathSeparator)) {
            if (!Files.exists(Path.of(entry))) {
                throw new IllegalStateException("HiveMQ CE's library " + entry + " is missing from the local Maven"
                        + " repository; rebuild the testkit to fetch it: ./mvnw -pl testkit install");
            }
        }
        try {
            Path own = Path.of(EmbeddedMqttBroker.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return own + java.io.File.pathSeparator + recorded;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path writeLogbackConfig() {
        Path file = home.resolve("logback.xml");
        try {
            Files.writeString(file, """
                    <configuration>
                      <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                        <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n</pattern></encoder>
                      </appender>
                      <root level="WARN"><appender-ref ref="OUT"/></root>
                    </configuration>
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }
}
