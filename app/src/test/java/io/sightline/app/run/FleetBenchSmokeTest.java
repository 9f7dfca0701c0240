package io.sightline.app.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.app.CliRun;
import io.sightline.testkit.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * `sightline bench fleet` at a tiny size against the real PostgreSQL and broker: vehicles' tiered
 * drives (full windows, summaries, signed gap declarations) are all accepted by the real cloud, and
 * their alerts come back as notifications on the broker, so the figures docs/scale.md quotes come
 * from a harness that works end to end.
 */
class FleetBenchSmokeTest {

    static TestPostgres.Database db;
    static String jdbcUrl;

    @BeforeAll
    static void database() {
        db = TestPostgres.freshDatabase("app_bench_fleet");
        jdbcUrl = db.jdbcUrlWithCredentials();
    }

    @AfterAll
    static void dropDatabase() {
        if (db != null) {
            TestPostgres.drop(db);
        }
    }

    @Test
    void tieredDrivesAreAcceptedAndTheirAlertsAreAnnounced() {
        // an alert every 10 driving seconds, the first after 30 to 40: 60 s of driving at 4x hold two or more per vehicle
        CliRun r = CliRun.of("bench", "fleet", "--vehicles", "3", "--connections", "2", "--speeds", "4", "--step-seconds", "15",
                "--alerts-per-hour", "360", "--jdbc-url", jdbcUrl, "--mqtt-url", EdgeCommandIntegrationTest.brokerUrl());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("fleet benchmark: 3 vehicles over 2 MQTT connections")
                .doesNotContain("refused:")
                .containsPattern("(?m)^ 4\\.00 +[0-9]+ +[0-9]+ +[1-9][0-9]* ")
                .containsPattern("alerts: ([1-9][0-9]*) raised by the vehicles, \\1 announced on the broker; visibility")
                .contains("the simulated vehicles used")
                .containsPattern("verified: the store holds exactly the [0-9,]+ events the 3 vehicles uploaded");
    }
}
