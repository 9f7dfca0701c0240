package io.sightline.eval.replay;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Replays a candidate policy over the sessions stored in the cloud (issue 15 §5). The evaluation
 * module defines the question and the report; the launcher, which holds the replay and the store
 * access, answers it (a {@link java.util.ServiceLoader} provider), so that the evaluation stays
 * free of the cloud's and the edge runtime's classes.
 */
public interface ReplayBackend {

    /**
     * @param policyFile the candidate risk policy (JSON, docs/risk-policy.md)
     * @param fleetId    null for every fleet
     * @param fromNanos  sessions started at or after, or null
     * @param toNanos    sessions started before, or null
     */
    record Request(String jdbcUrl, String user, String password, Path policyFile, String fleetId, Long fromNanos, Long toNanos) {
    }

    /**
     * An alert raised in one run and not the other.
     *
     * @param atS     seconds after the session start
     * @param verdict the reviewer's verdict of a recorded alert (TRUE_POSITIVE, FALSE_POSITIVE, UNSURE), or null
     */
    record AlertChange(String sessionId, String alertId, String kind, double atS, String verdict) {
    }

    /**
     * @param drivingHours          time the sessions' vehicle-state samples say the vehicle moved
     * @param alertRateChangePerHour replayed minus recorded alerts per hour of driving; null without driving time
     * @param skipped               sessions that could not be replayed, each with why
     */
    record Report(String candidatePolicy, List<String> recordedPolicies, String fleetId, Long fromNanos, Long toNanos, int sessions,
                  long frames, double drivingHours, int recordedAlerts, int replayedAlerts, List<AlertChange> gained,
                  List<AlertChange> lost, int reviewedTruePositivesLost, int reviewedFalsePositivesRemoved, int unreviewedLost,
                  Double recordedAlertsPerHour, Double replayedAlertsPerHour, Double alertRateChangePerHour, List<String> skipped) {
    }

    Report evaluate(Request request, Consumer<String> progress) throws Exception;
}
