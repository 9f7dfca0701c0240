package io.sightline.cloud.monitoring.drift;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sightline.cloud.api.DriftReadModel;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Drift findings as Prometheus metrics: {@code sightline_drift_findings_open{scope, feature}}, the
 * findings open now across fleets (a fleet's own are at {@code /api/v1/monitoring/drift}). Read at
 * most once per {@link #REFRESH_NANOS} however often it is scraped.
 */
@Component
public class DriftMetrics {

    static final long REFRESH_NANOS = 5_000_000_000L;

    private final DriftReadModel drift;
    private volatile Map<String, Long> open = Map.of();
    private volatile long readAtNanos = Long.MIN_VALUE;

    public DriftMetrics(DriftReadModel drift, MeterRegistry meters) {
        this.drift = drift;
        for (String scope : io.sightline.domain.monitoring.DriftLog.SCOPES) {
            for (DriftFeature f : DriftFeature.values()) {
                String key = scope + " " + f.id();
                Gauge.builder("sightline.drift.findings.open", () -> snapshot().getOrDefault(key, 0L))
                        .description("drift findings open now (DriftDetected without DriftCleared)")
                        .tag("scope", scope).tag("feature", f.id()).register(meters);
            }
        }
    }

    private Map<String, Long> snapshot() {
        long now = System.nanoTime();
        if (readAtNanos == Long.MIN_VALUE || now - readAtNanos > REFRESH_NANOS) {
            open = drift.openByScopeAndFeature();
            readAtNanos = now;
        }
        return open;
    }
}
