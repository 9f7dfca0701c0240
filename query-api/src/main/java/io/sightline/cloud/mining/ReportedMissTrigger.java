package io.sightline.cloud.mining;

import io.sightline.cloud.api.AlertReadModel.MissedReport;
import java.util.List;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The frames around a hazard a reviewer reported the system missed (MissedEventReported): from
 * {@link #BEFORE_NANOS} before the reported time, when a forward-collision warning at the NHTSA
 * minimum of 2.0 s TTC would have had to be raised, to {@link #AFTER_NANOS} after it, for a reporter's
 * imprecise clock.
 */
@Component
@Order(20)
public class ReportedMissTrigger implements MiningTrigger {

    static final double WEIGHT = 100;
    static final long BEFORE_NANOS = 2_000_000_000L;
    static final long AFTER_NANOS = 500_000_000L;

    @Override
    public String name() {
        return "reported-miss";
    }

    @Override
    public boolean reviewBacked() {
        return true;
    }

    @Override
    public void scan(MinedSession session, Hits hits) {
        for (MissedReport miss : session.missedReports()) {
            for (var frame : session.framesBetween(miss.occurredAtNanos() - BEFORE_NANOS, miss.occurredAtNanos() + AFTER_NANOS)) {
                hits.add(frame.eventId(), WEIGHT, "missed " + miss.kind() + " reported by " + miss.reporter() + " at "
                        + miss.occurredAtNanos() + " ns; this frame is within -2.0 s … +0.5 s of it", null,
                        List.of(miss.reportId(), frame.eventId()));
            }
        }
    }
}
