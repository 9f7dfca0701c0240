package io.sightline.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.domain.evaluation.EvaluationLog;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.inference.ProjectHome;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.testkit.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/** {@code evaluate --cloud-url}: the evaluation is stored in a running cloud as an EvaluationCompleted, once per report (issue 15 §6). */
@ExtendWith(ProjectHomeExtension.class)
class EvaluationToCloudTest {

    static TestPostgres.Database db;
    static ConfigurableApplicationContext cloud;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startCloud() {
        db = TestPostgres.freshDatabase("eval_cloud");
        cloud = new SpringApplicationBuilder(SightlineCloudApplication.class).web(WebApplicationType.SERVLET)
                .run(TestCloudArgs.of(db, "--server.port=0"));
    }

    @AfterAll
    static void stop() {
        if (cloud != null) {
            cloud.close();
        }
        TestPostgres.drop(db);
    }

    private long stored(String policy) {
        return cloud.getBean(JdbcTemplate.class).queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ?"
                + " and payload_type = 'io.sightline.domain.event.EvaluationCompleted'", Long.class, EvaluationLog.idFor(policy));
    }

    @Test
    void theEvaluationIsStoredOncePerReport() throws Exception {
        String url = "http://localhost:" + cloud.getEnvironment().getProperty("local.server.port");
        Path token = Files.writeString(dir.resolve("admin-token"), cloud.getBean(DemoTokens.class)
                .mint("release-pipeline", "fleet-a", Duration.ofMinutes(10), Roles.ADMIN));
        String[] args = {"evaluate", "--suite", "nhtsa-fcw", "--runs", "2", "--threads", "1", "--families-dir",
                ProjectHome.get().resolve("scenarios/families").toString(), "--cloud-url", url, "--token-file", token.toString()};
        CliRun first = CliRun.of(args);
        assertThat(first.exit()).as(first.out() + first.err()).isZero();
        assertThat(first.out()).containsPattern("stored in the cloud as EvaluationCompleted eval-[0-9a-f]{24} \\(event [-0-9a-f]+, log "
                + EvaluationLog.idFor(RiskPolicy.defaults().version()) + "\\)");
        CliRun again = CliRun.of(args);
        assertThat(again.exit()).isZero();
        assertThat(stored(RiskPolicy.defaults().version())).as("the same report, stored once").isEqualTo(1);

        Path investigator = Files.writeString(dir.resolve("investigator-token"), cloud.getBean(DemoTokens.class)
                .mint("ivan", "fleet-a", Duration.ofMinutes(10), Roles.INVESTIGATOR));
        args[args.length - 1] = investigator.toString();
        CliRun refused = CliRun.of(args);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("--cloud-url " + url + ": the cloud answered HTTP 403").contains("an admin token is needed");
    }
}
