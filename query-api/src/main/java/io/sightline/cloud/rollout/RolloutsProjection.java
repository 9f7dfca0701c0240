package io.sightline.cloud.rollout;

import io.sightline.domain.event.RolloutCompleted;
import io.sightline.domain.event.RolloutHalted;
import io.sightline.domain.event.RolloutResumed;
import io.sightline.domain.event.RolloutRollbackConfirmed;
import io.sightline.domain.event.RolloutRollbackUnconfirmed;
import io.sightline.domain.event.RolloutRolledBack;
import io.sightline.domain.event.RolloutStarted;
import io.sightline.domain.event.RolloutStepAdvanced;
import io.sightline.domain.rollout.Rollout;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Writes {@code rollouts}. Subscribing with errors propagated ({@link RolloutConfiguration}), like
 * the registry: the row commits in the command's transaction, so a rollout is listed (and the
 * scheduler sees it) as soon as it is answered, and the fleet's one-active-rollout index refuses a
 * second start together with its event.
 */
@Component
@ProcessingGroup(RolloutsProjection.NAME)
public class RolloutsProjection {

    public static final String NAME = "rollouts";

    private final JdbcTemplate jdbc;

    public RolloutsProjection(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @EventHandler
    void on(RolloutStarted e, DomainEventMessage<?> m) {
        jdbc.update("insert into rollouts (rollout_id, fleet_id, state, step_index, steps, champion_model_sha256, champion_policy_sha256,"
                        + " challenger_model_sha256, challenger_policy_sha256, vehicles, started_by, started_at_nanos, updated_at_nanos, last_event_id)"
                        + " values (?, ?, ?, -1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (rollout_id) do nothing",
                e.rolloutId(), e.fleetId(), Rollout.RUNNING, e.steps().size(), e.championModelSha256(), e.championPolicySha256(),
                e.challengerModelSha256(), e.challengerPolicySha256(), e.vehicleIds().size(), e.startedBy(), e.startedAtNanos(),
                e.startedAtNanos(), m.getIdentifier());
    }

    @EventHandler
    void on(RolloutStepAdvanced e, DomainEventMessage<?> m) {
        update(e.rolloutId(), Rollout.RUNNING, e.stepIndex(), e.advancedAtNanos(), m);
    }

    @EventHandler
    void on(RolloutHalted e, DomainEventMessage<?> m) {
        update(e.rolloutId(), Rollout.HALTED, e.stepIndex(), e.haltedAtNanos(), m);
    }

    @EventHandler
    void on(RolloutResumed e, DomainEventMessage<?> m) {
        update(e.rolloutId(), Rollout.RUNNING, e.stepIndex(), e.resumedAtNanos(), m);
    }

    @EventHandler
    void on(RolloutRolledBack e, DomainEventMessage<?> m) {
        update(e.rolloutId(), Rollout.ROLLED_BACK, e.stepIndex(), e.rolledBackAtNanos(), m);
        confirmation(e.rolloutId(), Rollout.PENDING, e.restoredVehicleIds().size(), e.rolledBackAtNanos(), m);
    }

    @EventHandler
    void on(RolloutRollbackUnconfirmed e, DomainEventMessage<?> m) {
        confirmation(e.rolloutId(), Rollout.UNCONFIRMED, e.unconfirmedVehicleIds().size(), e.detectedAtNanos(), m);
    }

    @EventHandler
    void on(RolloutRollbackConfirmed e, DomainEventMessage<?> m) {
        confirmation(e.rolloutId(), Rollout.CONFIRMED, 0, e.confirmedAtNanos(), m);
    }

    /** The state stays ROLLED_BACK; the confirmation is its own column so the one-active index is untouched. */
    private void confirmation(String rolloutId, String confirmation, int unconfirmed, long atNanos, DomainEventMessage<?> m) {
        jdbc.update("update rollouts set rollback_confirmation = ?, rollback_unconfirmed_vehicles = ?, updated_at_nanos = ?, last_event_id = ?"
                + " where rollout_id = ?", confirmation, unconfirmed, atNanos, m.getIdentifier(), rolloutId);
    }

    @EventHandler
    void on(RolloutCompleted e, DomainEventMessage<?> m) {
        update(e.rolloutId(), Rollout.COMPLETED, e.stepIndex(), e.completedAtNanos(), m);
    }

    private void update(String rolloutId, String state, int stepIndex, long atNanos, DomainEventMessage<?> m) {
        jdbc.update("update rollouts set state = ?, step_index = ?, updated_at_nanos = ?, last_event_id = ? where rollout_id = ?",
                state, stepIndex, atNanos, m.getIdentifier(), rolloutId);
    }
}
