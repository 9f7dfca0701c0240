package io.sightline.cloud.monitoring.drift;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sightline.cloud.api.DriftReadModel;
import io.sightline.cloud.monitoring.CachedCounts;
import org.springframework.stereotype.Component;

/**
 * Drift findings as Prometheus metrics: {@code sightline_drift_findings_open{scope, feature}}, the
 * findings open now across fleets (a fleet's own are at {@code /api/v1/monitoring/drift}). Read at
 * most once per {@link #REFRESH_NANOS} however often it is scraped.
 */
@Component
public class DriftMetrics {

    static final long REFRESH_NANOS = 5_000_000_000L;

    public DriftMetrics(DriftReadModel drift, MeterRegistry meters) {
        CachedCounts open = new CachedCounts(drift::openByScopeAndFeature, REFRESH_NANOS);
        for (String scope : io.sightline.domain.monitoring.DriftLog.SCOPES) {
            for (DriftFeature f : DriftFeature.values()) {
                String key = scope + " " + f.id();
                Gauge.builder("sightline.drift.findings.open", () -> open.get(key))
                        .description("drift findings open now (DriftDetected without DriftCleared)")
                        .tag("scope", scope).tag("feature", f.id()).register(meters);
            }
        }
    }
}
