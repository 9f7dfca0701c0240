package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A rollout of a challenger model and/or policy began in a fleet (issue 17 §4), in
 * {@code rollout/<rolloutId>}. The population is fixed here, in cohort order, so every later step
 * and a rollback are computed from the stored events alone.
 *
 * @param championModelSha256   what the population ran when the rollout started, and what a rollback restores
 * @param championPolicySha256  the same for the policy
 * @param challengerModelSha256 the model being rolled out, or null when only the policy changes
 * @param challengerPolicySha256 the policy being rolled out, or null when only the model changes
 * @param steps                 the plan: an optional shadow step first, then canary steps up to 100 %
 * @param gates                 the gates checked at every step, with their thresholds
 * @param onGateFailure         {@code rollback} or {@code halt}
 * @param cohortHash            how {@code vehicleIds} were ordered ({@code sha256-v1}: docs/rollouts.md)
 * @param vehicleIds            the fleet's vehicles on the champion at the start, in cohort order: a step of
 *                              share p takes the first ceil(p / 100 × n)
 * @param causes                the registration events of the challenger model and policy
 */
@Revision("1")
public record RolloutStarted(
        String rolloutId,
        String fleetId,
        String championModelSha256,
        String championPolicySha256,
        String challengerModelSha256,
        String challengerPolicySha256,
        List<RolloutStep> steps,
        List<RolloutGateConfig> gates,
        String onGateFailure,
        String cohortHash,
        List<String> vehicleIds,
        String startedBy,
        long startedAtNanos,
        List<String> causes) implements DerivedEvent {

    public static final String ROLLBACK = "rollback";
    public static final String HALT = "halt";

    public RolloutStarted {
        steps = List.copyOf(steps);
        gates = List.copyOf(gates);
        vehicleIds = List.copyOf(vehicleIds);
        causes = List.copyOf(causes);
    }
}
