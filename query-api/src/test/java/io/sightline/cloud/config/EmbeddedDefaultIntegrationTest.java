package io.sightline.cloud.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.ingest.IngestionService;
import io.sightline.domain.event.CameraCalibration;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.session.BatchAck;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/** With no datasource configured the application runs on an embedded PostgreSQL whose data survives a restart. */
class EmbeddedDefaultIntegrationTest {

    private static ConfigurableApplicationContext start(Path dataDir) {
        return new SpringApplicationBuilder(SightlineCloudApplication.class)
                .web(WebApplicationType.NONE)
                .properties("sightline.embedded-postgres.data-dir=" + dataDir, "sightline.projections.enabled=false")
                .run();
    }

    @Test
    void dataSurvivesARestartOfTheApplication(@TempDir Path dataDir) {
        long t0 = 1_764_000_000_000_000_000L;
        List<EventEnvelope> events = List.of(
                new EventEnvelope("e/0", 0, t0, new DriveSessionStarted("emb-1", "fleet", "veh", "dev", "0.1.0", t0,
                        new CameraCalibration("cal", 700, 700, 480, 270, 960, 540, 1.3, 0, true), "policy-v1", Map.of())),
                new EventEnvelope("e/1", 1, t0 + 1, new FrameCaptured("f1", 1, 40_000_000L, 960, 540, "clip")));
        try (ConfigurableApplicationContext first = start(dataDir)) {
            assertThat(first.getEnvironment().getProperty("spring.datasource.url")).contains("jdbc:postgresql://localhost:");
            first.getBean(IngestionService.class).append("emb-1", 0, events);
        }
        try (ConfigurableApplicationContext second = start(dataDir)) {
            Long stored = second.getBean(JdbcTemplate.class)
                    .queryForObject("select count(*) from domain_event_entry where aggregate_identifier = 'emb-1'", Long.class);
            assertThat(stored).isEqualTo(2);
            BatchAck resent = second.getBean(IngestionService.class).append("emb-1", 0, events);
            assertThat(resent.duplicateCount()).isEqualTo(2);
            assertThat(resent.nextExpectedSequence()).isEqualTo(2);
        }
    }

    /**
     * A statement still running when the context closes finishes before the embedded server stops:
     * its fast shutdown would otherwise terminate the session mid-transaction. (Axon's event store
     * reader can still start a fetch after the server stopped, and log it, at the end of
     * {@code bench ingest --with-projections}: that is not this.)
     */
    @Test
    void closingTheContextLetsARunningStatementFinish(@TempDir Path dataDir) throws Exception {
        ConfigurableApplicationContext ctx = start(dataDir);
        javax.sql.DataSource ds = ctx.getBean(javax.sql.DataSource.class);
        java.util.concurrent.CompletableFuture<String> slow = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (java.sql.Connection c = ds.getConnection(); java.sql.Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("select pg_sleep(1.5)");
                c.commit();
                return "committed";
            } catch (java.sql.SQLException e) {
                return e.getMessage();
            }
        });
        JdbcTemplate jdbc = ctx.getBean(JdbcTemplate.class);
        io.sightline.testkit.Await.until("the slow statement started", java.time.Duration.ofSeconds(10),
                () -> jdbc.queryForObject("select count(*) from pg_stat_activity where state = 'active' and query like 'select pg_sleep%'",
                        Long.class) > 0, () -> "");
        ctx.close();
        assertThat(slow.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("committed");
    }

    /**
     * With a datasource URL given (here as an argument; in a deployment, SPRING_DATASOURCE_URL),
     * Spring's lookups of the other spring.datasource.* settings start no embedded server: before,
     * every such lookup fell through to the lazy embedded source and started one for nothing.
     */
    @Test
    void aConfiguredDatasourceStartsNoEmbeddedServer(@TempDir Path dataDir) {
        io.sightline.testkit.TestPostgres.Database db = io.sightline.testkit.TestPostgres.freshDatabase("no_embedded");
        Path embedded = dataDir.resolve("pgdata");
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(SightlineCloudApplication.class)
                .web(WebApplicationType.NONE)
                .run("--spring.datasource.url=" + db.jdbcUrl(), "--spring.datasource.username=" + db.user(),
                        "--spring.datasource.password=" + db.password(), "--sightline.embedded-postgres.data-dir=" + embedded,
                        "--sightline.projections.enabled=false")) {
            assertThat(ctx.getBean(JdbcTemplate.class).queryForObject("select current_database()", String.class)).isEqualTo(db.name());
            assertThat(EmbeddedPostgresEnvironmentPostProcessor.startedFor(ctx.getEnvironment())).isFalse();
            assertThat(embedded).doesNotExist();
        } finally {
            io.sightline.testkit.TestPostgres.drop(db);
        }
    }
}
