package io.sightline.domain.monitoring;

import io.sightline.domain.event.DriftCleared;
import io.sightline.domain.event.DriftDetected;
import io.sightline.domain.event.DriftMeasurement;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.monitoring.RecordDriftEvaluation.FeatureResult;
import io.sightline.domain.monitoring.RecordDriftEvaluation.Verdict;
import java.util.List;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DriftLogTest {

    static final String SHA = "ab".repeat(32);
    static final String LOG = DriftLog.idFor("MODEL", SHA);
    static final String LUMA = "summary.meanLuma";

    private FixtureConfiguration<DriftLog> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(DriftLog.class);
    }

    static DriftMeasurement measurement(double p) {
        return new DriftMeasurement(LUMA, "NUMERIC", "ks_p_value", 1e-9, 0.05, true, p, 0.0036, 1771, 2.3, 80, 12);
    }

    static RecordDriftEvaluation evaluation(String id, long atNanos, Verdict verdict, double p) {
        return new RecordDriftEvaluation(LOG, id, "MODEL", SHA, "fleet-1", SHA, "drift-1", atNanos, List.of("r1", "r2"), List.of("c1"),
                1, 2, 3, atNanos, List.of("sum-r1", "sum-r2"), List.of("sum-c1"),
                List.of(new FeatureResult(LUMA, verdict, verdict == Verdict.NOT_ENOUGH_DATA ? null : measurement(p))));
    }

    static DriftDetected detected(String evaluationId, long atNanos) {
        return new DriftDetected(EventIds.of(LOG, "DriftFinding", evaluationId + "/" + LUMA), "MODEL", SHA, "fleet-1", SHA, measurement(0.0006),
                List.of("r1", "r2"), List.of("c1"), 1, 2, 3, atNanos, "drift-1", atNanos, List.of("sum-c1", "sum-r1", "sum-r2"));
    }

    @Test
    void aNewlyDriftedFeatureIsReportedWithBothWindowsSummariesAsCauses() {
        fixture.givenNoPriorActivity()
                .when(evaluation("e1", 100, Verdict.DRIFTED, 0.0006))
                .expectEvents(detected("e1", 100));
    }

    @Test
    void aFeatureThatStaysDriftedIsReportedOnce() {
        fixture.given(detected("e1", 100))
                .when(evaluation("e2", 200, Verdict.DRIFTED, 0.0006))
                .expectNoEvents()
                .expectSuccessfulHandlerExecution();
    }

    @Test
    void aFeatureThatComesBackClearsTheFindingItStarted() {
        DriftDetected d = detected("e1", 100);
        String detectedEventId = EventIds.of(LOG, "DriftDetected", "e1/" + LUMA);
        // the cleared event names the detection by the event id the monitor stored it under
        fixture.givenCommands(evaluation("e1", 100, Verdict.DRIFTED, 0.0006))
                .when(evaluation("e2", 200, Verdict.NOT_DRIFTED, 0.4))
                .expectEvents(new DriftCleared(d.findingId(), "MODEL", SHA, "fleet-1", SHA, measurement(0.4), List.of("c1"), 3, 200, "drift-1", 200,
                        List.of(detectedEventId, "sum-c1")));
    }

    @Test
    void notEnoughDataNeitherStartsNorEndsAFinding() {
        fixture.given(detected("e1", 100))
                .when(evaluation("e2", 200, Verdict.NOT_ENOUGH_DATA, Double.NaN))
                .expectNoEvents();
    }

    @Test
    void anEvaluationReplayedFromBeforeTheLastFindingIsIgnored() {
        fixture.given(detected("e2", 200))
                .when(evaluation("e1", 100, Verdict.NOT_DRIFTED, 0.5))
                .expectNoEvents()
                .expectSuccessfulHandlerExecution();
    }

    @Test
    void anEvaluationInAnotherScopesLogIsRefused() {
        RecordDriftEvaluation wrong = new RecordDriftEvaluation(DriftLog.idFor("FLEET", "fleet-1"), "e1", "MODEL", SHA, "fleet-1", SHA, "drift-1",
                100, List.of(), List.of("c1"), 0, 0, 0, 100, List.of(), List.of(), List.of());
        fixture.givenNoPriorActivity().when(wrong).expectNoEvents().expectException(IllegalArgumentException.class);
    }

    @Test
    void aReferenceIsPinnedToTwoOrMoreDistinctSessionsOfItsOwnScope() {
        io.sightline.domain.event.DriftReferencePinned pin = new io.sightline.domain.event.DriftReferencePinned("MODEL", SHA, "fleet-1",
                List.of("s1", "s2", "s3"), "admin@fleet-1", "a known-good week", 50);
        fixture.givenNoPriorActivity().when(new PinDriftReference(LOG, "pin-1", pin)).expectEvents(pin);
        fixture.givenNoPriorActivity()
                .when(new PinDriftReference(LOG, "pin-2", new io.sightline.domain.event.DriftReferencePinned("MODEL", SHA, "fleet-1",
                        List.of("s1"), "admin@fleet-1", null, 50)))
                .expectNoEvents().expectException(IllegalArgumentException.class);
        fixture.givenNoPriorActivity()
                .when(new PinDriftReference(LOG, "pin-3", new io.sightline.domain.event.DriftReferencePinned("MODEL", SHA, "fleet-1",
                        List.of("s1", "s1"), "admin@fleet-1", null, 50)))
                .expectNoEvents().expectException(IllegalArgumentException.class);
    }
}
