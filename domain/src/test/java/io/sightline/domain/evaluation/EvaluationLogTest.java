package io.sightline.domain.evaluation;

import io.sightline.domain.event.EvaluationCompleted;
import java.util.List;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EvaluationLogTest {

    static final String POLICY = "sightline-risk-1.0.0";
    static final String LOG = EvaluationLog.idFor(POLICY);

    private FixtureConfiguration<EvaluationLog> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(EvaluationLog.class);
    }

    static EvaluationCompleted evaluation(String id, String policy, int runs, int failed) {
        return new EvaluationCompleted(id, policy, null, "nhtsa-fcw", "ab".repeat(32), 1, 200, 3, runs, failed, "release-default-1", false, 2,
                List.of(new EvaluationCompleted.FamilyResult("nhtsa-fcw-1-lead-stopped", "hazard", runs, failed, 0.0149)), "sightline 0.1.0",
                "ci@sightline", 1_765_000_000_000_000_000L);
    }

    @Test
    void anEvaluationIsStoredInItsPolicyVersionsLog() {
        EvaluationCompleted e = evaluation("eval-1", POLICY, 600, 0);
        fixture.givenNoPriorActivity()
                .when(new RecordEvaluation(LOG, "event-1", e))
                .expectEvents(e);
    }

    @Test
    void aResubmissionUnderTheSameIdIsStoredOnce() {
        EvaluationCompleted e = evaluation("eval-1", POLICY, 600, 0);
        fixture.given(e)
                .when(new RecordEvaluation(LOG, "event-2", e))
                .expectNoEvents()
                .expectSuccessfulHandlerExecution();
    }

    @Test
    void anEvaluationInAnotherVersionsLogIsRefused() {
        fixture.givenNoPriorActivity()
                .when(new RecordEvaluation(EvaluationLog.idFor("other"), "event-1", evaluation("eval-1", POLICY, 600, 0)))
                .expectNoEvents()
                .expectException(IllegalArgumentException.class)
                .expectExceptionMessage("an evaluation of policy " + POLICY + " belongs in log " + LOG + ", not policy/other/evaluations");
    }

    @Test
    void impossibleCountsAndMissingIdsAreRefused() {
        fixture.givenNoPriorActivity()
                .when(new RecordEvaluation(LOG, "event-1", evaluation("eval-1", POLICY, 10, 11)))
                .expectNoEvents()
                .expectExceptionMessage("failedRuns must be in 0..runs, got 11 of 10");
        fixture.givenNoPriorActivity()
                .when(new RecordEvaluation(LOG, " ", evaluation("eval-1", POLICY, 10, 0)))
                .expectNoEvents()
                .expectExceptionMessage("eventId is missing");
    }
}
