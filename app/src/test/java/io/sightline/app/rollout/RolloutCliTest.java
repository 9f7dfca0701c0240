package io.sightline.app.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.app.CliRun;
import io.sightline.app.TestCloudArgs;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.inference.ProjectHome;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.testkit.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

/**
 * {@code rollout start|status|halt|resume|rollback|trace} against a running cloud with FastestDet
 * (champion) and YOLOX-nano (challenger) registered by {@code registry add-model} and four vehicles
 * assigned. The cloud's scheduler is off so the rollout stays where the commands put it.
 */
@ExtendWith(ProjectHomeExtension.class)
class RolloutCliTest {

    static TestPostgres.Database db;
    static ConfigurableApplicationContext cloud;
    static String champion;
    static String challenger;

    @TempDir
    static Path dir;

    static String url() {
        return "http://localhost:" + cloud.getEnvironment().getProperty("local.server.port");
    }

    static Path token(String name, String role) throws Exception {
        return Files.writeString(dir.resolve(name + "-" + role + "-token"),
                cloud.getBean(DemoTokens.class).mint(name, "fleet-cli", Duration.ofMinutes(10), role));
    }

    static String register(String dirName, String file) throws Exception {
        Path models = ProjectHome.get().resolve("models").resolve(dirName);
        CliRun r = CliRun.of("registry", "add-model", models.resolve(file).toString(), "--manifest", models.resolve("manifest.json").toString(),
                "--key", dir.resolve("keys/release.key").toString(), "--cloud-url", url(), "--token-file", token("ada", Roles.ADMIN).toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        return ReleaseStatement.sha256Hex(Files.readAllBytes(models.resolve(file)));
    }

    @BeforeAll
    static void cloudWithAFleet() throws Exception {
        assertThat(CliRun.of("registry", "keygen", "--out", dir.resolve("keys").toString()).exit()).isZero();
        db = TestPostgres.freshDatabase("rollout_cli");
        cloud = new SpringApplicationBuilder(SightlineCloudApplication.class).web(WebApplicationType.SERVLET)
                .run(TestCloudArgs.of(db, "--server.port=0", "--sightline.registry.dir=" + dir.resolve("blobs"),
                        "--sightline.registry.trusted-key-files=" + dir.resolve("keys/release.pub"), "--sightline.rollouts.scheduler.enabled=false"));
        champion = register("fastestdet", "FastestDet.onnx");
        challenger = register("yolox_nano", "yolox_nano.onnx");
        RiskPolicy d = RiskPolicy.defaults();
        Path policy = Files.writeString(dir.resolve("policy.json"),
                new RiskPolicy("sightline-risk-rollout-cli", d.egoHalfWidthM(), d.forwardCollision(), d.followingDistance(), d.vulnerableRoadUser()).toJson());
        CliRun p = CliRun.of("registry", "add-policy", policy.toString(), "--key", dir.resolve("keys/release.key").toString(), "--cloud-url", url(),
                "--token-file", token("ada", Roles.ADMIN).toString());
        assertThat(p.exit()).as(p.err()).isZero();
        String policySha = ReleaseStatement.sha256Hex(Files.readAllBytes(policy));
        String admin = Files.readString(token("ada", Roles.ADMIN));
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + "/api/v1/assignments/fleet-cli/veh-" + i))
                    .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"championModelSha256\":\"" + champion + "\",\"championPolicySha256\":\""
                            + policySha + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    @AfterAll
    static void stop() {
        if (cloud != null) {
            cloud.close();
        }
        TestPostgres.drop(db);
    }

    long rolloutEvents() {
        return cloud.getBean(JdbcTemplate.class).queryForObject("select count(*) from domain_event_entry where aggregate_identifier like 'rollout/%'",
                Long.class);
    }

    @Test
    void startStatusHaltResumeRollbackAndTrace() throws Exception {
        String admin = token("ada", Roles.ADMIN).toString();
        CliRun unknown = CliRun.of("rollout", "start", "--challenger-model", challenger, "--gate", "shadow-f1", "--cloud-url", url(),
                "--token-file", admin);
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("the cloud answered HTTP 400: unknown gate 'shadow-f1'");
        CliRun reader = CliRun.of("rollout", "start", "--challenger-model", challenger, "--cloud-url", url(), "--token-file",
                token("ivan", Roles.INVESTIGATOR).toString());
        assertThat(reader.exit()).isEqualTo(1);
        assertThat(reader.err()).contains("HTTP 403");
        assertThat(rolloutEvents()).isZero();

        CliRun start = CliRun.of("rollout", "start", "--id", "cli-1", "--challenger-model", challenger, "--steps", "50,100", "--bake-seconds", "600",
                "--gate", "cohort-findings:maxDriftFindings=1", "--cloud-url", url(), "--token-file", admin);
        assertThat(start.exit()).as(start.out() + start.err()).isZero();
        assertThat(start.out()).contains("started: cli-1 over 4 vehicles", "step 0  canary   50.0 %    2 vehicles  bake 600s  pending");

        CliRun list = CliRun.of("rollout", "status", "--cloud-url", url(), "--token-file", token("audrey", Roles.AUDITOR).toString());
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).contains("cli-1", "RUNNING", "step -1 of 2");

        CliRun halt = CliRun.of("rollout", "halt", "cli-1", "--reason", "a driver complained", "--cloud-url", url(), "--token-file", admin);
        assertThat(halt.exit()).as(halt.err()).isZero();
        assertThat(halt.out()).contains("halt: cli-1 is HALTED");
        CliRun haltAgain = CliRun.of("rollout", "halt", "cli-1", "--cloud-url", url(), "--token-file", admin);
        assertThat(haltAgain.exit()).isEqualTo(1);
        assertThat(haltAgain.err()).contains("HTTP 409").contains("only a running rollout can halt");
        assertThat(CliRun.of("rollout", "resume", "cli-1", "--cloud-url", url(), "--token-file", admin).out()).contains("resume: cli-1 is RUNNING");
        CliRun back = CliRun.of("rollout", "rollback", "cli-1", "--reason", "not this week", "--cloud-url", url(), "--token-file", admin);
        assertThat(back.exit()).as(back.err()).isZero();
        assertThat(back.out()).contains("rollback: cli-1 is ROLLED_BACK");

        CliRun trace = CliRun.of("rollout", "trace", "cli-1", "--cloud-url", url(), "--token-file", token("ivan", Roles.INVESTIGATOR).toString());
        assertThat(trace.exit()).as(trace.err()).isZero();
        assertThat(trace.out()).contains("Rollout cli-1 was rolled back at step -1 by ada: not this week.");
        CliRun status = CliRun.of("rollout", "status", "cli-1", "--cloud-url", url(), "--token-file", admin);
        assertThat(status.out()).contains("rollout cli-1  fleet fleet-cli  ROLLED_BACK", "challenger  model " + challenger);
        // ADR-0044: rolled back before its first step, it restored no vehicle, so the next check confirms it at once.
        assertThat(cloud.getBean(io.sightline.cloud.rollout.RolloutService.class).checkConfirmation("cli-1", java.time.Instant.now()).action())
                .isEqualTo("rollback confirmed");
        CliRun confirmed = CliRun.of("rollout", "status", "cli-1", "--cloud-url", url(), "--token-file", admin);
        assertThat(confirmed.out()).contains("  rollback    CONFIRMED  0 of 0 vehicles confirmed the champion  deadline 86400s");
        CliRun listed = CliRun.of("rollout", "status", "--cloud-url", url(), "--token-file", admin);
        assertThat(listed.out()).contains("ROLLED_BACK (CONFIRMED)");
    }
}
