package io.sightline.domain.rollout;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.EventMetadataKeys;
import io.sightline.domain.event.ReviewedAlertReplayed;
import io.sightline.domain.event.RolloutCompleted;
import io.sightline.domain.event.RolloutGateConfig;
import io.sightline.domain.event.RolloutHalted;
import io.sightline.domain.event.RolloutResumed;
import io.sightline.domain.event.RolloutRollbackConfirmed;
import io.sightline.domain.event.RolloutRollbackUnconfirmed;
import io.sightline.domain.event.RolloutRolledBack;
import io.sightline.domain.event.RolloutStarted;
import io.sightline.domain.event.RolloutStep;
import io.sightline.domain.event.RolloutStepAdvanced;
import io.sightline.domain.event.SightlineEvent;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.messaging.MetaData;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.AggregateRoot;
import org.axonframework.modelling.command.CreationPolicy;

/**
 * One rollout ({@code rollout/<rolloutId>}, issue 17 §4, ADR-0026): the plan and the state machine
 * RUNNING → (HALTED ⇄ RUNNING) → COMPLETED | ROLLED_BACK, and after a rollback its confirmation by
 * the vehicles, PENDING → (UNCONFIRMED →) CONFIRMED (ADR-0044). Steps are entered strictly in order and a
 * step's bake time is measured from the event that entered (or resumed) it, so a scheduler restarted
 * from the stored events can neither repeat a step (a repeat is acknowledged and stores nothing) nor
 * skip one (refused). Event ids are derived from the aggregate id, the type and the sequence, so a
 * retried command cannot store a second copy under another id.
 */
@AggregateRoot
public class Rollout {

    public static final String PREFIX = "rollout/";
    public static final String RUNNING = "RUNNING";
    public static final String HALTED = "HALTED";
    public static final String COMPLETED = "COMPLETED";
    public static final String ROLLED_BACK = "ROLLED_BACK";
    /** A rollback's confirmation: waiting for the vehicles, alarm raised after the deadline, every vehicle confirmed. */
    public static final String PENDING = "PENDING";
    public static final String UNCONFIRMED = "UNCONFIRMED";
    public static final String CONFIRMED = "CONFIRMED";
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    @AggregateIdentifier
    private String aggregateId;
    private RolloutStarted plan;
    private String state;
    private int stepIndex = -1;
    private long bakeStartedAtNanos;
    /** The event that started the current bake (RolloutStarted, RolloutStepAdvanced or RolloutResumed). */
    private String bakeEventId;
    private String haltEventId;
    private RolloutRolledBack rolledBack;
    private String rolledBackEventId;
    /** Null before a rollback, then PENDING, UNCONFIRMED or CONFIRMED. */
    private String confirmation;
    private long nextSequence;
    /** alert event id + review event id of every stored replay: a check that repeats one stores nothing. */
    private final java.util.Set<String> replayed = new java.util.HashSet<>();

    protected Rollout() {
    }

    public static String idFor(String rolloutId) {
        return PREFIX + rolloutId;
    }

    public static String eventIdFor(String rolloutId, Class<? extends SightlineEvent> type, long sequence) {
        return EventIds.of(idFor(rolloutId), type.getSimpleName(), sequence);
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public void handle(StartRollout c) {
        RolloutStarted s = c.started();
        if (plan != null) {
            if (plan.equals(s)) {
                return;
            }
            throw new IllegalStateException("rollout " + plan.rolloutId() + " already exists with another plan");
        }
        check(s);
        if (!idFor(s.rolloutId()).equals(c.aggregateId())) {
            throw new IllegalArgumentException("rollout " + s.rolloutId() + " belongs in " + idFor(s.rolloutId()) + ", not " + c.aggregateId());
        }
        aggregateId = c.aggregateId();
        emit(s, s.startedAtNanos());
    }

    /** The plan's rules, stated once for the aggregate and the API's answers. */
    public static void check(RolloutStarted s) {
        if (s.rolloutId() == null || !ID.matcher(s.rolloutId()).matches()) {
            throw new IllegalArgumentException("rolloutId must be 1 to 128 letters, digits, '.', '_' or '-', got '" + s.rolloutId() + "'");
        }
        if (s.fleetId() == null || !ID.matcher(s.fleetId()).matches()) {
            throw new IllegalArgumentException("fleetId must be 1 to 128 letters, digits, '.', '_' or '-', got '" + s.fleetId() + "'");
        }
        requireSha("championModelSha256", s.championModelSha256());
        requireSha("championPolicySha256", s.championPolicySha256());
        if (s.challengerModelSha256() == null && s.challengerPolicySha256() == null) {
            throw new IllegalArgumentException("a rollout needs a challengerModelSha256, a challengerPolicySha256 or both");
        }
        if (s.challengerModelSha256() != null) {
            requireSha("challengerModelSha256", s.challengerModelSha256());
        }
        if (s.challengerPolicySha256() != null) {
            requireSha("challengerPolicySha256", s.challengerPolicySha256());
        }
        if (Objects.equals(s.challengerModelSha256(), s.championModelSha256())
                && (s.challengerPolicySha256() == null || s.challengerPolicySha256().equals(s.championPolicySha256()))) {
            throw new IllegalArgumentException("the challenger is the champion; roll out another version");
        }
        if (s.challengerModelSha256() == null && Objects.equals(s.challengerPolicySha256(), s.championPolicySha256())) {
            throw new IllegalArgumentException("the challenger policy is the champion policy; roll out another version");
        }
        checkSteps(s.steps());
        if (s.gates().isEmpty()) {
            throw new IllegalArgumentException("a rollout needs at least one gate");
        }
        Set<String> names = new HashSet<>();
        for (RolloutGateConfig g : s.gates()) {
            if (g.name() == null || g.version() == null || !names.add(g.name())) {
                throw new IllegalArgumentException("each gate needs a name and a version, and a name once: " + g);
            }
        }
        if (!RolloutStarted.ROLLBACK.equals(s.onGateFailure()) && !RolloutStarted.HALT.equals(s.onGateFailure())) {
            throw new IllegalArgumentException("onGateFailure must be rollback or halt, got " + s.onGateFailure());
        }
        if (!RolloutCohorts.HASH.equals(s.cohortHash())) {
            throw new IllegalArgumentException("cohortHash must be " + RolloutCohorts.HASH + ", got " + s.cohortHash());
        }
        if (s.vehicleIds().isEmpty()) {
            throw new IllegalArgumentException("fleet " + s.fleetId() + " has no vehicle assigned the champion " + s.championModelSha256()
                    + " with policy " + s.championPolicySha256() + "; there is nothing to roll out to");
        }
        if (!RolloutCohorts.order(s.vehicleIds()).equals(s.vehicleIds())) {
            throw new IllegalArgumentException("vehicleIds must be distinct and in cohort order (" + RolloutCohorts.HASH + ")");
        }
        if (s.startedBy() == null || s.startedBy().isBlank()) {
            throw new IllegalArgumentException("startedBy is missing");
        }
    }

    public static void checkSteps(List<RolloutStep> steps) {
        if (steps == null || steps.isEmpty()) {
            throw new IllegalArgumentException("a rollout needs steps, e.g. canary 1, 10, 50, 100 %");
        }
        double previous = 0;
        int canaries = 0;
        for (int i = 0; i < steps.size(); i++) {
            RolloutStep step = steps.get(i);
            if (!(step.sharePercent() > 0 && step.sharePercent() <= 100)) {
                throw new IllegalArgumentException("step " + i + ": sharePercent must be in (0, 100], got " + step.sharePercent());
            }
            if (step.bakeSeconds() < 0) {
                throw new IllegalArgumentException("step " + i + ": bakeSeconds must not be negative, got " + step.bakeSeconds());
            }
            if (RolloutStep.SHADOW.equals(step.kind())) {
                if (i != 0) {
                    throw new IllegalArgumentException("step " + i + ": a shadow step may only be the first");
                }
            } else if (RolloutStep.CANARY.equals(step.kind())) {
                if (step.sharePercent() <= previous) {
                    throw new IllegalArgumentException("the canary steps must increase: step " + i + " has " + step.sharePercent()
                            + " % after " + previous + " %");
                }
                previous = step.sharePercent();
                canaries++;
            } else {
                throw new IllegalArgumentException("step " + i + ": kind must be shadow or canary, got " + step.kind());
            }
        }
        if (canaries == 0 || previous != 100) {
            throw new IllegalArgumentException("the last canary step must reach 100 %, the plan ends at " + previous + " %");
        }
    }

    private static void requireSha(String field, String value) {
        if (value == null || !SHA256.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must be a sha256 (64 lower-case hex digits), got " + value);
        }
    }

    @CommandHandler
    public void handle(AdvanceRollout c) {
        requireState(RUNNING, "advance");
        if (c.stepIndex() <= stepIndex) {
            return;
        }
        if (c.stepIndex() != stepIndex + 1 || c.stepIndex() >= plan.steps().size()) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + " is at step " + stepIndex + " of " + plan.steps().size()
                    + "; step " + c.stepIndex() + " cannot be entered next");
        }
        requireBaked(c.atNanos());
        RolloutStep step = plan.steps().get(c.stepIndex());
        emit(new RolloutStepAdvanced(plan.rolloutId(), c.stepIndex(), step.kind(), step.sharePercent(), step.bakeSeconds(),
                cohortOf(c.stepIndex()), c.gateResults(), c.by(), c.atNanos(), List.of(bakeEventId)), c.atNanos());
    }

    @CommandHandler
    public void handle(CompleteRollout c) {
        requireState(RUNNING, "complete");
        if (stepIndex != plan.steps().size() - 1 || c.stepIndex() != stepIndex) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + " is at step " + stepIndex + " of " + plan.steps().size()
                    + "; only the last step completes it");
        }
        requireBaked(c.atNanos());
        emit(new RolloutCompleted(plan.rolloutId(), stepIndex, c.gateResults(), c.by(), c.atNanos(), List.of(bakeEventId)), c.atNanos());
    }

    @CommandHandler
    public void handle(HaltRollout c) {
        requireState(RUNNING, "halt");
        requireStep(c.stepIndex());
        emit(new RolloutHalted(plan.rolloutId(), stepIndex, c.reason(), c.gateResults(), c.by(), c.atNanos(), c.causes()), c.atNanos());
    }

    @CommandHandler
    public void handle(ResumeRollout c) {
        requireState(HALTED, "resume");
        emit(new RolloutResumed(plan.rolloutId(), stepIndex, c.by(), c.atNanos(), List.of(haltEventId)), c.atNanos());
    }

    @CommandHandler
    public void handle(RollBackRollout c) {
        requireStarted();
        if (!RUNNING.equals(state) && !HALTED.equals(state)) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + " is " + state + "; only a running or halted rollout rolls back");
        }
        requireStep(c.stepIndex());
        List<String> causes = c.causes().isEmpty() && haltEventId != null && HALTED.equals(state) ? List.of(haltEventId) : c.causes();
        emit(new RolloutRolledBack(plan.rolloutId(), stepIndex, c.reason(), plan.championModelSha256(), plan.championPolicySha256(),
                stepIndex < 0 ? List.of() : cohortOf(stepIndex), c.gateResults(), c.by(), c.atNanos(), causes), c.atNanos());
    }

    @CommandHandler
    public void handle(RecordReviewedAlertReplay c) {
        requireStarted();
        ReviewedAlertReplayed r = c.replayed();
        if (!plan.rolloutId().equals(r.rolloutId())) {
            throw new IllegalArgumentException("a replay of rollout " + r.rolloutId() + " does not belong in rollout " + plan.rolloutId());
        }
        if (!RUNNING.equals(state) && !HALTED.equals(state)) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + " is " + state + "; replays are recorded while it runs or is halted");
        }
        if (replayed.contains(r.alertEventId() + "\n" + r.reviewEventId())) {
            return;
        }
        emit(r, r.replayedAtNanos());
    }

    @CommandHandler
    public void handle(ConfirmRollback c) {
        requireRolledBack("confirmed");
        if (CONFIRMED.equals(confirmation)) {
            return;
        }
        if (!c.vehicleIds().equals(rolledBack.restoredVehicleIds())) {
            List<String> missing = new java.util.ArrayList<>(rolledBack.restoredVehicleIds());
            missing.removeAll(c.vehicleIds());
            throw new IllegalStateException("rollout " + plan.rolloutId() + ": a rollback is confirmed by every restored vehicle in cohort order; "
                    + (missing.isEmpty() ? "got " + c.vehicleIds() + " for " + rolledBack.restoredVehicleIds() : "missing " + missing));
        }
        List<String> causes = new java.util.ArrayList<>();
        causes.add(rolledBackEventId);
        c.causes().stream().filter(x -> !causes.contains(x)).forEach(causes::add);
        emit(new RolloutRollbackConfirmed(plan.rolloutId(), c.vehicleIds(), c.sessionIds(), c.by(), c.atNanos(), causes), c.atNanos());
    }

    @CommandHandler
    public void handle(RecordRollbackUnconfirmed c) {
        requireRolledBack("found unconfirmed");
        if (!PENDING.equals(confirmation)) {
            return;
        }
        if (c.deadlineSeconds() < 0) {
            throw new IllegalArgumentException("deadlineSeconds must not be negative, got " + c.deadlineSeconds());
        }
        if (c.unconfirmedVehicleIds().isEmpty() || !rolledBack.restoredVehicleIds().containsAll(c.unconfirmedVehicleIds())) {
            throw new IllegalArgumentException("rollout " + plan.rolloutId() + ": the unconfirmed vehicles " + c.unconfirmedVehicleIds()
                    + " must be some of the restored " + rolledBack.restoredVehicleIds());
        }
        List<String> unconfirmed = rolledBack.restoredVehicleIds().stream().filter(c.unconfirmedVehicleIds()::contains).toList();
        List<String> refused = unconfirmed.stream().filter(c.refusedVehicleIds()::contains).toList();
        long deadline = rolledBack.rolledBackAtNanos() + c.deadlineSeconds() * 1_000_000_000L;
        // Before the deadline only refusals raise the alarm: a silent vehicle may still drive on the champion in time, a refusing
        // one keeps its last known good (ADR-0044 as amended).
        boolean allRefused = refused.size() == unconfirmed.size() && !c.refusalEventIds().isEmpty();
        if (c.atNanos() < deadline && !allRefused) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + ": the rollback's confirmation deadline is " + deadline
                    + " ns, it is " + c.atNanos() + " ns, and not every unconfirmed vehicle has refused the champion (refused: " + refused
                    + " of " + unconfirmed + ")");
        }
        String trigger = c.atNanos() < deadline ? RolloutRollbackUnconfirmed.REFUSED : RolloutRollbackUnconfirmed.DEADLINE;
        List<String> confirmed = rolledBack.restoredVehicleIds().stream().filter(v -> !unconfirmed.contains(v)).toList();
        List<String> causes = new java.util.ArrayList<>();
        causes.add(rolledBackEventId);
        c.refusalEventIds().stream().filter(x -> !causes.contains(x)).forEach(causes::add);
        emit(new RolloutRollbackUnconfirmed(plan.rolloutId(), c.deadlineSeconds(), unconfirmed, refused, confirmed, trigger, c.by(), c.atNanos(),
                causes),
                c.atNanos());
    }

    private void requireRolledBack(String what) {
        requireStarted();
        if (!ROLLED_BACK.equals(state)) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + " is " + state + "; only a rolled-back rollout is " + what);
        }
    }

    private List<String> cohortOf(int step) {
        return RolloutCohorts.cohort(plan.vehicleIds(), plan.steps().get(step).sharePercent());
    }

    private void requireStarted() {
        if (plan == null) {
            throw new IllegalStateException("no such rollout");
        }
    }

    private void requireState(String expected, String action) {
        requireStarted();
        if (!expected.equals(state)) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + " is " + state + "; only a " + expected.toLowerCase()
                    + " rollout can " + action);
        }
    }

    private void requireStep(int expected) {
        if (expected != stepIndex) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + " is at step " + stepIndex + ", not " + expected);
        }
    }

    private void requireBaked(long atNanos) {
        if (stepIndex < 0) {
            return;
        }
        long bakedUntil = bakeStartedAtNanos + plan.steps().get(stepIndex).bakeSeconds() * 1_000_000_000L;
        if (atNanos < bakedUntil) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + ": step " + stepIndex + " bakes until " + bakedUntil
                    + " ns, it is " + atNanos + " ns");
        }
    }

    private void emit(SightlineEvent event, long atNanos) {
        String id = EventIds.of(aggregateId, event.getClass().getSimpleName(), nextSequence);
        apply(event, MetaData.from(Map.of(EventMetadataKeys.EVENT_ID, id, EventMetadataKeys.OCCURRED_AT_NANOS, atNanos)));
    }

    private String idOf(Object event, DomainEventMessage<?> message) {
        return EventIds.of(message.getAggregateIdentifier(), event.getClass().getSimpleName(), message.getSequenceNumber());
    }

    @EventSourcingHandler
    void on(RolloutStarted e, DomainEventMessage<?> message) {
        aggregateId = message.getAggregateIdentifier();
        plan = e;
        state = RUNNING;
        bakeStartedAtNanos = e.startedAtNanos();
        bakeEventId = idOf(e, message);
        nextSequence = message.getSequenceNumber() + 1;
    }

    @EventSourcingHandler
    void on(RolloutStepAdvanced e, DomainEventMessage<?> message) {
        stepIndex = e.stepIndex();
        bakeStartedAtNanos = e.advancedAtNanos();
        bakeEventId = idOf(e, message);
        nextSequence = message.getSequenceNumber() + 1;
    }

    @EventSourcingHandler
    void on(RolloutHalted e, DomainEventMessage<?> message) {
        state = HALTED;
        haltEventId = idOf(e, message);
        nextSequence = message.getSequenceNumber() + 1;
    }

    @EventSourcingHandler
    void on(RolloutResumed e, DomainEventMessage<?> message) {
        state = RUNNING;
        bakeStartedAtNanos = e.resumedAtNanos();
        bakeEventId = idOf(e, message);
        nextSequence = message.getSequenceNumber() + 1;
    }

    @EventSourcingHandler
    void on(RolloutRolledBack e, DomainEventMessage<?> message) {
        state = ROLLED_BACK;
        rolledBack = e;
        rolledBackEventId = idOf(e, message);
        confirmation = PENDING;
        nextSequence = message.getSequenceNumber() + 1;
    }

    @EventSourcingHandler
    void on(RolloutRollbackUnconfirmed e, DomainEventMessage<?> message) {
        confirmation = UNCONFIRMED;
        nextSequence = message.getSequenceNumber() + 1;
    }

    @EventSourcingHandler
    void on(RolloutRollbackConfirmed e, DomainEventMessage<?> message) {
        confirmation = CONFIRMED;
        nextSequence = message.getSequenceNumber() + 1;
    }

    @EventSourcingHandler
    void on(ReviewedAlertReplayed e, DomainEventMessage<?> message) {
        replayed.add(e.alertEventId() + "\n" + e.reviewEventId());
        nextSequence = message.getSequenceNumber() + 1;
    }

    @EventSourcingHandler
    void on(RolloutCompleted e, DomainEventMessage<?> message) {
        state = COMPLETED;
        nextSequence = message.getSequenceNumber() + 1;
    }
}
