package io.sightline.app.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.app.CliRun;
import io.sightline.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * `sightline bench append` end to end at a tiny size, against the real PostgreSQL: the harness
 * that docs/benchmarks.md quotes must still interleave its timed runs from empty tables and print
 * the medians and their ratio, and must never empty a store that holds anyone else's events.
 */
class AppendBenchSmokeTest {

    @Test
    void interleavedRunsFromEmptyTablesGiveMediansAndTheirRatio() {
        TestPostgres.Database db = TestPostgres.freshDatabase("app_bench_append");
        try {
            CliRun r = CliRun.of("bench", "append", "--events", "400", "--sessions", "2", "--batch", "50", "--threads", "2",
                    "--runs", "2", "--warmup-rounds", "1", "--jdbc-url", jdbcUrl(db));
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out())
                    .contains("each run: empty event tables (truncated), a checkpoint and a full GC before the clock starts")
                    .containsPattern("warm-up 1/1 raw: [0-9,]+ events in")
                    .containsPattern("warm-up 1/1 axon: [0-9,]+ events in")
                    // The first path alternates: raw leads run 1, Axon leads run 2.
                    .containsPattern("(?s)run 1/2 raw: 400 events in .*run 1/2 axon: 400 events in .*run 2/2 axon: 400 events in"
                            + ".*run 2/2 raw: 400 events in")
                    .containsPattern("(?m)^raw +[0-9,]+ events/s +the limit \\(runs: [0-9,]+, [0-9,]+; fastest [0-9,]+\\)")
                    .containsPattern("(?m)^axon +[0-9,]+ events/s +\\(runs: [0-9,]+, [0-9,]+\\)")
                    .containsPattern("(?m)^axon/raw = [0-9.]+ \\(target >= 0\\.50\\): (PASS|BELOW TARGET) +\\([0-9.]+ of the fastest raw run\\)")
                    .containsPattern("(?m)^CPU per event, medians: raw JVM [0-9.]+ µs, axon JVM [0-9.]+ µs")
                    .doesNotContain("no checkpoint before the runs");
            // Every timed run started from empty tables: only the last one's rows (run 2's raw path) are left.
            assertThat(count(db, "select count(*) from domain_event_entry")).isEqualTo(400);
            assertThat(count(db, "select count(*) from domain_event_entry where aggregate_identifier not like 'bench-%-r2-raw-%'")).isZero();
        } finally {
            TestPostgres.drop(db);
        }
    }

    @Test
    void aStoreHoldingOtherEventsIsRefusedAndLeftAsItWas() throws Exception {
        TestPostgres.Database db = TestPostgres.freshDatabase("app_bench_append_foreign");
        try {
            Flyway.configure().dataSource(db.jdbcUrl(), db.user(), db.password()).locations("classpath:db/migration").load().migrate();
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.executeUpdate("insert into domain_event_entry (event_identifier, aggregate_identifier, sequence_number, type, time_stamp,"
                        + " payload_type, payload) values ('e-1', 'drive-of-a-real-vehicle', 0, 'DriveSession', '2026-12-06T00:00:00Z',"
                        + " 'x', '\\x00')");
            }
            CliRun r = CliRun.of("bench", "append", "--events", "60", "--sessions", "1", "--runs", "1", "--warmup-rounds", "0",
                    "--jdbc-url", jdbcUrl(db));
            assertThat(r.exit()).isNotZero();
            assertThat(r.err() + r.out()).contains("holds events that are not its own (session drive-of-a-real-vehicle)");
            assertThat(count(db, "select count(*) from domain_event_entry")).isEqualTo(1);
        } finally {
            TestPostgres.drop(db);
        }
    }

    @Test
    void nonsenseRunCountsAreRefusedWithTheReason() {
        CliRun r = CliRun.of("bench", "append", "--runs", "0");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err() + r.out()).contains("need --runs >= 1");
    }

    private static String jdbcUrl(TestPostgres.Database db) {
        return db.jdbcUrlWithCredentials();
    }

    private static long count(TestPostgres.Database db, String sql) {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
