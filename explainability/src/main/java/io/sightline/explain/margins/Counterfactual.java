package io.sightline.explain.margins;

import java.util.List;

/**
 * The counterfactual margins of one RiskAssessed.
 *
 * @param alerted          whether the assessment requested an alert (level other than NONE)
 * @param ttcFromKinematicsS TTC recomputed from the recorded range, closing speed and relative
 *                         acceleration; the kinematic bounds are exact for this TTC
 * @param kinematicsMatchRecordedTtc false when the recorded TTC came from elsewhere (scale
 *                         expansion) and differs by more than 1 %: the bounds are then approximate
 */
public record Counterfactual(String assessmentId, String ruleName, String policyVersion, boolean alerted,
                             List<FactorMargin> factors, List<KinematicBound> kinematics, double ttcFromKinematicsS,
                             boolean kinematicsMatchRecordedTtc) {
}
