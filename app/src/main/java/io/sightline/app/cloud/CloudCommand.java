package io.sightline.app.cloud;

import io.sightline.app.VersionCommand;
import io.sightline.app.WrongSettingException;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.config.IngestMqttProperties;
import io.sightline.cloud.config.ProjectionProperties;
import io.sightline.inference.ProjectHome;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./sightline cloud}: the cloud service alone (ingestion, event store, projections, API),
 * as a container or a host process runs it. Flags win over the environment variables that
 * {@code docs/deployment.md} lists, and those win over the defaults. It prints one readiness block
 * once it serves, and stops cleanly on SIGTERM within the grace period, exiting 0.
 */
@Command(name = "cloud", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run the cloud service alone: ingestion (HTTP, and MQTT with a broker), the event store, projections,"
                + " the API and the investigator UI. Flags win over the environment (SPRING_DATASOURCE_URL,"
                + " SIGHTLINE_INGEST_MQTT_URL, SIGHTLINE_SECURITY_JWT_SECRET, SERVER_PORT, ...; docs/deployment.md), which wins"
                + " over the defaults. Stops cleanly on SIGTERM or Ctrl-C.",
        footer = {"", "Exit codes: 0 stopped on a signal; 1 failed while running; 2 a setting cannot work (named in the one-line error)."})
public final class CloudCommand implements Callable<Integer> {

    /**
     * Longest wait for in-flight requests and processor batches on a stop, per shutdown phase.
     * Below Kubernetes' default terminationGracePeriodSeconds (30 s), leaving room for a preStop pause.
     */
    public static final int DEFAULT_GRACE_SECONDS = 20;
    /** Beyond the grace period, how long the stop may still take before the process gives up on it. */
    static final int STOP_WATCHDOG_EXTRA_SECONDS = 15;
    /** Where a trial on the embedded database keeps its token key, under the project home. */
    static final String LOCAL_SECRET_FILE = ".sightline/cloud-jwt-secret";

    @Option(names = "--jdbc-url", paramLabel = "URL",
            description = "PostgreSQL (jdbc:postgresql://host:port/db; user and password from SPRING_DATASOURCE_USERNAME/PASSWORD)."
                    + " Default: SPRING_DATASOURCE_URL, else the embedded PostgreSQL under .sightline/pgdata.")
    String jdbcUrl;

    @Option(names = "--mqtt-url", paramLabel = "URL",
            description = "MQTT broker (tcp://host:1883): ingest batches from it (roles all, ingest) and publish alerts to it"
                    + " (roles all, projections). Default: SIGHTLINE_INGEST_MQTT_URL when SIGHTLINE_INGEST_MQTT_ENABLED=true, else none.")
    String mqttUrl;

    @Option(names = "--port", paramLabel = "N", description = "HTTP port (0 picks a free one). Default: SERVER_PORT, else 8080.")
    Integer port;

    @Option(names = "--role", paramLabel = "all|ingest|projections",
            description = "all: everything; ingest: store batches and serve the API, no projections; projections: projections and"
                    + " alert notifications, no batches. Default: all (the SIGHTLINE_*_ENABLED switches then apply).")
    String role;

    @ArgGroup(exclusive = true)
    TokenKey tokenKey;

    static final class TokenKey {
        @Option(names = "--jwt-secret-file", paramLabel = "FILE",
                description = "HS256 key for bearer tokens (at least 32 bytes; e.g. a mounted Secret). Default:"
                        + " SIGHTLINE_SECURITY_JWT_SECRET; required with an external database unless --jwk-set-uri is given.")
        Path jwtSecretFile;

        @Option(names = "--jwk-set-uri", paramLabel = "URL",
                description = "The identity provider's JWK set: verify its tokens instead of HS256 ones.")
        String jwkSetUri;
    }

    @Option(names = "--shard", paramLabel = "ID",
            description = "Run as this shard of a fleet-sharded cloud (ADR-0031): serve only the fleets --shard-map gives it, answer"
                    + " other fleets 421 naming their shard. Default: SIGHTLINE_SHARD_ID, else not sharded (every fleet).")
    String shardId;

    @Option(names = "--shard-map", paramLabel = "FILE",
            description = "The shard map shared with the router (shard.<id>.url, fleet.<fleet>=<shard>, ...). Default: SIGHTLINE_SHARD_MAP.")
    Path shardMap;

    @Option(names = "--applications", paramLabel = "NAMES",
            description = "Safety applications to run in the cloud over each ended session (comma-separated, e.g. rolling-stop;"
                    + " ADR-0029). Default: SIGHTLINE_CLOUDAPPS_APPLICATIONS, else none.")
    String applications;

    @Option(names = "--grace-period", paramLabel = "SECONDS", defaultValue = "" + DEFAULT_GRACE_SECONDS,
            description = "On SIGTERM, how long in-flight requests and batches may take to finish (default ${DEFAULT-VALUE}).")
    int graceSeconds;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        long startNanos = System.nanoTime();
        if (graceSeconds < 1 || graceSeconds > 600) {
            throw new WrongSettingException("--grace-period must be 1..600 seconds, got " + graceSeconds);
        }
        CloudSettings settings = CloudSettings.resolve(new CloudSettings.Flags(jdbcUrl, mqttUrl, port, role,
                tokenKey == null ? null : tokenKey.jwtSecretFile, tokenKey == null ? null : tokenKey.jwkSetUri));
        Path home = ProjectHome.get();
        if (!settings.hasTokenKey()) {
            if (!settings.embeddedDatabase()) {
                throw new WrongSettingException("no token key: give --jwt-secret-file FILE (HS256, at least 32 bytes) or --jwk-set-uri URL,"
                        + " or set SIGHTLINE_SECURITY_JWT_SECRET; with an external database every replica must verify the same tokens");
            }
            settings.useLocalSecret(home.resolve(LOCAL_SECRET_FILE));
        }
        Map<String, String> shard = shardProperties();
        out.println("sightline " + VersionCommand.version() + ": cloud, role " + settings.role().label());
        CloudPreflight.check(settings);

        ConfigurableApplicationContext context = start(settings, shard);
        try {
            printReady(out, settings, context, home, startNanos);
            String signal = awaitStopSignal();
            out.println("sightline cloud: " + signal + ", stopping (in-flight work may take up to " + graceSeconds + " s) ...");
            out.flush();
        } catch (RuntimeException | Error e) {
            context.close();
            throw e;
        }
        long stopNanos = System.nanoTime();
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.SECONDS.toMillis(graceSeconds + STOP_WATCHDOG_EXTRA_SECONDS));
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("sightline: error: the cloud did not stop within " + (graceSeconds + STOP_WATCHDOG_EXTRA_SECONDS)
                    + " s; exiting without finishing (run with --verbose to see what held it)");
            System.err.flush();
            Runtime.getRuntime().halt(1);
        }, "sightline-cloud-stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        context.close();
        watchdog.interrupt();
        out.printf(Locale.ROOT, "sightline cloud: stopped cleanly in %.1f s%n", (System.nanoTime() - stopNanos) / 1e9);
        out.flush();
        return 0;
    }

    /**
     * {@code --shard} and {@code --shard-map}, checked here so that a wrong map is one line naming the
     * file rather than a failed Spring start; the environment's SIGHTLINE_SHARD_* apply when no flag is given.
     */
    private Map<String, String> shardProperties() {
        String id = shardId != null ? shardId : System.getenv("SIGHTLINE_SHARD_ID");
        String mapText = shardMap != null ? shardMap.toString() : System.getenv("SIGHTLINE_SHARD_MAP");
        if (id == null && mapText == null) {
            return Map.of();
        }
        if (id == null || id.isBlank() || mapText == null || mapText.isBlank()) {
            throw new WrongSettingException("--shard and --shard-map go together (a shard needs the map that says which fleets are its own)");
        }
        Path file = Path.of(mapText);
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new WrongSettingException("--shard-map: no shard map at " + file.toAbsolutePath());
        }
        io.sightline.cloud.shard.ShardMap map;
        try {
            map = io.sightline.cloud.shard.ShardMap.load(file);
        } catch (IllegalArgumentException e) {
            throw new WrongSettingException(e.getMessage());
        }
        if (map.shard(id).isEmpty()) {
            throw new WrongSettingException("--shard " + id + " is not in the shard map " + file.toAbsolutePath() + " (shards: "
                    + map.shards().keySet() + ")");
        }
        return Map.of("sightline.shard.id", id, "sightline.shard.map", file.toAbsolutePath().toString());
    }

    private ConfigurableApplicationContext start(CloudSettings settings, Map<String, String> shard) {
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, String> e : settings.properties().entrySet()) {
            args.add("--" + e.getKey() + "=" + e.getValue());
        }
        shard.forEach((k, v) -> args.add("--" + k + "=" + v));
        if (applications != null) {
            args.add("--sightline.cloud-apps.applications=" + applications);
        }
        if (!verbose()) {
            // A failed start is reported as one line by the launcher; Spring's own report is a stack trace.
            args.add("--logging.level.org.springframework.boot.SpringApplication=OFF");
            args.add("--logging.level.org.springframework.boot.diagnostics=OFF");
            args.add("--logging.level.org.springframework.boot.web.server.servlet.context=ERROR");
        }
        // Defaults only, below the environment: a deployment may tune them (SERVER_SHUTDOWN, ...).
        Map<String, Object> defaults = Map.of(
                "server.shutdown", "graceful",
                "spring.lifecycle.timeout-per-shutdown-phase", graceSeconds + "s");
        return new SpringApplicationBuilder(SightlineCloudApplication.class)
                .web(WebApplicationType.SERVLET)
                .logStartupInfo(false)
                .properties(defaults)
                .run(args.toArray(String[]::new));
    }

    /**
     * Waits for SIGTERM (an orchestrator's stop) or SIGINT (Ctrl-C). Handling them here rather than
     * in the JVM's exit hooks lets the context close while the process still runs normally, so the
     * exit code says whether the stop was clean (0) instead of always 143.
     */
    private static String awaitStopSignal() throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        AtomicReference<String> received = new AtomicReference<>();
        int handled = 0;
        for (String name : List.of("TERM", "INT")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                    received.compareAndSet(null, "SIG" + s.getName());
                    stop.countDown();
                });
                handled++;
            } catch (IllegalArgumentException e) {
                // The JVM keeps this signal (-Xrs, or a platform without it): its exit hooks close the context.
            }
        }
        if (handled == 0) {
            new CountDownLatch(1).await();
        }
        stop.await();
        return received.get() + " received";
    }

    private void printReady(PrintStream out, CloudSettings settings, ConfigurableApplicationContext context, Path home, long startNanos) {
        var env = context.getEnvironment();
        String port = env.getProperty("local.server.port", settings.port().value());
        String address = env.getProperty("server.address", "0.0.0.0");
        out.printf(Locale.ROOT, "ready in %.1f s%n", (System.nanoTime() - startNanos) / 1e9);
        out.printf(Locale.ROOT, "  listening     http://%s:%s  (API /api/v1, UI /ui/, readiness /actuator/health/readiness)%n", address, port);
        out.println("  database      " + describeDatabase(context, settings));
        IngestMqttProperties mqtt = context.getBean(IngestMqttProperties.class);
        List<String> broker = new ArrayList<>();
        if (settings.ingestBroker() != null && mqtt.enabled()) {
            broker.add("batches from $share/" + mqtt.shareGroup() + "/" + mqtt.topicRoot() + "/+/+/events on " + mqtt.url()
                    + " (" + settings.ingestBroker().origin() + ")");
        }
        if (settings.alertsBroker() != null) {
            broker.add("alerts to " + settings.alertsBroker().value() + " (" + settings.alertsBroker().origin() + ")");
        }
        out.println("  broker        " + (broker.isEmpty() ? "none (batches over HTTP only)" : String.join("; ", broker)));
        out.println("  ingestion     " + (settings.httpIngest() ? "POST /api/v1/ingest" : "off (role projections: batches go to ingest replicas)"));
        ProjectionProperties projections = context.getBean(ProjectionProperties.class);
        if (projections.enabled()) {
            var axon = context.getBean(org.axonframework.config.Configuration.class);
            TreeSet<String> names = new TreeSet<>(axon.eventProcessingConfiguration().eventProcessors().keySet());
            out.println("  projections   " + String.join(", ", names)
                    + (projections.maxClaimedSegments() > 0 ? " (claims at most " + projections.maxClaimedSegments() + " segments each)" : ""));
        } else {
            out.println("  projections   off (role ingest: projection replicas run them)");
        }
        if (projections.enabled()) {
            List<String> apps = context.getBean(io.sightline.cloud.apps.CloudApplicationProcessor.class).applications();
            out.println("  applications  " + (apps.isEmpty() ? "none in the cloud (--applications NAMES runs them over ended sessions)"
                    : String.join(", ", apps) + " over each ended session"));
        }
        if (settings.jwkSetUri().present()) {
            out.println("  tokens        verified against the JWK set " + settings.jwkSetUri().value() + " (" + settings.jwkSetUri().origin() + ")");
        } else {
            out.println("  tokens        HS256 key from " + settings.jwtSecret().origin());
            if (settings.embeddedDatabase() && settings.jwtSecret().origin().startsWith("the local key")) {
                out.println("                mint one: ./sightline token --secret-file " + home.resolve(LOCAL_SECRET_FILE)
                        + " --role investigator --fleet <fleet>");
            }
        }
        context.getBeanProvider(io.sightline.cloud.shard.ShardOwnership.class).ifAvailable(o -> out.println("  shard         "
                + o.shardId() + " of " + o.map().shards().keySet() + ", fleets " + o.ownedFleets() + " (others answered 421 with their shard)"));
        out.println("  stop          SIGTERM or Ctrl-C");
        out.flush();
    }

    private static String describeDatabase(ConfigurableApplicationContext context, CloudSettings settings) {
        String embeddedDir = context.getEnvironment().getProperty("sightline.embedded-postgres.active-data-dir");
        String version = "";
        try (Connection c = context.getBean(DataSource.class).getConnection()) {
            DatabaseMetaData meta = c.getMetaData();
            version = meta.getDatabaseProductName() + " " + meta.getDatabaseProductVersion();
            if (embeddedDir != null) {
                return "embedded " + version + " in " + embeddedDir + " (no --jdbc-url or SPRING_DATASOURCE_URL)";
            }
            return redact(meta.getURL()) + " as " + meta.getUserName() + " (" + version + ", " + settings.jdbcUrl().origin() + ")";
        } catch (java.sql.SQLException e) {
            return redact(settings.jdbcUrl().value()) + " (" + settings.jdbcUrl().origin() + "; metadata unavailable: " + e.getMessage() + ")";
        }
    }

    /** A JDBC URL fit to print: a password given in its query is replaced. */
    static String redact(String jdbcUrl) {
        return jdbcUrl == null ? null : jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    private boolean verbose() {
        CommandLine.Model.OptionSpec option = spec.findOption("--verbose");
        return option != null && Boolean.TRUE.equals(option.getValue());
    }
}
