package io.sightline.app.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.app.CliRun;
import io.sightline.testkit.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * `sightline bench ingest` end to end at a tiny size, against the real PostgreSQL and broker: the
 * harness that docs/benchmarks.md quotes must still verify every path exactly-once and print its
 * verdicts, with the batches signed ahead (the default) and with the vehicles' own uploaders.
 */
class IngestBenchSmokeTest {

    static TestPostgres.Database db;
    static String jdbcUrl;

    @BeforeAll
    static void database() {
        db = TestPostgres.freshDatabase("app_bench_ingest");
        jdbcUrl = db.jdbcUrlWithCredentials();
    }

    @AfterAll
    static void dropDatabase() {
        if (db != null) {
            TestPostgres.drop(db);
        }
    }

    @Test
    void everyPathIsVerifiedExactlyOnceAndComparedWithTheRawInsert() {
        CliRun r = CliRun.of("bench", "ingest", "--events", "400", "--vehicles", "2", "--runs", "2", "--warmup-rounds", "2",
                "--jdbc-url", jdbcUrl, "--mqtt-url", EdgeCommandIntegrationTest.brokerUrl());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("batches are read from its journal and signed before the clock starts")
                .contains("warm-up 1/2 http (batches of 20)")
                .contains("verified: the store holds exactly the 400 events of the 2 raw sessions")
                .contains("verified: the store holds exactly the 400 events of the 2 http sessions")
                .contains("verified: the store holds exactly the 400 events of the 2 mqtt sessions")
                .containsPattern("read and signed ahead in [0-9.]+ s\\), 0 transport failures")
                .containsPattern("(?m)^http +[0-9,]+ events/s +[0-9.]+ of raw \\(target >= 0\\.50\\): (PASS|BELOW TARGET) +\\(runs: [0-9,]+, [0-9,]+;")
                .containsPattern("(?m)^mqtt +[0-9,]+ events/s +[0-9.]+ of raw")
                .containsPattern("(?m)^raw +[0-9,]+ events/s +the limit \\(runs: [0-9,]+, [0-9,]+, [0-9,]+;");
    }

    @Test
    void liveUploadersAreTimedWhenAsked() {
        CliRun r = CliRun.of("bench", "ingest", "--events", "200", "--vehicles", "2", "--runs", "1", "--warmup-rounds", "0",
                "--paths", "http", "--live-uploaders", "--jdbc-url", jdbcUrl, "--mqtt-url", EdgeCommandIntegrationTest.brokerUrl());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("each vehicle's Uploader reads and signs its journal inside the timed part (--live-uploaders)")
                .contains("verified: the store holds exactly the 200 events of the 2 http sessions")
                .doesNotContain("signed ahead");
    }

    @Test
    void nonsenseSizesAreRefusedWithTheReason() {
        CliRun r = CliRun.of("bench", "ingest", "--runs", "0", "--jdbc-url", jdbcUrl);
        assertThat(r.exit()).isNotZero();
        assertThat(r.err() + r.out()).contains("need --runs >= 1 and --warmup-batch >= 1");
    }
}
