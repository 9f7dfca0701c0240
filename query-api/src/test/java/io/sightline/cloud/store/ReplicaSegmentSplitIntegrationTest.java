package io.sightline.cloud.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.testkit.TestPostgres;
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
        return new SpringApplicationBuilder(SightlineCloudApplication.class)
                .web(WebApplicationType.NONE)
                .properties("spring.datasource.url=" + db.jdbcUrl(), "spring.datasource.username=" + db.user(),
                        "spring.datasource.password=" + db.password(), "sightline.projections.max-claimed-segments=2",
                        "spring.application.name=" + name)
                .run();
    }

    @Test
    void twoReplicasEachClaimHalfOfTheSegments() throws Exception {
        TestPostgres.Database db = TestPostgres.freshDatabase("replicas");
        try (ConfigurableApplicationContext a = replica(db, "replica-a"); ConfigurableApplicationContext b = replica(db, "replica-b")) {
            JdbcTemplate jdbc = a.getBean(JdbcTemplate.class);
            long deadline = System.nanoTime() + 60_000_000_000L;
            List<Map<String, Object>> owners = List.of();
            while (System.nanoTime() < deadline) {
                owners = jdbc.queryForList("select owner, count(*) as segments from token_entry where processor_name = 'trace-edges'"
                        + " and owner is not null group by owner");
                if (owners.size() == 2 && owners.stream().allMatch(o -> ((Number) o.get("segments")).intValue() == 2)) {
                    break;
                }
                Thread.sleep(200);
            }
            assertThat(owners).as("owners of trace-edges segments").hasSize(2)
                    .allSatisfy(o -> assertThat(((Number) o.get("segments")).intValue()).isEqualTo(2));
        }
    }
}
