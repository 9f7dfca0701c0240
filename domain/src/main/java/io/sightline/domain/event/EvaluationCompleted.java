package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * An evaluation of a policy (and model) over a suite of scenario families, stored in the cloud so
 * that a rollout can use it as a gate (issue 15 §6, issue 17). Keyed by policy version, model
 * sha256 and suite hash: the same three say the same evaluation was run.
 *
 * @param evaluationId   the submitter's id; a second submission under it is the same evaluation, stored once
 * @param modelSha256    the detector the evaluation ran, or null for the simulator's boxes (scenario families)
 * @param suiteSha256    sha256 over the families' ids and file hashes, in order: the suite's identity
 * @param gate           the release gate checked, or null
 * @param gatePassed     its verdict, or null without a gate
 * @param familyResults  per family: runs, failed runs and the one-sided 95 % upper bound on the failure rate
 * @param submittedBy    who stored it (the token's subject)
 */
@Revision("1")
public record EvaluationCompleted(
        String evaluationId,
        String policyVersion,
        String modelSha256,
        String suite,
        String suiteSha256,
        long seed,
        int runsPerCell,
        int families,
        int runs,
        int failedRuns,
        String gate,
        Boolean gatePassed,
        int gateBoundsFailed,
        List<FamilyResult> familyResults,
        String tool,
        String submittedBy,
        long completedAtNanos) implements SightlineEvent {

    public EvaluationCompleted {
        familyResults = List.copyOf(familyResults);
    }

    public record FamilyResult(String familyId, String kind, int runs, int failedRuns, double failureUpper95) {
    }
}
