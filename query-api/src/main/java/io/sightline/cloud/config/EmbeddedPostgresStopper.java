package io.sightline.cloud.config;

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
        EmbeddedPostgresEnvironmentPostProcessor.releaseFor(environment);
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
