package io.sightline.domain.monitoring;

import io.sightline.domain.event.DriftMeasurement;
import java.util.List;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * The drift monitor's comparison of one scope's current window with its reference window, after a
 * session ended. The log turns it into {@code DriftDetected} for a feature that newly drifted and
 * {@code DriftCleared} for one that came back; a feature that stays as it was emits nothing.
 *
 * @param logId              {@link DriftLog#idFor(String, String)}
 * @param evaluationId       names this comparison; part of the findings' deterministic event ids
 * @param evaluatedAtNanos   the end of the current window's last session: evaluations are applied in this order
 * @param referenceCauses    the reference window's EdgeWindowSummarized event ids
 * @param currentCauses      the current window's
 * @param results            per feature, its measurement and verdict
 */
public record RecordDriftEvaluation(
        @TargetAggregateIdentifier String logId,
        String evaluationId,
        String scope,
        String scopeKey,
        String fleetId,
        String modelSha256,
        String driftPolicyVersion,
        long evaluatedAtNanos,
        List<String> referenceSessionIds,
        List<String> currentSessionIds,
        long referenceFromNanos,
        long referenceToNanos,
        long currentFromNanos,
        long currentToNanos,
        List<String> referenceCauses,
        List<String> currentCauses,
        List<FeatureResult> results) {

    public RecordDriftEvaluation {
        referenceSessionIds = List.copyOf(referenceSessionIds);
        currentSessionIds = List.copyOf(currentSessionIds);
        referenceCauses = List.copyOf(referenceCauses);
        currentCauses = List.copyOf(currentCauses);
        results = List.copyOf(results);
    }

    /** What the session-level test said of one feature. */
    public enum Verdict {
        DRIFTED,
        NOT_DRIFTED,
        /** Too few sessions or values to say either; never ends or starts a finding. */
        NOT_ENOUGH_DATA
    }

    /** @param measurement null with {@link Verdict#NOT_ENOUGH_DATA} when nothing could be measured */
    public record FeatureResult(String feature, Verdict verdict, DriftMeasurement measurement) {
    }
}
