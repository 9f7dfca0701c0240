package io.sightline.cloud.mining;

import io.sightline.cloud.api.DriftReadModel;
import io.sightline.explain.StoredEvent;
import java.util.List;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The frames of a session in a drift finding's current window (DriftDetected, docs/monitoring.md):
 * the pictures or the detector's output there differ from the reference, which is what the next
 * model needs examples of. The weight is the lowest of the triggers: a drift covers whole sessions,
 * so it lifts a frame that another trigger names and fills the budget only when nothing else does.
 */
@Component
@Order(80)
public class DriftWindowTrigger implements MiningTrigger {

    static final double WEIGHT = 5;

    private final DriftReadModel drift;

    public DriftWindowTrigger(DriftReadModel drift) {
        this.drift = drift;
    }

    @Override
    public String name() {
        return "drift-window";
    }

    @Override
    public void scan(MinedSession session, Hits hits) {
        for (DriftReadModel.Finding f : drift.findingsWithSessionInWindow(session.sessionId())) {
            String reason = f.scope() + " " + f.scopeKey() + ": " + f.feature() + " drifted (" + f.measurement().statistic() + " "
                    + f.measurement().statisticValue() + ", session-level p " + f.measurement().sessionPValue() + "); this session is in its"
                    + " current window";
            for (StoredEvent frame : session.frames()) {
                hits.add(frame.eventId(), WEIGHT, reason, null, List.of(f.detectedEventId(), frame.eventId()));
            }
        }
    }
}
