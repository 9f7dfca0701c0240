package io.sightline.cloud.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.testkit.Await;
import io.sightline.testkit.TestPostgres;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/** Two cloud replicas on one PostgreSQL split each projection's segments through the JDBC token store. */
class ReplicaSegmentSplitIntegrationTest {

    private static ConfigurableApplicationContext replica(TestPostgres.Database db, String name) {
        // As arguments, not builder defaults: defaults rank below everything, the embedded PostgreSQL's
        // lazy datasource included, and both replicas then ran on query-api/.sightline/pgdata instead.
        return new SpringApplicationBuilder(SightlineCloudApplication.class)
                .web(WebApplicationType.NONE)
                .run("--spring.datasource.url=" + db.jdbcUrl(), "--spring.datasource.username=" + db.user(),
                        "--spring.datasource.password=" + db.password(), "--sightline.projections.max-claimed-segments=2",
                        "--spring.application.name=" + name);
    }

    @Test
    void twoReplicasEachClaimHalfOfTheSegments() throws Exception {
        TestPostgres.Database db = TestPostgres.freshDatabase("replicas");
        try (ConfigurableApplicationContext a = replica(db, "replica-a"); ConfigurableApplicationContext b = replica(db, "replica-b")) {
            JdbcTemplate jdbc = a.getBean(JdbcTemplate.class);
            assertThat(jdbc.queryForObject("select current_database()", String.class)).as("the replicas use the test's own database")
                    .isEqualTo(db.name());
            List<Map<String, Object>> owners = Await.value("two replicas owning two trace-edges segments each", Duration.ofSeconds(60),
                    () -> jdbc.queryForList("select owner, count(*) as segments from token_entry where processor_name = 'trace-edges'"
                            + " and owner is not null group by owner"),
                    o -> o.size() == 2 && o.stream().allMatch(r -> ((Number) r.get("segments")).intValue() == 2), () -> "");
            assertThat(owners).as("owners of trace-edges segments").hasSize(2)
                    .allSatisfy(o -> assertThat(((Number) o.get("segments")).intValue()).isEqualTo(2));
        }
    }
}
