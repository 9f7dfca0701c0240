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
import io.sightline.domain.rollout.RolloutCohorts;
import java.util.ArrayList;
import java.util.List;
import org.axonframework.eventhandling.DomainEventMessage;

/**
 * A rollout read back from its stored events, the same fold as the aggregate's: the scheduler, the
 * API and the page all see what the store says, never a cached copy.
 */
public final class RolloutState {

    /** One stored event of the rollout. */
    public record Stored(String eventId, String type, long sequence, Object payload) {
    }

    private RolloutStarted plan;
    private String state;
    private int stepIndex = -1;
    private long bakeStartedAtNanos;
    private String confirmation;
    private Stored rolledBack;
    private Stored unconfirmed;
    private Stored confirmed;
    private final List<Stored> events = new ArrayList<>();

    public static RolloutState of(List<? extends DomainEventMessage<?>> messages) {
        RolloutState s = new RolloutState();
        for (DomainEventMessage<?> m : messages) {
            s.apply(m);
        }
        return s.plan == null ? null : s;
    }

    private void apply(DomainEventMessage<?> m) {
        Object p = m.getPayload();
        Stored stored = new Stored(m.getIdentifier(), p.getClass().getSimpleName(), m.getSequenceNumber(), p);
        events.add(stored);
        if (p instanceof RolloutStarted e) {
            plan = e;
            state = Rollout.RUNNING;
            bakeStartedAtNanos = e.startedAtNanos();
        } else if (p instanceof RolloutStepAdvanced e) {
            stepIndex = e.stepIndex();
            bakeStartedAtNanos = e.advancedAtNanos();
        } else if (p instanceof RolloutHalted) {
            state = Rollout.HALTED;
        } else if (p instanceof RolloutResumed e) {
            state = Rollout.RUNNING;
            bakeStartedAtNanos = e.resumedAtNanos();
        } else if (p instanceof RolloutRolledBack) {
            state = Rollout.ROLLED_BACK;
            rolledBack = stored;
            confirmation = Rollout.PENDING;
        } else if (p instanceof RolloutRollbackUnconfirmed) {
            unconfirmed = stored;
            confirmation = Rollout.UNCONFIRMED;
        } else if (p instanceof RolloutRollbackConfirmed) {
            confirmed = stored;
            confirmation = Rollout.CONFIRMED;
        } else if (p instanceof RolloutCompleted) {
            state = Rollout.COMPLETED;
        }
    }

    public RolloutStarted plan() {
        return plan;
    }

    public String state() {
        return state;
    }

    public int stepIndex() {
        return stepIndex;
    }

    public long bakeStartedAtNanos() {
        return bakeStartedAtNanos;
    }

    /** After a rollback: PENDING, UNCONFIRMED (the alarm) or CONFIRMED; null before. */
    public String confirmation() {
        return confirmation;
    }

    /** The stored {@code RolloutRolledBack}, or null. */
    public Stored rolledBack() {
        return rolledBack;
    }

    /** The stored {@code RolloutRollbackUnconfirmed}, or null. */
    public Stored unconfirmed() {
        return unconfirmed;
    }

    /** The stored {@code RolloutRollbackConfirmed}, or null. */
    public Stored confirmed() {
        return confirmed;
    }

    public List<Stored> events() {
        return List.copyOf(events);
    }

    public boolean active() {
        return Rollout.RUNNING.equals(state) || Rollout.HALTED.equals(state);
    }

    public boolean lastStep() {
        return stepIndex == plan.steps().size() - 1;
    }

    public long bakeEndsAtNanos() {
        return stepIndex < 0 ? bakeStartedAtNanos : bakeStartedAtNanos + plan.steps().get(stepIndex).bakeSeconds() * 1_000_000_000L;
    }

    public List<String> cohort(int step) {
        return step < 0 ? List.of() : RolloutCohorts.cohort(plan.vehicleIds(), plan.steps().get(step).sharePercent());
    }
}
