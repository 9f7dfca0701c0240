package io.sightline.domain.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.domain.event.ReviewedAlertReplayed;
import io.sightline.domain.event.RolloutCompleted;
import io.sightline.domain.event.RolloutGateConfig;
import io.sightline.domain.event.RolloutGateResult;
import io.sightline.domain.event.RolloutHalted;
import io.sightline.domain.event.RolloutResumed;
import io.sightline.domain.event.RolloutRollbackConfirmed;
import io.sightline.domain.event.RolloutRollbackUnconfirmed;
import io.sightline.domain.event.RolloutRolledBack;
import io.sightline.domain.event.RolloutStarted;
import io.sightline.domain.event.RolloutStep;
import io.sightline.domain.event.RolloutStepAdvanced;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RolloutTest {

    static final String ID = Rollout.idFor("r1");
    static final String CHAMPION = "a1".repeat(32);
    static final String CHALLENGER = "b2".repeat(32);
    static final String POLICY = "c3".repeat(32);
    static final long T0 = 1_765_000_000_000_000_000L;
    static final long S = 1_000_000_000L;
    static final List<String> VEHICLES = RolloutCohorts.order(IntStream.range(0, 20).mapToObj(i -> "veh-" + i).toList());
    static final List<RolloutStep> STEPS = List.of(new RolloutStep("canary", 10, 60), new RolloutStep("canary", 50, 60),
            new RolloutStep("canary", 100, 60));
    static final RolloutGateConfig GATE = new RolloutGateConfig("cohort-findings", "1", Map.of("maxFindings", 0.0));
    static final RolloutGateResult FAILED = new RolloutGateResult("cohort-findings", "1", RolloutGateResult.FAIL, Map.of("findings", 1.0),
            Map.of("maxFindings", 0.0), "1 finding", List.of("drift-1"));

    private FixtureConfiguration<Rollout> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(Rollout.class);
    }

    static RolloutStarted started(List<RolloutStep> steps, List<String> vehicles) {
        return new RolloutStarted("r1", "fleet-a", CHAMPION, POLICY, CHALLENGER, null, steps, List.of(GATE), "rollback", RolloutCohorts.HASH,
                vehicles, "ada", T0, List.of("registration-1"));
    }

    static RolloutStepAdvanced advanced(int step, long at, String cause) {
        RolloutStep s = STEPS.get(step);
        return new RolloutStepAdvanced("r1", step, s.kind(), s.sharePercent(), s.bakeSeconds(),
                RolloutCohorts.cohort(VEHICLES, s.sharePercent()), List.of(), "scheduler", at, List.of(cause));
    }

    @Test
    void stepsAreEnteredInOrderAfterTheirBakeAndARepeatStoresNothing() {
        RolloutStarted start = started(STEPS, VEHICLES);
        String startId = Rollout.eventIdFor("r1", RolloutStarted.class, 0);
        String step0Id = Rollout.eventIdFor("r1", RolloutStepAdvanced.class, 1);
        fixture.givenNoPriorActivity().when(new StartRollout(ID, start)).expectEvents(start);
        fixture.given(start).when(new AdvanceRollout(ID, 0, List.of(), "scheduler", T0 + S)).expectEvents(advanced(0, T0 + S, startId));
        // Restarted after the step was stored: the same decision again is acknowledged with nothing stored.
        fixture.given(start, advanced(0, T0 + S, startId)).when(new AdvanceRollout(ID, 0, List.of(), "scheduler", T0 + 2 * S))
                .expectSuccessfulHandlerExecution().expectNoEvents();
        fixture.given(start, advanced(0, T0 + S, startId)).when(new AdvanceRollout(ID, 1, List.of(), "scheduler", T0 + 30 * S))
                .expectNoEvents().expectException(IllegalStateException.class);
        fixture.given(start, advanced(0, T0 + S, startId)).when(new AdvanceRollout(ID, 2, List.of(), "scheduler", T0 + 120 * S))
                .expectNoEvents().expectExceptionMessage("rollout r1 is at step 0 of 3; step 2 cannot be entered next");
        fixture.given(start, advanced(0, T0 + S, startId)).when(new AdvanceRollout(ID, 1, List.of(), "scheduler", T0 + 61 * S))
                .expectEvents(advanced(1, T0 + 61 * S, step0Id));
    }

    @Test
    void cohortsGrowByTheStableHashAndContainOneAnother() {
        assertThat(advanced(0, T0, "x").cohortVehicleIds()).hasSize(2);
        assertThat(advanced(1, T0, "x").cohortVehicleIds()).hasSize(10).startsWith(advanced(0, T0, "x").cohortVehicleIds().toArray(String[]::new));
        assertThat(RolloutCohorts.size(50, 1)).as("1 % of 50 still has a vehicle").isEqualTo(1);
        assertThat(RolloutCohorts.size(30, 10)).isEqualTo(3);
        assertThat(RolloutCohorts.hashOf("veh-1")).as("documented in docs/rollouts.md")
                .isEqualTo(RolloutCohorts.hashOf("veh-1")).hasSize(64);
        List<String> reversed = new ArrayList<>(VEHICLES);
        java.util.Collections.reverse(reversed);
        assertThat(RolloutCohorts.order(reversed)).as("the order depends on the ids only").isEqualTo(VEHICLES);
    }

    @Test
    void theLastStepCompletesAfterItsBake() {
        RolloutStarted start = started(STEPS, VEHICLES);
        RolloutStepAdvanced s0 = advanced(0, T0, Rollout.eventIdFor("r1", RolloutStarted.class, 0));
        RolloutStepAdvanced s1 = advanced(1, T0 + 60 * S, Rollout.eventIdFor("r1", RolloutStepAdvanced.class, 1));
        RolloutStepAdvanced s2 = advanced(2, T0 + 120 * S, Rollout.eventIdFor("r1", RolloutStepAdvanced.class, 2));
        fixture.given(start, s0, s1).when(new CompleteRollout(ID, 1, List.of(), "scheduler", T0 + 500 * S))
                .expectNoEvents().expectException(IllegalStateException.class);
        fixture.given(start, s0, s1, s2).when(new CompleteRollout(ID, 2, List.of(), "scheduler", T0 + 180 * S))
                .expectEvents(new RolloutCompleted("r1", 2, List.of(), "scheduler", T0 + 180 * S,
                        List.of(Rollout.eventIdFor("r1", RolloutStepAdvanced.class, 3))));
    }

    @Test
    void aHaltNamesItsCausesAResumeRestartsTheBakeAndARollbackRestoresTheCohort() {
        RolloutStarted start = started(STEPS, VEHICLES);
        RolloutStepAdvanced s0 = advanced(0, T0, Rollout.eventIdFor("r1", RolloutStarted.class, 0));
        RolloutHalted halted = new RolloutHalted("r1", 0, "gate cohort-findings failed", List.of(FAILED), "scheduler", T0 + 10 * S,
                List.of("drift-1"));
        fixture.given(start, s0).when(new HaltRollout(ID, 0, halted.reason(), List.of(FAILED), List.of("drift-1"), "scheduler", T0 + 10 * S))
                .expectEvents(halted);
        fixture.given(start, s0, halted).when(new AdvanceRollout(ID, 1, List.of(), "scheduler", T0 + 100 * S))
                .expectNoEvents().expectExceptionMessage("rollout r1 is HALTED; only a running rollout can advance");
        String haltId = Rollout.eventIdFor("r1", RolloutHalted.class, 2);
        RolloutResumed resumed = new RolloutResumed("r1", 0, "ada", T0 + 100 * S, List.of(haltId));
        fixture.given(start, s0, halted).when(new ResumeRollout(ID, "ada", T0 + 100 * S)).expectEvents(resumed);
        fixture.given(start, s0, halted, resumed).when(new AdvanceRollout(ID, 1, List.of(), "scheduler", T0 + 120 * S))
                .expectNoEvents().expectException(IllegalStateException.class);
        fixture.given(start, s0, halted).when(new RollBackRollout(ID, 0, "by hand", List.of(), List.of(), "ada", T0 + 100 * S))
                .expectEvents(new RolloutRolledBack("r1", 0, "by hand", CHAMPION, POLICY, s0.cohortVehicleIds(), List.of(), "ada",
                        T0 + 100 * S, List.of(haltId)));
        fixture.given(start, s0).when(new RollBackRollout(ID, 0, "gate", List.of(FAILED), List.of("drift-1"), "scheduler", T0 + 5 * S))
                .expectEvents(new RolloutRolledBack("r1", 0, "gate", CHAMPION, POLICY, s0.cohortVehicleIds(), List.of(FAILED), "scheduler",
                        T0 + 5 * S, List.of("drift-1")));
        fixture.given(start, s0, new RolloutRolledBack("r1", 0, "gate", CHAMPION, POLICY, s0.cohortVehicleIds(), List.of(), "scheduler",
                        T0 + 5 * S, List.of())).when(new ResumeRollout(ID, "ada", T0 + 100 * S))
                .expectNoEvents().expectException(IllegalStateException.class);
    }

    static final long HOUR = 3600 * S;

    /** The rollback of step 0 at T0 + 10 s, stored at sequence 2 after the start and the step. */
    static RolloutRolledBack rolledBack() {
        return new RolloutRolledBack("r1", 0, "gate", CHAMPION, POLICY, advanced(0, T0 + S, "x").cohortVehicleIds(), List.of(FAILED), "scheduler",
                T0 + 10 * S, List.of("drift-1"));
    }

    static List<String> sessionsOf(List<String> vehicles) {
        return vehicles.stream().map(v -> "s-" + v).toList();
    }

    static List<String> activationsOf(List<String> vehicles) {
        return vehicles.stream().map(v -> "s-" + v + "/ModelActivated/primary").toList();
    }

    @Test
    void aRollbackIsConfirmedOnceEveryRestoredVehicleRunsTheChampionAndNotBefore() {
        RolloutStarted start = started(STEPS, VEHICLES);
        RolloutStepAdvanced s0 = advanced(0, T0 + S, Rollout.eventIdFor("r1", RolloutStarted.class, 0));
        RolloutRolledBack back = rolledBack();
        List<String> restored = back.restoredVehicleIds();
        assertThat(restored).hasSize(2);
        String backId = Rollout.eventIdFor("r1", RolloutRolledBack.class, 2);
        List<String> causes = new ArrayList<>(List.of(backId));
        causes.addAll(activationsOf(restored));
        RolloutRollbackConfirmed confirmed = new RolloutRollbackConfirmed("r1", restored, sessionsOf(restored), "scheduler", T0 + 60 * S, causes);

        fixture.given(start, s0, back).when(new ConfirmRollback(ID, restored, sessionsOf(restored), activationsOf(restored), "scheduler", T0 + 60 * S))
                .expectEvents(confirmed);
        // One vehicle has not confirmed: refused, nothing stored.
        fixture.given(start, s0, back).when(new ConfirmRollback(ID, restored.subList(0, 1), sessionsOf(restored.subList(0, 1)),
                        activationsOf(restored.subList(0, 1)), "scheduler", T0 + 60 * S))
                .expectNoEvents().expectException(IllegalStateException.class).expectExceptionMessage(
                        "rollout r1: a rollback is confirmed by every restored vehicle in cohort order; missing [" + restored.get(1) + "]");
        // A restarted cloud, or a second replica, decides the same again: acknowledged, stored once.
        fixture.given(start, s0, back, confirmed).when(new ConfirmRollback(ID, restored, sessionsOf(restored), activationsOf(restored), "scheduler",
                T0 + 70 * S)).expectSuccessfulHandlerExecution().expectNoEvents();
        // Only a rolled-back rollout is confirmed.
        fixture.given(start, s0).when(new ConfirmRollback(ID, List.of(), List.of(), List.of(), "scheduler", T0 + 60 * S))
                .expectNoEvents().expectExceptionMessage("rollout r1 is RUNNING; only a rolled-back rollout is confirmed");
    }

    @Test
    void theAlarmIsRaisedOncePastTheDeadlineNamingTheRefusalsAndTheConfirmationFollowsIt() {
        RolloutStarted start = started(STEPS, VEHICLES);
        RolloutStepAdvanced s0 = advanced(0, T0 + S, Rollout.eventIdFor("r1", RolloutStarted.class, 0));
        RolloutRolledBack back = rolledBack();
        List<String> restored = back.restoredVehicleIds();
        String backId = Rollout.eventIdFor("r1", RolloutRolledBack.class, 2);
        long deadline = back.rolledBackAtNanos() + 24 * HOUR;

        fixture.given(start, s0, back).when(new RecordRollbackUnconfirmed(ID, 24 * 3600, restored, List.of(), List.of(), "scheduler", deadline - 1))
                .expectNoEvents().expectException(IllegalStateException.class);
        RolloutRollbackUnconfirmed alarm = new RolloutRollbackUnconfirmed("r1", 24 * 3600, List.of(restored.get(1)), List.of(restored.get(1)),
                List.of(restored.get(0)), RolloutRollbackUnconfirmed.DEADLINE, "scheduler", deadline, List.of(backId, "s-x/ModelRejected/0"));
        fixture.given(start, s0, back).when(new RecordRollbackUnconfirmed(ID, 24 * 3600, List.of(restored.get(1)), List.of(restored.get(1)),
                List.of("s-x/ModelRejected/0"), "scheduler", deadline)).expectEvents(alarm);
        // Stored once: a later check, or a restart, stores nothing more.
        fixture.given(start, s0, back, alarm).when(new RecordRollbackUnconfirmed(ID, 24 * 3600, List.of(restored.get(1)), List.of(), List.of(),
                "scheduler", deadline + HOUR)).expectSuccessfulHandlerExecution().expectNoEvents();
        // A vehicle that is not one the rollback restored cannot be unconfirmed.
        fixture.given(start, s0, back).when(new RecordRollbackUnconfirmed(ID, 24 * 3600, List.of("veh-elsewhere"), List.of(), List.of(), "scheduler",
                deadline)).expectNoEvents().expectException(IllegalArgumentException.class);
        // The last vehicle confirms after the alarm: the confirmation follows it, its causes after the rollback's.
        List<String> causes = new ArrayList<>(List.of(backId));
        causes.addAll(activationsOf(restored));
        fixture.given(start, s0, back, alarm).when(new ConfirmRollback(ID, restored, sessionsOf(restored), activationsOf(restored), "scheduler",
                deadline + 2 * HOUR)).expectEvents(new RolloutRollbackConfirmed("r1", restored, sessionsOf(restored), "scheduler", deadline + 2 * HOUR,
                causes));
        // Confirmed before the deadline: no alarm afterwards.
        RolloutRollbackConfirmed confirmed = new RolloutRollbackConfirmed("r1", restored, sessionsOf(restored), "scheduler", T0 + 60 * S, causes);
        fixture.given(start, s0, back, confirmed).when(new RecordRollbackUnconfirmed(ID, 24 * 3600, restored, List.of(), List.of(), "scheduler",
                deadline)).expectSuccessfulHandlerExecution().expectNoEvents();
    }

    /**
     * ADR-0044 as amended: before the deadline, the alarm is raised once every unconfirmed vehicle has refused the champion,
     * naming the refusals; a vehicle that is silent keeps the wait to the deadline.
     */
    @Test
    void beforeTheDeadlineTheAlarmIsRaisedOnlyWhenEveryUnconfirmedVehicleRefusedTheChampion() {
        RolloutStarted start = started(STEPS, VEHICLES);
        RolloutStepAdvanced s0 = advanced(0, T0 + S, Rollout.eventIdFor("r1", RolloutStarted.class, 0));
        RolloutRolledBack back = rolledBack();
        List<String> restored = back.restoredVehicleIds();
        String backId = Rollout.eventIdFor("r1", RolloutRolledBack.class, 2);
        long early = back.rolledBackAtNanos() + HOUR;

        // One refused, the other is silent: the wait goes on.
        fixture.given(start, s0, back).when(new RecordRollbackUnconfirmed(ID, 24 * 3600, restored, List.of(restored.get(0)),
                        List.of("s-a/ModelRejected/0"), "scheduler", early))
                .expectNoEvents().expectException(IllegalStateException.class).expectExceptionMessage(
                        org.hamcrest.Matchers.containsString("not every unconfirmed vehicle has refused the champion"));
        // Both refused: the alarm at once, its trigger the refusals, which are its causes.
        fixture.given(start, s0, back).when(new RecordRollbackUnconfirmed(ID, 24 * 3600, restored, restored,
                        List.of("s-a/ModelRejected/0", "s-b/PolicyRejected/0"), "scheduler", early))
                .expectEvents(new RolloutRollbackUnconfirmed("r1", 24 * 3600, restored, restored, List.of(), RolloutRollbackUnconfirmed.REFUSED,
                        "scheduler", early, List.of(backId, "s-a/ModelRejected/0", "s-b/PolicyRejected/0")));
        // The one still unconfirmed refused, the other confirmed: the alarm names only the refusing one.
        fixture.given(start, s0, back).when(new RecordRollbackUnconfirmed(ID, 24 * 3600, List.of(restored.get(1)), List.of(restored.get(1)),
                        List.of("s-b/ModelRejected/0"), "scheduler", early))
                .expectEvents(new RolloutRollbackUnconfirmed("r1", 24 * 3600, List.of(restored.get(1)), List.of(restored.get(1)),
                        List.of(restored.get(0)), RolloutRollbackUnconfirmed.REFUSED, "scheduler", early, List.of(backId, "s-b/ModelRejected/0")));
        // Refusing vehicles named without their refusals do not raise it early.
        fixture.given(start, s0, back).when(new RecordRollbackUnconfirmed(ID, 24 * 3600, restored, restored, List.of(), "scheduler", early))
                .expectNoEvents().expectException(IllegalStateException.class);
    }

    @Test
    void anUnconfirmedRollbackNamesAVehicleAndOnlyUnconfirmedOnesAsRefusing() {
        assertThatThrownBy(() -> new RolloutRollbackUnconfirmed("r1", 60, List.of(), List.of(), List.of("a"), RolloutRollbackUnconfirmed.DEADLINE,
                "s", T0, List.of())).hasMessageContaining("names at least one vehicle");
        assertThatThrownBy(() -> new RolloutRollbackUnconfirmed("r1", 60, List.of("a"), List.of("b"), List.of("b"),
                RolloutRollbackUnconfirmed.DEADLINE, "s", T0, List.of())).hasMessageContaining("a vehicle that refused the champion has not confirmed it");
        assertThatThrownBy(() -> new RolloutRollbackUnconfirmed("r1", 60, List.of("a", "b"), List.of("b"), List.of(),
                RolloutRollbackUnconfirmed.REFUSED, "s", T0, List.of())).hasMessageContaining("needs every unconfirmed vehicle to have refused");
        assertThatThrownBy(() -> new RolloutRollbackUnconfirmed("r1", 60, List.of("a"), List.of(), List.of(), "SOON", "s", T0, List.of()))
                .hasMessageContaining("trigger is DEADLINE or REFUSED, got SOON");
        assertThatThrownBy(() -> new RolloutRollbackConfirmed("r1", List.of("a", "b"), List.of("s-a"), "s", T0, List.of()))
                .hasMessageContaining("one confirming session per vehicle");
    }

    @Test
    void aReplayOfAConfirmedAlertIsStoredOnceWhileTheRolloutRunsOrIsHalted() {
        RolloutStarted start = started(STEPS, VEHICLES);
        RolloutStepAdvanced s0 = advanced(0, T0, Rollout.eventIdFor("r1", RolloutStarted.class, 0));
        ReviewedAlertReplayed missed = replay("r1", ReviewedAlertReplayed.MISSED, false);
        fixture.given(start, s0).when(new RecordReviewedAlertReplay(ID, missed)).expectEvents(missed);
        // the same alert and review again (a check repeated after a restart): nothing
        fixture.given(start, s0, missed).when(new RecordReviewedAlertReplay(ID, missed)).expectNoEvents().expectSuccessfulHandlerExecution();
        fixture.given(start, s0, new RolloutHalted("r1", 0, "gate", List.of(FAILED), "scheduler", T0 + 5 * S, List.of()))
                .when(new RecordReviewedAlertReplay(ID, missed)).expectEvents(missed);
        fixture.given(start, s0, new RolloutRolledBack("r1", 0, "gate", CHAMPION, POLICY, s0.cohortVehicleIds(), List.of(), "scheduler",
                T0 + 5 * S, List.of())).when(new RecordReviewedAlertReplay(ID, missed)).expectNoEvents()
                .expectExceptionMessage("rollout r1 is ROLLED_BACK; replays are recorded while it runs or is halted");
        fixture.given(start, s0).when(new RecordReviewedAlertReplay(ID, replay("r2", ReviewedAlertReplayed.RAISED, true))).expectNoEvents()
                .expectException(IllegalArgumentException.class);
    }

    @Test
    void aReplaysOutcomeMustAgreeWithWhatTheChallengerRaised() {
        assertThatThrownBy(() -> replay("r1", ReviewedAlertReplayed.RAISED, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contradicts");
        assertThatThrownBy(() -> replay("r1", "LOST", false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RAISED, MISSED or INCONCLUSIVE");
    }

    static ReviewedAlertReplayed replay(String rolloutId, String outcome, boolean raised) {
        return new ReviewedAlertReplayed(rolloutId, "s1/AlertRaised/7", "s1/reviews/AlertReviewed/0", "s1", "veh-1", "FORWARD_COLLISION",
                T0 - 60 * S, ReviewedAlertReplayed.CLIP, "d4".repeat(32), 221, CHALLENGER, "sightline-risk-1.2.0", outcome, true, raised,
                raised ? T0 - 60 * S : -1, raised ? 2.9 : null, 3.1, raised ? -0.2 : null, T0 + 6 * S,
                List.of("s1/reviews/AlertReviewed/0", "s1/AlertRaised/7", "s1/EvidenceClipRecorded/9"));
    }

    @Test
    void badPlansAreRefused() {
        fixture.givenNoPriorActivity().when(new StartRollout(ID, started(List.of(new RolloutStep("canary", 10, 0),
                new RolloutStep("canary", 50, 0)), VEHICLES))).expectNoEvents()
                .expectExceptionMessage("the last canary step must reach 100 %, the plan ends at 50.0 %");
        fixture.givenNoPriorActivity().when(new StartRollout(ID, started(List.of(new RolloutStep("canary", 50, 0),
                new RolloutStep("canary", 10, 0), new RolloutStep("canary", 100, 0)), VEHICLES))).expectNoEvents()
                .expectExceptionMessage("the canary steps must increase: step 1 has 10.0 % after 50.0 %");
        fixture.givenNoPriorActivity().when(new StartRollout(ID, started(List.of(new RolloutStep("canary", 100, 0),
                new RolloutStep("shadow", 10, 0)), VEHICLES))).expectNoEvents()
                .expectExceptionMessage("step 1: a shadow step may only be the first");
        fixture.givenNoPriorActivity().when(new StartRollout(ID, started(STEPS, List.of()))).expectNoEvents()
                .expectException(IllegalArgumentException.class);
        fixture.givenNoPriorActivity().when(new StartRollout(ID, started(STEPS, List.of("veh-2", "veh-1", "veh-1")))).expectNoEvents()
                .expectException(IllegalArgumentException.class);
        RolloutStarted same = new RolloutStarted("r1", "fleet-a", CHAMPION, POLICY, CHAMPION, null, STEPS, List.of(GATE), "rollback",
                RolloutCohorts.HASH, VEHICLES, "ada", T0, List.of());
        fixture.givenNoPriorActivity().when(new StartRollout(ID, same)).expectNoEvents()
                .expectExceptionMessage("the challenger is the champion; roll out another version");
    }
}
