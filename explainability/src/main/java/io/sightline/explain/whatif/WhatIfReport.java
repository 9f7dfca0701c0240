package io.sightline.explain.whatif;

import java.util.List;
import java.util.Set;

/**
 * The decisions of a time window of a session under its recorded policy and under another one.
 *
 * @param recordedPolicyVersions the versions the recorded assessments name
 * @param assessments            RiskAssessed events re-decided
 * @param changedDecisions       assessments whose request flipped
 * @param recordedAlerts         each AlertRaised of the window: kept or gone under the what-if policy
 * @param appearingAlerts        alerts the what-if policy would raise where nothing was requested
 * @param limitations            what this replay could not model
 */
public record WhatIfReport(String sessionId, long fromNanos, long toNanos, Set<String> recordedPolicyVersions, String whatIfVersion,
                           int assessments, List<DecisionChange> changedDecisions, List<AlertOutcome> recordedAlerts,
                           List<AppearingAlert> appearingAlerts, List<String> limitations) {

    /**
     * One factor under both policies.
     *
     * @param whatIfMarginInUnit signed distance to flipping under the what-if threshold; positive = holds
     */
    public record FactorChange(String factor, String unit, double value, String comparison, double recordedThreshold,
                               double whatIfThreshold, boolean recordedTriggered, boolean whatIfTriggered,
                               double whatIfMarginInUnit) {
    }

    /** An assessment whose request flipped. */
    public record DecisionChange(String assessmentEventId, long occurredAtNanos, double sessionTimeS, String trackId,
                                 String ruleName, String recordedLevel, String whatIfLevel, List<FactorChange> flippedFactors) {
    }

    public enum Outcome { KEPT, DISAPPEARS }

    /**
     * A recorded alert under the what-if policy.
     *
     * @param whatIfFirstRequestNanos start of the what-if episode of the same track and rule that overlaps the
     *                                alert's active interval; null when it disappears
     * @param shiftS                  that start minus the recorded raise time, s (negative = earlier); NaN when it disappears
     * @param decidingFactors         the deciding assessment's factors under both policies
     */
    public record AlertOutcome(String alertId, String kind, String trackId, long raisedAtNanos, double sessionTimeS, Outcome outcome,
                               Long whatIfFirstRequestNanos, double shiftS, List<FactorChange> decidingFactors) {
    }

    /** An alert the what-if policy would request where the recorded policy requested nothing. */
    public record AppearingAlert(String ruleName, String trackId, String level, String firstAssessmentEventId, long atNanos,
                                 double sessionTimeS, int assessmentsRequested, List<FactorChange> factors) {
    }
}
