package io.sightline.cloud.mining;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.explain.StoredEvent;
import java.util.List;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The driver braked harder than {@link #BRAKING_MPS2} (longitudinal acceleration below −4 m/s²) with
 * no forward-collision warning from {@link #WARNING_BEFORE_NANOS} before to {@link #WARNING_AFTER_NANOS}
 * after: either a hazard the system missed or a brake it had no reason to warn about; both are worth a
 * label. The frames of the 2 s before the braking sample are taken, when a warning would have helped.
 */
@Component
@Order(70)
public class HardBrakingWithoutWarningTrigger implements MiningTrigger {

    static final double BRAKING_MPS2 = 4.0;
    static final long WARNING_BEFORE_NANOS = 3_000_000_000L;
    static final long WARNING_AFTER_NANOS = 500_000_000L;
    static final long FRAMES_BEFORE_NANOS = 2_000_000_000L;
    static final double WEIGHT = 50;
    static final String FCW = "FORWARD_COLLISION";

    @Override
    public String name() {
        return "hard-braking-no-fcw";
    }

    @Override
    public void scan(MinedSession session, Hits hits) {
        List<StoredEvent> warnings = session.events(AlertRaised.class).stream()
                .filter(e -> FCW.equals(((AlertRaised) e.payload()).kind())).toList();
        for (StoredEvent e : session.events(VehicleStateSampled.class)) {
            Double accel = ((VehicleStateSampled) e.payload()).longitudinalAccelMps2();
            if (accel == null || !(accel < -BRAKING_MPS2)) {
                continue;
            }
            long t = e.occurredAtNanos();
            boolean warned = warnings.stream().anyMatch(w -> w.occurredAtNanos() >= t - WARNING_BEFORE_NANOS
                    && w.occurredAtNanos() <= t + WARNING_AFTER_NANOS);
            if (warned) {
                continue;
            }
            for (StoredEvent frame : session.framesBetween(t - FRAMES_BEFORE_NANOS, t)) {
                hits.add(frame.eventId(), WEIGHT, "braking at " + String.format(java.util.Locale.ROOT, "%.1f", -accel)
                        + " m/s² with no forward-collision warning from -3.0 s to +0.5 s", null, List.of(e.eventId(), frame.eventId()));
            }
        }
    }
}
