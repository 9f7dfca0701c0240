package io.sightline.domain.monitoring;

import io.sightline.domain.event.LatencyRegressionDetected;
import java.util.List;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LatencyMonitorLogTest {

    static final String SHA = "ab".repeat(32);
    static final String LOG = LatencyMonitorLog.idFor(SHA);

    private FixtureConfiguration<LatencyMonitorLog> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(LatencyMonitorLog.class);
    }

    static LatencyRegressionDetected finding(String sha, String trippingSession) {
        return new LatencyRegressionDetected(LatencyMonitorLog.findingIdFor("fleet-a", sha, "1.2.0", "detect", trippingSession), "fleet-a",
                sha, "1.2.0", "detect", LatencyDetectorConfig.V1.version(), 20, 10_000, 300, 11_000, 4.6, 4.0, 1.0, 0.6,
                List.of("s21", trippingSession), List.of(11_000L, 11_000L), 1_765_000_000_000_000_000L, List.of("w1", "w2"));
    }

    @Test
    void aFindingIsStoredInItsModelsLog() {
        LatencyRegressionDetected f = finding(SHA, "s22");
        fixture.givenNoPriorActivity()
                .when(new RecordLatencyRegression(LOG, f.findingId(), f))
                .expectEvents(f);
    }

    @Test
    void theSameFindingAgainIsStoredOnce() {
        LatencyRegressionDetected f = finding(SHA, "s22");
        fixture.given(f)
                .when(new RecordLatencyRegression(LOG, f.findingId(), f))
                .expectNoEvents()
                .expectSuccessfulHandlerExecution();
    }

    @Test
    void anotherFindingOfTheModelIsStoredBesideIt() {
        LatencyRegressionDetected next = finding(SHA, "s60");
        fixture.given(finding(SHA, "s22"))
                .when(new RecordLatencyRegression(LOG, next.findingId(), next))
                .expectEvents(next);
    }

    @Test
    void aFindingInAnotherModelsLogIsRefused() {
        LatencyRegressionDetected f = finding(SHA, "s22");
        fixture.givenNoPriorActivity()
                .when(new RecordLatencyRegression(LatencyMonitorLog.idFor("cd".repeat(32)), f.findingId(), f))
                .expectNoEvents()
                .expectExceptionMessage("a finding of model " + SHA + " belongs in log " + LOG + ", not model/" + "cd".repeat(32) + "/latency");
    }

    @Test
    void aFindingWithoutSessionsOrBelowItsThresholdIsRefused() {
        LatencyRegressionDetected f = finding(SHA, "s22");
        LatencyRegressionDetected noSessions = new LatencyRegressionDetected(f.findingId(), "fleet-a", SHA, "1.2.0", "detect", "v", 20, 1, 1, 1,
                4.6, 4.0, 1.0, 0.6, List.of(), List.of(), 1, List.of());
        fixture.givenNoPriorActivity()
                .when(new RecordLatencyRegression(LOG, f.findingId(), noSessions))
                .expectNoEvents()
                .expectException(IllegalArgumentException.class);
        LatencyRegressionDetected below = new LatencyRegressionDetected(f.findingId(), "fleet-a", SHA, "1.2.0", "detect", "v", 20, 1, 1, 1,
                3.9, 4.0, 1.0, -0.1, List.of("s"), List.of(1L), 1, List.of());
        fixture.givenNoPriorActivity()
                .when(new RecordLatencyRegression(LOG, f.findingId(), below))
                .expectNoEvents()
                .expectExceptionMessage("a finding's statistic 3.9 must be above its threshold 4.0");
    }

    @Test
    void theLogIdNamesTheModel() {
        org.assertj.core.api.Assertions.assertThat(LatencyMonitorLog.modelSha256Of(LOG)).contains(SHA);
        org.assertj.core.api.Assertions.assertThat(LatencyMonitorLog.modelSha256Of("policy/x/evaluations")).isEmpty();
        org.assertj.core.api.Assertions.assertThat(LatencyMonitorLog.findingIdFor("f", SHA, "v", "detect", "s"))
                .isEqualTo(LatencyMonitorLog.findingIdFor("f", SHA, "v", "detect", "s"))
                .isNotEqualTo(LatencyMonitorLog.findingIdFor("f", SHA, "v", "decide", "s"));
    }
}
