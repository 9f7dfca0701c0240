package io.sightline.cloud.monitoring.camera;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sightline.cloud.api.CameraHealthReadModel;
import io.sightline.cloud.monitoring.CachedCounts;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Camera-health episodes as Prometheus metrics: {@code sightline_camera_obstructions_open{condition}},
 * the episodes not yet restored across fleets. Read at most every 5 s however often it is scraped.
 */
@Component
public class CameraHealthMetrics {

    static final List<String> CONDITIONS = List.of("DARK", "COVERED", "BLURRED");
    static final long REFRESH_NANOS = 5_000_000_000L;

    public CameraHealthMetrics(CameraHealthReadModel episodes, MeterRegistry meters) {
        CachedCounts open = new CachedCounts(episodes::openByCondition, REFRESH_NANOS);
        for (String condition : CONDITIONS) {
            Gauge.builder("sightline.camera.obstructions.open", () -> open.get(condition))
                    .description("camera-health episodes (CameraObstructed) not yet restored").tag("condition", condition).register(meters);
        }
    }
}
