package io.sightline.cloud.rollout;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * {@code sightline_rollout_rollback_unconfirmed_vehicles{fleet, rollout, confirmation}}: per rollback
 * not yet confirmed by every vehicle it restored, how many have not confirmed now (ADR-0044).
 * {@code confirmation} is {@code PENDING} before the deadline and {@code UNCONFIRMED} once the alarm
 * was stored, which is what to alert on; a confirmed rollback leaves the gauge. Read from the shared
 * tables every {@code sightline.rollouts.metrics-refresh} on every replica.
 */
@Component
public class RollbackConfirmationMetrics {

    public static final String UNCONFIRMED = "sightline.rollout.rollback.unconfirmed.vehicles";
    private static final Logger LOG = LoggerFactory.getLogger(RollbackConfirmationMetrics.class);

    private final RolloutService rollouts;
    private final MultiGauge gauge;
    private final ScheduledExecutorService refresher;

    public RollbackConfirmationMetrics(RolloutService rollouts, MeterRegistry meters,
                                       @Value("${sightline.rollouts.metrics-refresh:15s}") Duration refresh) {
        this.rollouts = rollouts;
        this.gauge = MultiGauge.builder(UNCONFIRMED)
                .description("Vehicles a rollback restored that have not confirmed the champion yet, per rollout not yet confirmed")
                .register(meters);
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rollback-metrics");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(this::refresh, 0, Math.max(1_000, refresh.toMillis()), TimeUnit.MILLISECONDS);
    }

    /** Re-reads the rollbacks; a failed read keeps the last figures (the database may be restarting). */
    public void refresh() {
        try {
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            for (String id : rollouts.rollbacksToConfirm()) {
                RolloutState s = rollouts.load(id).orElse(null);
                RolloutService.RollbackStatus c = s == null ? null : rollouts.rollbackStatus(s);
                if (c != null) {
                    rows.add(MultiGauge.Row.of(Tags.of("fleet", c.fleetId(), "rollout", c.rolloutId(), "confirmation", c.status()),
                            c.unconfirmed()));
                }
            }
            gauge.register(rows, true);
        } catch (RuntimeException e) {
            LOG.warn("Could not refresh the rollback confirmation gauges: {}", e.getMessage());
        }
    }

    @PreDestroy
    void stop() {
        refresher.shutdownNow();
    }
}
