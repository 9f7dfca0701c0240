package io.sightline.domain.apps;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.CloudApplicationRan;
import io.sightline.domain.event.DriveSessionStarted;
import java.util.List;
import java.util.Map;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A cloud-side application's log of one session, given/when/then: what it stores once, and what it refuses. */
class SessionApplicationLogTest {

    private static final String SESSION = "run-1";
    private static final String LOG = SessionApplicationLog.idFor(SESSION, "rolling-stop");
    private static final long AT_NANOS = 1_764_000_000_000_000_000L;
    private FixtureConfiguration<SessionApplicationLog> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(SessionApplicationLog.class);
    }

    static CloudApplicationRan summary(String outcome, String version, long alerts) {
        return new CloudApplicationRan(SESSION, "rolling-stop", version, Map.of("rollingStopMaxSpeedMps", 1.0), outcome,
                "REFUSED".equals(outcome) ? "no start" : null, "REFUSED".equals(outcome) ? 0 : 200, 10, 0, 0, alerts, alerts, AT_NANOS,
                List.of(SESSION + "/start"));
    }

    static AlertRaised alert() {
        return new AlertRaised(LOG + "/alert/1", "ROLLING_STOP", "ADVISORY", "trk-3", "rolling-stop-1.0.0", AT_NANOS - 5,
                List.of(LOG + "/f9/trk-3/ROLLING_STOP"));
    }

    static RecordApplicationRun run(String outcome, String version, List<RecordApplicationRun.Decision> decisions) {
        return new RecordApplicationRun(LOG, decisions, summary(outcome, version, decisions.size()), LOG + "/ran");
    }

    @Test
    void idsPairALogWithItsSessionOnly() {
        assertThat(LOG).isEqualTo("run-1/apps/rolling-stop");
        assertThat(SessionApplicationLog.sessionIdOf(LOG)).contains(SESSION);
        assertThat(SessionApplicationLog.sessionIdOf(SESSION)).isEmpty();
        assertThat(SessionApplicationLog.sessionIdOf("/apps/x")).isEmpty();
        assertThat(SessionApplicationLog.sessionIdOf("run-1/apps/")).isEmpty();
        assertThat(SessionApplicationLog.sessionIdOf("run-1/apps/a/b")).as("an application name has no slash").isEmpty();
    }

    @Test
    void aRunStoresItsDecisionsThenItsSummary() {
        fixture.givenNoPriorActivity()
                .when(run("RAN", "rolling-stop-1.0.0", List.of(new RecordApplicationRun.Decision(LOG + "/alert/1", AT_NANOS - 5, alert()))))
                .expectSuccessfulHandlerExecution()
                .expectEvents(alert(), summary("RAN", "rolling-stop-1.0.0", 1));
    }

    @Test
    void theSameRunAgainStoresNothing() {
        fixture.given(alert(), summary("RAN", "rolling-stop-1.0.0", 1))
                .when(run("RAN", "rolling-stop-1.0.0", List.of(new RecordApplicationRun.Decision(LOG + "/alert/1", AT_NANOS - 5, alert()))))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void aRunUnderAnotherVersionIsRefused() {
        fixture.given(summary("RAN", "rolling-stop-1.0.0", 0))
                .when(run("RAN", "rolling-stop-2.0.0", List.of()))
                .expectException(IllegalStateException.class)
                .expectExceptionMessage(org.hamcrest.Matchers.containsString("one run per application and session"));
    }

    @Test
    void aRefusedRunLeavesTheLogOpen() {
        fixture.given(summary("REFUSED", "rolling-stop-1.0.0", 0))
                .when(run("RAN", "rolling-stop-1.0.0", List.of()))
                .expectEvents(summary("RAN", "rolling-stop-1.0.0", 0));
    }

    @Test
    void onlyDecisionsUnderTheLogsOwnIdsAreStored() {
        fixture.givenNoPriorActivity()
                .when(run("RAN", "rolling-stop-1.0.0", List.of(new RecordApplicationRun.Decision(SESSION + "/alert/1", AT_NANOS, alert()))))
                .expectException(IllegalArgumentException.class)
                .expectExceptionMessage(org.hamcrest.Matchers.containsString("outside the log's ids"));
        setUp();
        fixture.givenNoPriorActivity()
                .when(run("RAN", "rolling-stop-1.0.0", List.of(new RecordApplicationRun.Decision(LOG + "/x", AT_NANOS,
                        new DriveSessionStarted(SESSION, "f", "v", "d", "s", 0, null, "p", Map.of())))))
                .expectException(IllegalArgumentException.class)
                .expectExceptionMessage(org.hamcrest.Matchers.containsString("only its decisions"));
        setUp();
        fixture.givenNoPriorActivity()
                .when(new RecordApplicationRun("other/apps/rolling-stop", List.of(), summary("RAN", "v", 0), "x"))
                .expectException(IllegalArgumentException.class)
                .expectExceptionMessage(org.hamcrest.Matchers.containsString("belongs in log run-1/apps/rolling-stop"));
    }
}
