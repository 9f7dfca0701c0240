package io.sightline.cloud.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link RolloutService#tick} on one daemon thread. It keeps no state: every check starts
 * from the stored events, so stopping it anywhere loses nothing. Several replicas may each run one;
 * the aggregate acknowledges a decision already taken and refuses one the rollout has moved past.
 */
public class RolloutScheduler {

    private static final Logger LOG = LoggerFactory.getLogger(RolloutScheduler.class);

    private final RolloutService service;
    private final Duration interval;
    private ScheduledExecutorService executor;

    public RolloutScheduler(RolloutService service, Duration interval) {
        this.service = service;
        this.interval = interval;
    }

    public void start() {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rollout-scheduler");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(() -> {
            try {
                service.tick(Instant.now());
            } catch (RuntimeException e) {
                LOG.warn("rollout check failed; the next one starts again from the stored events", e);
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void stop() throws InterruptedException {
        if (executor != null) {
            executor.shutdownNow();
            executor.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
