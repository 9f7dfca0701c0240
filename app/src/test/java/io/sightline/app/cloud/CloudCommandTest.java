package io.sightline.app.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.app.CliRun;
import io.sightline.app.SightlineCli;
import io.sightline.app.WrongSettingException;
import io.sightline.testkit.TestBroker;
import io.sightline.testkit.TestPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./sightline cloud} as an operator runs it: a process of its own, on the local (or
 * embedded) PostgreSQL and broker, stopped with SIGTERM as an orchestrator stops it.
 */
class CloudCommandTest {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final int GRACE_SECONDS = 10;
    private static final Pattern LISTENING = Pattern.compile("listening +http://[^:]+:(\\d+)");
    /** Lines a clean start and stop must never log. */
    private static final Pattern TROUBLE = Pattern.compile("\\bERROR\\b|Exception|^\\s+at [a-z]", Pattern.MULTILINE);

    @TempDir
    static Path dir;
    static Path secretFile;
    static TestPostgres.Database db;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void setUp() throws IOException {
        secretFile = Files.writeString(dir.resolve("jwt-secret"), "cloud-command-test-secret-0123456789abcdef\n");
        db = TestPostgres.freshDatabase("cloud-command");
    }

    @AfterAll
    static void tearDown() {
        TestPostgres.drop(db);
    }

    // --- wrong settings: one line naming the setting, exit 2, nothing started ------------------------

    @Test
    void anUnreachableDatabaseIsOneLineNamingTheFlag() throws IOException {
        assertWrongSetting(CliRun.of("cloud", "--jdbc-url", "jdbc:postgresql://127.0.0.1:" + closedPort() + "/sightline",
                "--jwt-secret-file", secretFile.toString()), "--jdbc-url jdbc:postgresql://127.0.0.1:", "cannot connect");
    }

    @Test
    void anUnreachableBrokerIsOneLineNamingTheFlag() throws IOException {
        assertWrongSetting(CliRun.of("cloud", "--jdbc-url", urlWithCredentials(), "--mqtt-url", "tcp://127.0.0.1:" + closedPort(),
                "--jwt-secret-file", secretFile.toString()), "--mqtt-url tcp://127.0.0.1:", "broker is unreachable");
    }

    @Test
    void aMissingSecretIsOneLineNamingTheSettings() {
        assertWrongSetting(CliRun.of("cloud", "--jdbc-url", urlWithCredentials(), "--port", "0"),
                "no token key", "--jwt-secret-file");
        assertWrongSetting(CliRun.of("cloud", "--jwt-secret-file", dir.resolve("no-such-secret").toString()),
                "--jwt-secret-file " + dir.resolve("no-such-secret"), "no such file");
    }

    @Test
    void aTakenPortIsOneLineNamingTheFlag() throws IOException {
        try (ServerSocket taken = new ServerSocket(0)) {
            assertWrongSetting(CliRun.of("cloud", "--port", Integer.toString(taken.getLocalPort()), "--jwt-secret-file", secretFile.toString()),
                    "--port " + taken.getLocalPort(), "the port is taken");
        }
    }

    @Test
    void aWrongShardSettingIsOneLineNamingIt() throws IOException {
        String secret = secretFile.toString();
        assertWrongSetting(CliRun.of("cloud", "--shard", "a", "--jwt-secret-file", secret), "--shard and --shard-map go together");
        assertWrongSetting(CliRun.of("cloud", "--shard", "a", "--shard-map", dir.resolve("no-map").toString(), "--jwt-secret-file", secret),
                "--shard-map: no shard map at");
        Path map = dir.resolve("shards.properties");
        java.nio.file.Files.writeString(map, "shard.a.url=http://127.0.0.1:1\nfleet.north=z\n");
        assertWrongSetting(CliRun.of("cloud", "--shard", "a", "--shard-map", map.toString(), "--jwt-secret-file", secret),
                "fleet.north points to shard 'z'");
        java.nio.file.Files.writeString(map, "shard.a.url=http://127.0.0.1:1\nfleet.north=a\n");
        assertWrongSetting(CliRun.of("cloud", "--shard", "b", "--shard-map", map.toString(), "--jwt-secret-file", secret),
                "--shard b is not in the shard map", "[a]");
        assertWrongSetting(CliRun.of("shard", "move", "--map", map.toString(), "--fleet", "north", "--to", "a"), "already on shard a");
        assertWrongSetting(CliRun.of("shard", "router", "--map", dir.resolve("no-map").toString()), "--map: no shard map at");
    }

    private static void assertWrongSetting(CliRun run, String... expected) {
        assertThat(run.exit()).as(run.err()).isEqualTo(WrongSettingException.EXIT_CODE);
        List<String> lines = run.err().lines().toList();
        assertThat(lines).as("one line on stderr").hasSize(1);
        assertThat(lines.get(0)).startsWith("sightline: error: ");
        for (String e : expected) {
            assertThat(lines.get(0)).contains(e);
        }
        assertThat(run.out()).doesNotContain("ready in");
    }

    // --- running processes ---------------------------------------------------------------------------

    @Test
    void flagsWinAndSigtermStopsItCleanlyWithAStreamOpen() throws Exception {
        Map<String, String> env = Map.of(
                "SPRING_DATASOURCE_USERNAME", db.user(),
                "SPRING_DATASOURCE_PASSWORD", db.password(),
                // Both wrong on purpose: the flags must win over them.
                "SPRING_DATASOURCE_URL", "jdbc:postgresql://127.0.0.1:" + closedPort() + "/not-this-one",
                "SERVER_PORT", "1",
                // A topic root of its own, so that no other test's edge batches reach this replica.
                "SIGHTLINE_INGEST_MQTT_TOPIC_ROOT", "cloud-command-" + UUID.randomUUID());
        try (CloudProcess cloud = CloudProcess.start(dir.resolve("home-all"), env, "--jdbc-url", db.jdbcUrl(), "--mqtt-url", TestBroker.url(),
                "--port", "0", "--jwt-secret-file", secretFile.toString(), "--grace-period", Integer.toString(GRACE_SECONDS))) {
            String ready = cloud.awaitReady();
            assertThat(ready).contains("role all")
                    .contains("database      " + db.jdbcUrl())
                    .contains(", --jdbc-url)").doesNotContain("not-this-one")
                    .containsPattern("batches from \\$share/ingest/cloud-command-[-0-9a-f]+/\\+/\\+/events on " + Pattern.quote(TestBroker.url()))
                    .contains("alerts to " + TestBroker.url())
                    .contains("projections   alerts, camera-health, cloud-apps, drift, latency-monitor, registry, rollout-evidence, rollouts, sessions, trace-edges")
                    .contains("tokens        HS256 key from --jwt-secret-file");
            int port = cloud.port();
            assertThat(port).isNotEqualTo(1);
            assertThat(get(port, "/actuator/health/readiness", null).body()).contains("\"UP\"");
            String token = mint("safety-app");
            assertThat(get(port, "/api/v1/alerts", mint("investigator")).statusCode()).isEqualTo(200);

            // A safety app's stream open across the stop: graceful shutdown must end it, not wait for it.
            HttpRequest stream = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/streams/events"))
                    .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").build();
            HttpResponse<Stream<String>> open = http.sendAsync(stream, HttpResponse.BodyHandlers.ofLines()).get(30, TimeUnit.SECONDS);
            assertThat(open.statusCode()).isEqualTo(200);
            CompletableFuture<Long> streamEnded = CompletableFuture.supplyAsync(() -> open.body().count());

            Stopped stopped = cloud.sigterm();
            assertThat(stopped.exit()).as(stopped.log()).isZero();
            assertThat(stopped.log()).contains("SIGTERM received").containsPattern("stopped cleanly in \\d+\\.\\d s");
            assertThat(stopped.log()).as("nothing logged as an error").doesNotContainPattern(TROUBLE);
            assertThat(streamEnded.get(10, TimeUnit.SECONDS)).isNotNull();
        }
    }

    @Test
    void ingestAndProjectionReplicasShareOneDatabase() throws Exception {
        TestPostgres.Database shared = TestPostgres.freshDatabase("cloud-roles");
        try {
            Map<String, String> env = Map.of("SPRING_DATASOURCE_USERNAME", shared.user(), "SPRING_DATASOURCE_PASSWORD", shared.password());
            try (CloudProcess ingest = CloudProcess.start(dir.resolve("home-ingest"), env, "--role", "ingest", "--jdbc-url", shared.jdbcUrl(),
                    "--port", "0", "--jwt-secret-file", secretFile.toString());
                 CloudProcess projections = CloudProcess.start(dir.resolve("home-projections"), env, "--role", "projections",
                         "--jdbc-url", shared.jdbcUrl(), "--port", "0", "--jwt-secret-file", secretFile.toString())) {
                assertThat(ingest.awaitReady()).contains("role ingest").contains("projections   off").contains("ingestion     POST /api/v1/ingest");
                assertThat(projections.awaitReady()).contains("role projections").contains("ingestion     off")
                        .contains("projections   alerts, camera-health, cloud-apps, drift, latency-monitor, registry, rollout-evidence, rollouts, sessions, trace-edges");

                // The ingest replica decides the batch (malformed here: 400); the projection replica stores nothing.
                HttpResponse<String> decided = post(ingest.port(), "/api/v1/ingest", "{\"not\":\"a batch\"}");
                assertThat(decided.statusCode()).isEqualTo(400);
                HttpResponse<String> refused = post(projections.port(), "/api/v1/ingest", "{\"not\":\"a batch\"}");
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
                assertThat(refused.body()).contains("not-an-ingest-replica").contains("send batches and evidence to an ingest replica");
                // The API is served by both.
                String investigator = mint("investigator");
                assertThat(get(ingest.port(), "/api/v1/alerts", investigator).statusCode()).isEqualTo(200);
                assertThat(get(projections.port(), "/api/v1/alerts", investigator).statusCode()).isEqualTo(200);

                for (CloudProcess p : List.of(ingest, projections)) {
                    Stopped stopped = p.sigterm();
                    assertThat(stopped.exit()).as(stopped.log()).isZero();
                    assertThat(stopped.log()).doesNotContainPattern(TROUBLE);
                }
            }
        } finally {
            TestPostgres.drop(shared);
        }
    }

    @Test
    void withoutAJdbcUrlItRunsOnTheEmbeddedDatabaseAndStopsIt() throws Exception {
        Path home = dir.resolve("home-embedded");
        try (CloudProcess cloud = CloudProcess.start(home, Map.of(), "--port", "0")) {
            String ready = cloud.awaitReady();
            Path dataDir = home.resolve(".sightline/pgdata").toAbsolutePath().normalize();
            assertThat(ready).contains("database      embedded PostgreSQL").contains(dataDir.toString())
                    .contains("broker        none (batches over HTTP only)")
                    .contains("tokens        HS256 key from the local key " + home.resolve(CloudCommand.LOCAL_SECRET_FILE));
            Path localKey = home.resolve(CloudCommand.LOCAL_SECRET_FILE);
            // The printed way to get a token works against this very process.
            String token = CliRun.of("token", "--secret-file", localKey.toString(), "--role", "investigator", "--fleet", "fleet-a").out().strip();
            assertThat(get(cloud.port(), "/api/v1/alerts", token).statusCode()).isEqualTo(200);

            assertThat(postgresOn(dataDir)).as("the embedded PostgreSQL runs on " + dataDir).isNotEmpty();

            Stopped stopped = cloud.sigterm();
            assertThat(stopped.exit()).as(stopped.log()).isZero();
            assertThat(stopped.log()).doesNotContainPattern(TROUBLE);
            assertThat(postgresOn(dataDir)).as("the embedded PostgreSQL stopped with the cloud").isEmpty();
        }
    }

    private static List<ProcessHandle> postgresOn(Path dataDir) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(dataDir.toString())).toList();
    }


    // --- helpers -------------------------------------------------------------------------------------

    record Stopped(int exit, String log) {
    }

    /** One {@code sightline cloud} in a JVM of its own, its output in a file. */
    static final class CloudProcess implements AutoCloseable {
        private final Process process;
        private final Path log;

        private CloudProcess(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        static CloudProcess start(Path home, Map<String, String> env, String... args) throws IOException {
            Files.createDirectories(home);
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                    "-Dsightline.home=" + home, "-cp", System.getProperty("java.class.path"), SightlineCli.class.getName(), "cloud"));
            command.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            Path log = home.resolve("cloud.log");
            pb.redirectOutput(log.toFile());
            // A clean slate: only what the test gives, so a developer's own settings cannot leak in.
            pb.environment().keySet().removeIf(k -> k.startsWith("SPRING_") || k.startsWith("SIGHTLINE_") || k.startsWith("SERVER_"));
            pb.environment().putAll(env);
            return new CloudProcess(pb.start(), log);
        }

        String log() {
            try {
                return Files.readString(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }

        /** The readiness block, once printed; fails with the log if the process ends or takes too long. */
        String awaitReady() throws InterruptedException {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                String text = log();
                if (text.contains("  stop          SIGTERM")) {
                    return text;
                }
                if (!process.isAlive()) {
                    throw new AssertionError("sightline cloud exited with " + process.exitValue() + " before it was ready:\n" + text);
                }
                Thread.sleep(200);
            }
            throw new AssertionError("sightline cloud not ready within " + START_TIMEOUT + ":\n" + log());
        }

        int port() {
            Matcher m = LISTENING.matcher(log());
            if (!m.find()) {
                throw new AssertionError("no listening line:\n" + log());
            }
            return Integer.parseInt(m.group(1));
        }

        /** Process.destroy() is SIGTERM on Unix: what Kubernetes and Docker send to stop a container. */
        Stopped sigterm() throws InterruptedException {
            process.destroy();
            boolean ended = process.waitFor(GRACE_SECONDS + CloudCommand.STOP_WATCHDOG_EXTRA_SECONDS + 5L, TimeUnit.SECONDS);
            if (!ended) {
                process.destroyForcibly();
                throw new AssertionError("sightline cloud did not stop on SIGTERM:\n" + log());
            }
            return new Stopped(process.exitValue(), log());
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private HttpResponse<String> get(int port, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(int port, String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String mint(String role) {
        CliRun run = CliRun.of("token", "--secret-file", secretFile.toString(), "--role", role, "--fleet", "fleet-a");
        assertThat(run.exit()).as(run.err()).isZero();
        return run.out().strip();
    }

    private static String urlWithCredentials() {
        return db.jdbcUrl() + (db.jdbcUrl().contains("?") ? "&" : "?") + "user=" + db.user() + "&password=" + db.password();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
