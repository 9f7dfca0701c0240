package io.sightline.cloud.config;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;

/**
 * With no {@code spring.datasource.url} configured, starts an embedded PostgreSQL whose data lives
 * in a folder that survives restarts (ADR-0003), so a newcomer needs no database. A configured URL
 * always wins.
 */
public class EmbeddedPostgresEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    public static final String DATA_DIR_PROPERTY = "sightline.embedded-postgres.data-dir";
    public static final String ENABLED_PROPERTY = "sightline.embedded-postgres.enabled";
    static final String SOURCE_NAME = "sightline-embedded-postgres";
    private static EmbeddedPostgres running;
    /** Contexts using {@link #running}; the server stops when the last one closes. */
    private static int users;

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.getProperty(ENABLED_PROPERTY, Boolean.class, true)) {
            return;
        }
        // Lowest precedence and lazy: a URL from any other source (application.properties, env,
        // --args, a test's @DynamicPropertySource added later) wins, and then no server starts.
        environment.getPropertySources().addLast(new LazyEmbeddedSource(environment));
    }

    /**
     * Stops the server this environment started, if any; called by
     * {@link EmbeddedPostgresStopper} after every other lifecycle component has stopped.
     */
    static void releaseFor(org.springframework.core.env.Environment environment) {
        if (startedFor(environment)) {
            release();
        }
    }

    /** Whether this environment's datasource is the embedded server, started by it. */
    static boolean startedFor(org.springframework.core.env.Environment environment) {
        return environment instanceof ConfigurableEnvironment configurable
                && configurable.getPropertySources().get(SOURCE_NAME) instanceof LazyEmbeddedSource source && source.started();
    }

    /** Starts the embedded server the first time someone asks it for a datasource property. */
    private static final class LazyEmbeddedSource extends PropertySource<Object> {
        private final ConfigurableEnvironment environment;
        private volatile Map<String, Object> values;

        LazyEmbeddedSource(ConfigurableEnvironment environment) {
            super(SOURCE_NAME);
            this.environment = environment;
        }

        boolean started() {
            return values != null;
        }

        @Override
        public Object getProperty(String name) {
            if (!name.startsWith("spring.datasource.") && !name.startsWith("sightline.embedded-postgres.active")) {
                return null;
            }
            Map<String, Object> v = values;
            if (v == null && datasourceConfiguredElsewhere()) {
                // Spring asks for every spring.datasource.* setting it binds (driver, pool, ...);
                // with a URL from anywhere else, those lookups must not start a server nobody uses.
                return null;
            }
            if (v == null) {
                synchronized (this) {
                    if (values == null) {
                        values = startAndDescribe();
                    }
                    v = values;
                }
            }
            return v.get(name);
        }

        /**
         * Whether another property source (arguments, environment variables, property files)
         * defines {@code spring.datasource.url}. Asked of the sources directly: asking the
         * environment would come back to this source. The attached configuration-properties view
         * wraps every source, this one included, so it is skipped for the same reason.
         */
        private boolean datasourceConfiguredElsewhere() {
            for (PropertySource<?> source : environment.getPropertySources()) {
                if (source != this && !ConfigurationPropertySources.isAttachedConfigurationPropertySource(source)
                        && source.containsProperty("spring.datasource.url")) {
                    return true;
                }
            }
            return false;
        }

        private Map<String, Object> startAndDescribe() {
            Path dataDir = Path.of(environment.getProperty(DATA_DIR_PROPERTY,
                    environment.getProperty("sightline.home", ".") + "/.sightline/pgdata")).toAbsolutePath().normalize();
            EmbeddedPostgres pg = start(dataDir);
            Map<String, Object> props = new HashMap<>();
            props.put("spring.datasource.url", pg.getJdbcUrl("postgres", "postgres"));
            props.put("spring.datasource.username", "postgres");
            props.put("spring.datasource.password", "");
            props.put("sightline.embedded-postgres.active-data-dir", dataDir.toString());
            return props;
        }
    }

    private static synchronized EmbeddedPostgres start(Path dataDir) {
        users++;
        if (running != null) {
            return running;
        }
        try {
            Files.createDirectories(dataDir);
            // Zonky runs initdb only when the folder holds no cluster yet, so data survives restarts.
            running = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    // Zonky's own exit hook stops the server at once; ours (below) waits for the contexts.
                    .setRegisterShutdownHook(false)
                    .start();
        } catch (IOException e) {
            users--;
            throw new IllegalStateException("Cannot start the embedded PostgreSQL in " + dataDir + ": " + e.getMessage()
                    + ". If another Sightline is running on this folder, stop it, or set spring.datasource.url to a server.", e);
        }
        EmbeddedPostgres pg = running;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // The JVM runs shutdown hooks at once, Spring's among them: stopping the server right
            // away cut the closing context's processors off mid-transaction. The last context
            // releases it itself (EmbeddedPostgresStopper); this hook waits for that, bounded,
            // and stops the server only if it is still running then.
            awaitReleased(pg, RELEASE_WAIT_MILLIS);
            try {
                // Closing twice is harmless: Zonky ignores a stop of a stopped server.
                pg.close();
            } catch (IOException ignored) {
                // The JVM is exiting; PostgreSQL's own shutdown handles the rest.
            }
        }, "embedded-postgres-stop"));
        return pg;
    }

    /** How long the exit hook leaves the closing contexts to release the server themselves. */
    static final long RELEASE_WAIT_MILLIS = 20_000;

    private static synchronized void awaitReleased(EmbeddedPostgres pg, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        try {
            while (running == pg) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return;
                }
                EmbeddedPostgresEnvironmentPostProcessor.class.wait(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the server with the last context, so the next start in this JVM reopens the folder. */
    private static synchronized void release() {
        if (users > 0 && --users == 0 && running != null) {
            try {
                running.close();
            } catch (IOException ignored) {
                // Best effort: the shutdown hook tries again at exit.
            }
            running = null;
            EmbeddedPostgresEnvironmentPostProcessor.class.notifyAll();
        }
    }

    @Override
    public int getOrder() {
        // After config data, so application.properties, env vars and --args can set the URL.
        return Ordered.LOWEST_PRECEDENCE;
    }
}
