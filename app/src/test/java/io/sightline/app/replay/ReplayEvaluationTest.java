package io.sightline.app.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.app.CliRun;
import io.sightline.app.TestCloudArgs;
import io.sightline.app.clip.HazardClipCommand;
import io.sightline.app.run.LocalRun;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.domain.review.ReviewAlert;
import io.sightline.domain.review.SessionReviewLog;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.inference.ProjectHome;
import io.sightline.runtime.AssumedDrive;
import io.sightline.runtime.EdgePipeline;
import io.sightline.runtime.RunReport;
import io.sightline.testkit.Await;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.testkit.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.axonframework.commandhandling.gateway.CommandGateway;
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
 * {@code evaluate --replay} (issue 15 §5) over a session the real pipeline stored in the cloud, its
 * FCW reviewed as a true positive: the recorded policy changes nothing; a candidate that warns
 * later loses that alert and says it was a reviewed true positive.
 */
@ExtendWith(ProjectHomeExtension.class)
class ReplayEvaluationTest {

    static final String DEVICE = "test-edge-replay-eval";
    static TestPostgres.Database db;
    static ConfigurableApplicationContext cloud;
    static String sessionId;
    static String fcwAlertId;

    @TempDir
    static Path dir;

    @BeforeAll
    static void storeAReviewedSession() throws Exception {
        db = TestPostgres.freshDatabase("replay_eval");
        cloud = new SpringApplicationBuilder(SightlineCloudApplication.class).web(WebApplicationType.NONE).run(TestCloudArgs.of(db));
        JdbcTemplate jdbc = cloud.getBean(JdbcTemplate.class);
        EdgePipeline.Options options = new EdgePipeline.Options(ProjectHome.get().resolve(HazardClipCommand.DEFAULT_OUT).toString(),
                "yolox-nano", null, false, false, AssumedDrive.EGO_SPEED_MPS, 1, 0, LocalRun.FLEET_ID, LocalRun.VEHICLE_ID, DEVICE, "test");
        try (LocalRun edge = LocalRun.attach(cloud, dir.resolve("edge"), DEVICE);
             EdgePipeline pipeline = EdgePipeline.open(options).countTraceEdges(true)) {
            RunReport report = edge.run(pipeline, EdgePipeline.ProgressListener.NONE);
            assertThat(edge.awaitCloud(report, jdbc, Duration.ofSeconds(120)).lagging()).isEmpty();
            sessionId = report.sessionId();
        }
        Map<String, Object> fcw = jdbc.queryForMap("select alert_id, event_id from alerts where session_id = ? and kind = 'FORWARD_COLLISION'"
                + " order by raised_at_nanos limit 1", sessionId);
        fcwAlertId = (String) fcw.get("alert_id");
        cloud.getBean(CommandGateway.class).sendAndWait(new ReviewAlert(SessionReviewLog.idFor(sessionId), "review-1", fcwAlertId,
                (String) fcw.get("event_id"), "TRUE_POSITIVE", "reviewer@test", "lead braked", System.currentTimeMillis() * 1_000_000L));
        Await.until("the review is stored", Duration.ofSeconds(30), () -> jdbc.queryForObject(
                "select count(*) from domain_event_entry where aggregate_identifier = ?", Long.class, SessionReviewLog.idFor(sessionId)) == 1,
                () -> "no review event for " + sessionId);
    }

    @AfterAll
    static void stop() {
        if (cloud != null) {
            cloud.close();
        }
        TestPostgres.drop(db);
    }

    private static CliRun evaluate(Path policy, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("evaluate", "--replay", "--policy", policy.toString(), "--jdbc-url", db.jdbcUrl(),
                "--jdbc-user", db.user(), "--jdbc-password", db.password()));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void theRecordedPolicyChangesNothing() throws Exception {
        Path policy = Files.writeString(dir.resolve("recorded.json"), RiskPolicy.defaults().toJson());
        CliRun run = evaluate(policy, "--fleet", LocalRun.FLEET_ID, "--out", dir.resolve("same").toString());
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("1 sessions of " + LocalRun.FLEET_ID).containsPattern("alerts: (\\d+) recorded, \\1 replayed; 0 gained, 0 lost")
                .contains("reviewed true positives lost: 0").containsPattern("alert rate: ([\\d.]+) -> \\1 per hour of driving \\(\\+0\\.00\\)");
        assertThat(Files.readString(dir.resolve("same/replay-report.json"))).contains("\"reviewedTruePositivesLost\" : 0");
    }

    @Test
    void aLaterWarningLosesTheReviewedTruePositiveAndSaysSo() throws Exception {
        RiskPolicy d = RiskPolicy.defaults();
        RiskPolicy.ForwardCollision f = d.forwardCollision();
        RiskPolicy later = new RiskPolicy("test-fcw-0.3s", d.egoHalfWidthM(), new RiskPolicy.ForwardCollision(0.3, f.ttcClearS(),
                f.minEgoSpeedMps(), f.corridorMarginM(), f.minTrackAgeS(), f.maxTtcSigmaS(), f.hardBrakingDecelMps2()),
                d.followingDistance(), d.vulnerableRoadUser());
        Path policy = Files.writeString(dir.resolve("later.json"), later.toJson());
        CliRun run = evaluate(policy);
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("replay evaluation of policy test-fcw-0.3s against recorded " + RiskPolicy.defaults().version())
                .contains("reviewed true positives lost: 1")
                .containsPattern("lost   FORWARD_COLLISION +" + java.util.regex.Pattern.quote(fcwAlertId) + " at [\\d.]+ s of "
                        + java.util.regex.Pattern.quote(sessionId) + " \\(reviewed TRUE_POSITIVE\\)");
        assertThat(run.out()).containsPattern("alert rate: [\\d.]+ -> [\\d.]+ per hour of driving \\(-[\\d.]+\\)");
    }

    @Test
    void theRangeAndFleetSelectSessionsAndBadInputIsOneLine() throws Exception {
        Path policy = Files.writeString(dir.resolve("recorded2.json"), RiskPolicy.defaults().toJson());
        assertThat(evaluate(policy, "--fleet", "another-fleet").out()).contains("0 sessions of another-fleet");
        assertThat(evaluate(policy, "--to", "2000-01-01T00:00:00Z").out()).contains("0 sessions");

        CliRun noPolicy = CliRun.of("evaluate", "--replay", "--jdbc-url", db.jdbcUrl());
        assertThat(noPolicy.exit()).isEqualTo(1);
        assertThat(noPolicy.err().strip()).isEqualTo("evaluate: --replay needs --policy FILE: the candidate policy to replay the stored sessions with");
        CliRun badTime = evaluate(policy, "--from", "yesterday");
        assertThat(badTime.err().strip()).startsWith("evaluate: --from: 'yesterday' is neither epoch nanoseconds nor an ISO-8601 instant");
        CliRun inverted = evaluate(policy, "--from", "2026-12-02T00:00:00Z", "--to", "2026-12-01T00:00:00Z");
        assertThat(inverted.err().strip()).isEqualTo("evaluate: --from must be before --to");
        CliRun notAPolicy = evaluate(Files.writeString(dir.resolve("bad.json"), "{\"not\": \"a policy\"}"));
        assertThat(notAPolicy.exit()).isEqualTo(1);
        assertThat(notAPolicy.err()).contains("is not a valid risk policy");
    }
}
