package io.sightline.cloud.mining;

import java.util.List;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/** The frames of the causal trace of every alert a reviewer called FALSE_POSITIVE: what the system got wrong, with a human's word. */
@Component
@Order(10)
public class FalsePositiveVerdictTrigger implements MiningTrigger {

    static final double WEIGHT = 100;

    @Override
    public String name() {
        return "false-positive-verdict";
    }

    @Override
    public boolean reviewBacked() {
        return true;
    }

    @Override
    public void scan(MinedSession session, Hits hits) {
        for (MinedSession.FalsePositive fp : session.falsePositives()) {
            for (String frameEventId : fp.traceFrameEventIds()) {
                if (session.event(frameEventId) != null) {
                    hits.add(frameEventId, WEIGHT, fp.kind() + " alert reviewed FALSE_POSITIVE; this frame is in its causal trace",
                            fp.alertId(), List.of(fp.alertEventId(), frameEventId));
                }
            }
        }
    }
}
