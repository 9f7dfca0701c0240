package io.sightline.explain.whatif;

import io.sightline.domain.event.RiskAssessed;

/**
 * Decides one recorded assessment under another policy. {@link RecordedFactorDecisionModel}
 * re-evaluates the recorded factor values; the edge's live {@code RiskEvaluator} can implement
 * this interface later (from an adapter in a module that may depend on edge-projector, e.g.
 * {@code app}) to re-run the rules on the recorded kinematics, including state the recorded
 * factors cannot capture (hysteresis, the headway duration timer).
 */
@FunctionalInterface
public interface DecisionModel {

    Decision decide(RiskAssessed recorded, PolicyThresholds policy);
}
