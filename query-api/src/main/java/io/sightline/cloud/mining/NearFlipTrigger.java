package io.sightline.cloud.mining;

import io.sightline.domain.event.RiskAssessed;
import io.sightline.explain.StoredEvent;
import io.sightline.explain.margins.Counterfactual;
import io.sightline.explain.margins.Counterfactuals;
import io.sightline.explain.margins.FactorMargin;
import java.util.List;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Decisions within {@link #MAX_RELATIVE_MARGIN} of flipping: a decisive factor that alone would have
 * flipped the decision (the same rule the investigator's counterfactual margins use,
 * {@link Counterfactuals}) sits within 10 % of its threshold. A small error in the detector's box
 * there changes whether the driver is warned, so these frames carry the most information per label.
 * The closer, the higher the weight.
 */
@Component
@Order(30)
public class NearFlipTrigger implements MiningTrigger {

    static final double MAX_RELATIVE_MARGIN = 0.10;
    static final double MIN_WEIGHT = 10;
    static final double MAX_WEIGHT = 30;

    @Override
    public String name() {
        return "near-flip";
    }

    @Override
    public void scan(MinedSession session, Hits hits) {
        for (StoredEvent e : session.events(RiskAssessed.class)) {
            RiskAssessed r = (RiskAssessed) e.payload();
            StoredEvent frame = session.frame(r.frameId());
            if (frame == null) {
                continue;
            }
            Counterfactual c = Counterfactuals.of(r);
            for (FactorMargin f : c.factors()) {
                if (!f.decisive() || !f.flipsDecision() || "bool".equals(f.unit()) || !Double.isFinite(f.marginInUnit())) {
                    continue;
                }
                double relative = Math.abs(f.marginInUnit()) / Math.max(Math.abs(f.threshold()), 1e-9);
                if (relative <= MAX_RELATIVE_MARGIN) {
                    double weight = MIN_WEIGHT + (MAX_WEIGHT - MIN_WEIGHT) * (1 - relative / MAX_RELATIVE_MARGIN);
                    hits.add(frame.eventId(), weight, r.ruleName() + " " + (c.alerted() ? "alert" : "no alert") + " on " + r.trackId()
                                    + " within " + String.format(java.util.Locale.ROOT, "%.1f", 100 * relative) + " % of flipping: "
                                    + f.statement(), null, List.of(e.eventId(), frame.eventId()));
                }
            }
        }
    }
}
