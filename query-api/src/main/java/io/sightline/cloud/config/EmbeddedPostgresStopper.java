package io.sightline.cloud.config;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Stops the embedded PostgreSQL as the very last lifecycle step of a closing context, after Axon's
 * processors and every other component using the database have stopped. Stopping it on the
 * context-closed event, before them, logged broken connections at every shutdown.
 */
@Component
public class EmbeddedPostgresStopper implements SmartLifecycle, EnvironmentAware {

    /** The longest a closing context waits for statements still running on the embedded server. */
    static final Duration QUIET_WAIT = Duration.ofSeconds(5);

    private Environment environment;
    private volatile boolean running;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        if (EmbeddedPostgresEnvironmentPostProcessor.startedFor(environment)) {
            awaitQuiet();
        }
        EmbeddedPostgresEnvironmentPostProcessor.releaseFor(environment);
    }

    /**
     * Waits, at most {@link #QUIET_WAIT}, until no other session runs a statement or holds a
     * transaction open. Stopping components do not all wait for their threads (Axon's event store
     * reader can be finishing a fetch after its shutdown returned), and the server's fast shutdown
     * would terminate such a session mid-commit, which its thread then logs as an error.
     */
    private void awaitQuiet() {
        // A connection of its own with short timeouts, not one from the pool: if the server is
        // already gone, the pool would wait its full connection timeout for nothing.
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", environment.getProperty("spring.datasource.username", "postgres"));
        props.setProperty("password", environment.getProperty("spring.datasource.password", ""));
        props.setProperty("connectTimeout", "2");
        props.setProperty("socketTimeout", "5");
        String url = environment.getProperty("spring.datasource.url");
        if (url == null) {
            return;
        }
        long deadline = System.nanoTime() + QUIET_WAIT.toNanos();
        try (Connection c = new org.postgresql.Driver().connect(url, props);
             PreparedStatement busy = c.prepareStatement("select count(*) from pg_stat_activity where pid <> pg_backend_pid()"
                     + " and backend_type = 'client backend' and state in ('active', 'idle in transaction')")) {
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = busy.executeQuery()) {
                    if (rs.next() && rs.getLong(1) == 0) {
                        return;
                    }
                }
                Thread.sleep(20);
            }
        } catch (SQLException | RuntimeException e) {
            // The server is already going: nothing left to wait for.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Lowest phase: started first, stopped last. */
    @Override
    public int getPhase() {
        return Integer.MIN_VALUE;
    }
}
