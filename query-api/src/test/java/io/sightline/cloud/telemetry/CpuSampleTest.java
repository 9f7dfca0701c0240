package io.sightline.cloud.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.testkit.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

class CpuSampleTest {

    @Test
    void aSampleReadsThisJvmAndTheMachineAndNamesThreadGroupsWithDigitsFolded() {
        CpuSample sample = CpuSample.now();

        assertThat(sample.jvmNanos()).isPositive();
        if (Files.isReadable(Path.of("/proc/stat"))) {
            assertThat(sample.machineTotalTicks()).isGreaterThan(sample.machineBusyTicks()).isPositive();
            assertThat(sample.threadTicks()).isNotEmpty();
            assertThat(sample.threadTicks().keySet()).noneMatch(name -> name.matches(".*[0-9].*"));
        }
    }

    @Test
    void theLineBetweenTwoSamplesGivesCpuPerUnitOfWork() {
        CpuSample before = CpuSample.now();
        CpuSample after = CpuSample.now();

        assertThat(after.since(before, 1_000)).startsWith("; CPU per event: JVM ");
        assertThat(after.since(before, 10, "query")).startsWith("; CPU per query: JVM ");
    }

    /**
     * On the tests' shared server the backends of one database are what a benchmark may count:
     * a query that burns a few hundred milliseconds in a backend of that database shows up, in
     * whole 10 ms ticks.
     */
    @Test
    void theBackendsOfAWatchedDatabaseAreCountedWhenTheServerRunsOnThisHost() throws Exception {
        TestPostgres.Database db = TestPostgres.freshDatabase("cpu_sample");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(db.jdbcUrl());
        ds.setUser(db.user());
        ds.setPassword(db.password());
        try (Connection busy = ds.getConnection(); Statement st = busy.createStatement()) {
            CpuSample.watchDatabaseBackends(ds);
            CpuSample before = CpuSample.now();
            st.execute("select count(*) from generate_series(1, 5000000)");
            CpuSample after = CpuSample.now();

            boolean serverOnThisHost = db.origin().equals("embedded PostgreSQL") || db.jdbcUrl().contains("//127.0.0.1")
                    || db.jdbcUrl().contains("//localhost");
            if (serverOnThisHost && Files.isDirectory(Path.of("/proc/self"))) {
                assertThat(after.postgresTicks()).isNotNegative();
                assertThat(after.postgresMicrosSince(before)).isGreaterThanOrEqualTo(10_000);
                assertThat(after.since(before, 1, "query")).contains("+ PostgreSQL");
            }
            // A server in a container or on another host: its backends' pids are not this host's; nothing to check here.
        } finally {
            CpuSample.watchDatabaseBackends(null);
        }
    }
}
