package io.sightline.cloud.monitoring.camera;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sightline.cloud.api.CameraHealthReadModel;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Camera-health episodes as Prometheus metrics: {@code sightline_camera_obstructions_open{condition}},
 * the episodes not yet restored across fleets. Read at most every 5 s however often it is scraped.
 */
@Component
public class CameraHealthMetrics {

    static final List<String> CONDITIONS = List.of("DARK", "COVERED", "BLURRED");
    static final long REFRESH_NANOS = 5_000_000_000L;

    private final CameraHealthReadModel episodes;
    private volatile Map<String, Long> open = Map.of();
    private volatile long readAtNanos = Long.MIN_VALUE;

    public CameraHealthMetrics(CameraHealthReadModel episodes, MeterRegistry meters) {
        this.episodes = episodes;
        for (String condition : CONDITIONS) {
            Gauge.builder("sightline.camera.obstructions.open", () -> snapshot().getOrDefault(condition, 0L))
                    .description("camera-health episodes (CameraObstructed) not yet restored").tag("condition", condition).register(meters);
        }
    }

    private Map<String, Long> snapshot() {
        long now = System.nanoTime();
        if (readAtNanos == Long.MIN_VALUE || now - readAtNanos > REFRESH_NANOS) {
            open = episodes.openByCondition();
            readAtNanos = now;
        }
        return open;
    }
}
