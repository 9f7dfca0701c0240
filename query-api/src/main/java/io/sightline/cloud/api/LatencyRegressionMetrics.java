package io.sightline.cloud.api;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * {@code sightline_latency_regressions{fleet, model, software_version, stage}}: the findings of
 * each key, for Prometheus (issue 16 §6). Read from the findings table every
 * {@code sightline.monitoring.latency.metrics-refresh}, on every replica (the table is shared), so a
 * replica without the monitor exports the same figures.
 */
@Component
public class LatencyRegressionMetrics {

    public static final String REGRESSIONS = "sightline.latency.regressions";
    private static final Logger LOG = LoggerFactory.getLogger(LatencyRegressionMetrics.class);

    private final LatencyReadModel latency;
    private final MultiGauge regressions;
    private final ScheduledExecutorService refresher;

    public LatencyRegressionMetrics(LatencyReadModel latency, MeterRegistry meters,
            @Value("${sightline.monitoring.latency.metrics-refresh:15s}") Duration refresh) {
        this.latency = latency;
        this.regressions = MultiGauge.builder(REGRESSIONS)
                .description("Latency regressions found (LatencyRegressionDetected) per fleet, model sha256, software version and stage")
                .register(meters);
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "latency-metrics");
            t.setDaemon(true);
            return t;
        });
        long periodMillis = Math.max(1_000, refresh.toMillis());
        refresher.scheduleWithFixedDelay(this::refresh, 0, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Re-reads the findings; a failed read keeps the last figures (the database may be restarting). */
    public void refresh() {
        try {
            List<MultiGauge.Row<?>> rows = latency.regressionsPerKey().stream()
                    .<MultiGauge.Row<?>>map(k -> MultiGauge.Row.of(Tags.of("fleet", k.fleetId(), "model", k.modelSha256(),
                            "software_version", k.softwareVersion(), "stage", k.stage()), k.regressions()))
                    .toList();
            regressions.register(rows, true);
        } catch (RuntimeException e) {
            LOG.warn("Could not refresh the latency regression gauges: {}", e.getMessage());
        }
    }

    @PreDestroy
    void stop() {
        refresher.shutdownNow();
    }
}
