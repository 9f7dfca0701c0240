package io.sightline.app.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.app.CliRun;
import io.sightline.app.TestCloudArgs;
import io.sightline.app.WrongSettingException;
import io.sightline.app.clip.HazardClipCommand;
import io.sightline.app.run.LocalRun;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.inference.ProjectHome;
import io.sightline.runtime.AssumedDrive;
import io.sightline.runtime.EdgePipeline;
import io.sightline.runtime.RunReport;
import io.sightline.testkit.Await;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.testkit.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code shadow --cloud-url}: the reviewed alerts come from a real cloud on PostgreSQL. A session of
 * the bundled forward-collision clip on FastestDet is recorded as {@code run} records it (its alert
 * window kept as the source's MP4 clip, ADR-0037); an investigator confirms its forward-collision
 * warning; the clip, downloaded from the cloud, is given as {@code --video}, and the comparison finds
 * the confirmed alert by the clip's sha256 and judges it as it judges the same alert given in a file.
 */
@ExtendWith(ProjectHomeExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShadowCloudReviewedAlertsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FRAMES = 80;
    private static final String FLEET = LocalRun.FLEET_ID;

    static TestPostgres.Database db;
    static ConfigurableApplicationContext cloud;
    static String session;
    /** The recorded session's alerts, oldest first, as GET /api/v1/alerts lists them. */
    static List<JsonNode> alerts;
    static Path clip;
    static String clipSha256;
    static Path investigator;

    @TempDir
    static Path dir;

    static String url() {
        return "http://localhost:" + cloud.getEnvironment().getProperty("local.server.port");
    }

    static Path token(String name, String fleet, String role) throws Exception {
        return Files.writeString(dir.resolve(name), cloud.getBean(DemoTokens.class).mint("ivan", fleet, Duration.ofMinutes(30), role));
    }

    static HttpResponse<byte[]> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + path))
                .header("Authorization", "Bearer " + Files.readString(investigator)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode getJson(String path) {
        try {
            HttpResponse<byte[]> r = get(path);
            assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void aRecordedSessionWithItsClip() throws Exception {
        db = TestPostgres.freshDatabase("shadow_cloud_reviews");
        cloud = new SpringApplicationBuilder(SightlineCloudApplication.class).web(WebApplicationType.SERVLET)
                .run(TestCloudArgs.of(db, "--server.port=0", "--sightline.rollouts.scheduler.enabled=false"));
        investigator = token("investigator-token", FLEET, Roles.INVESTIGATOR);
        JdbcTemplate jdbc = cloud.getBean(JdbcTemplate.class);
        try (LocalRun edge = LocalRun.attach(cloud, dir.resolve("edge"), "dev-shadow-cloud", true)) {
            RunReport report;
            try (EdgePipeline pipeline = EdgePipeline.open(new EdgePipeline.Options(ProjectHome.get().resolve(HazardClipCommand.DEFAULT_OUT)
                    .toString(), "fastestdet", null, false, false, AssumedDrive.EGO_SPEED_MPS, 1, FRAMES, FLEET, "veh-shadow-cloud",
                    "dev-shadow-cloud", "test")).countTraceEdges(true)) {
                report = edge.run(pipeline, EdgePipeline.ProgressListener.NONE);
            }
            assertThat(edge.awaitCloud(report, jdbc, Duration.ofSeconds(300)).lagging()).as("the cloud caught up, clip included").isEmpty();
            assertThat(report.count("EvidenceClipRecorded")).isEqualTo(1);
            session = report.sessionId();
        }
        alerts = new ArrayList<>();
        Await.value("the session's alerts in the alerts projection", Duration.ofSeconds(60),
                () -> getJson("/api/v1/alerts?vehicle=veh-shadow-cloud&limit=500").path("items").size(), n -> n > 0, () -> "");
        getJson("/api/v1/alerts?vehicle=veh-shadow-cloud&limit=500").path("items").forEach(alerts::add);
        alerts.sort(java.util.Comparator.comparingLong(a -> a.path("raisedAtNanos").asLong()));
        assertThat(alerts).as("the slower lead is warned of in the first " + FRAMES + " frames")
                .anySatisfy(a -> assertThat(a.path("kind").asText()).isEqualTo("FORWARD_COLLISION"));
        JsonNode evidence = getJson("/api/v1/alerts/" + fcw().path("alertId").asText() + "/evidence");
        JsonNode c = evidence.path("clips").get(0);
        clipSha256 = c.path("sha256").asText();
        HttpResponse<byte[]> bytes = get(c.path("url").asText());
        assertThat(bytes.statusCode()).isEqualTo(200);
        clip = Files.write(dir.resolve("window.mp4"), bytes.body());
    }

    @AfterAll
    static void stop() {
        if (cloud != null) {
            cloud.close();
        }
        TestPostgres.drop(db);
    }

    static JsonNode fcw() {
        return alerts.stream().filter(a -> a.path("kind").asText().equals("FORWARD_COLLISION")).findFirst().orElseThrow();
    }

    static CliRun shadow(String video, String... extra) {
        return CliRun.of(Stream.concat(Stream.of("shadow", "--champion", "fastestdet", "--challenger", "fastestdet", "--video", video),
                Stream.of(extra)).toArray(String[]::new));
    }

    static void assertOneLine(CliRun run, String... contains) {
        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(WrongSettingException.EXIT_CODE);
        assertThat(run.err().strip().lines().count()).as(run.err()).isEqualTo(1);
        assertThat(run.err()).contains(contains);
    }

    /** Before any review: each way the cloud cannot give reviewed alerts is one line saying what to do, before any decoding. */
    @Test
    @Order(1)
    void theCloudsRefusalsAndAClipWithoutConfirmedAlertsAreOneLineNamingWhatToDo() throws Exception {
        Path file = Files.writeString(dir.resolve("reviewed-both.json"), "{\"alerts\":[{\"kind\":\"FORWARD_COLLISION\",\"atS\":1.76}]}");
        assertOneLine(shadow(clip.toString(), "--reviewed-alerts", file.toString(), "--cloud-url", url(), "--token-file",
                investigator.toString()), "--reviewed-alerts and --cloud-url", "not both");
        assertOneLine(shadow(clip.toString(), "--token-file", investigator.toString()), "--token-file is for --cloud-url");

        assertOneLine(shadow(clip.toString(), "--cloud-url", "http://127.0.0.1:1", "--token-file", investigator.toString()),
                "--cloud-url http://127.0.0.1:1: cannot reach it", "check the address and that the cloud runs");
        Path garbage = Files.writeString(dir.resolve("garbage-token"), "not-a-token");
        assertOneLine(shadow(clip.toString(), "--cloud-url", url(), "--token-file", garbage.toString()),
                "the cloud answered HTTP 401", "./sightline token --role investigator");
        assertOneLine(shadow(clip.toString(), "--cloud-url", url(), "--token-file", token("admin-token", FLEET, Roles.ADMIN).toString()),
                "the cloud answered HTTP 403", "needs an investigator token");
        assertOneLine(shadow(clip.toString(), "--cloud-url", url(), "--token-file", dir.resolve("absent-token").toString()),
                "--token-file " + dir.resolve("absent-token") + ": cannot read it");

        // The source video is not the cloud's clip, and another fleet's investigator does not see this fleet's clip.
        assertOneLine(shadow(ProjectHome.get().resolve(HazardClipCommand.DEFAULT_OUT).toString(), "--cloud-url", url(), "--token-file",
                investigator.toString()), "your fleet holds no evidence clip with the sha256 of --video", "GET /api/v1/alerts/{alertId}/evidence");
        assertOneLine(shadow(clip.toString(), "--cloud-url", url(), "--token-file", token("other-fleet", "fleet-other", Roles.INVESTIGATOR)
                .toString()), "your fleet holds no evidence clip");

        // The API's own answer to a clip that is not a sha256.
        HttpResponse<byte[]> malformed = get("/api/v1/alerts?clip=window.mp4");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(new String(malformed.body())).contains("clip must be the sha256 of an evidence clip, 64 hex digits");

        // The clip is the cloud's, but nobody has confirmed its alerts yet.
        assertOneLine(shadow(clip.toString(), "--cloud-url", url(), "--token-file", investigator.toString()),
                "no alert in clip " + clipSha256.substring(0, 12), "(session " + session + ")", alerts.size() + " UNREVIEWED",
                "review them first (POST /api/v1/alerts/{alertId}/review) or give --reviewed-alerts FILE");
    }

    /**
     * The confirmed warning read from the cloud is judged as the same warning given in a file: a challenger policy that warns
     * only at a TTC of 1.5 s misses it (ShadowCommandTest). The cloud places it at its deciding frame, where the champion's
     * replay of the clip raises it again (the clip starts at the session's first frame, so the replay is the session).
     */
    @Test
    @Order(2)
    void aConfirmedAlertFromTheCloudIsJudgedAsTheSameAlertFromAFile() throws Exception {
        String alertId = fcw().path("alertId").asText();
        review(alertId, "TRUE_POSITIVE");
        List<String> others = alerts.stream().map(a -> a.path("alertId").asText()).filter(id -> !id.equals(alertId)).toList();
        for (String other : others) {
            review(other, "FALSE_POSITIVE");
        }
        Await.value("the verdicts in the alerts projection", Duration.ofSeconds(60),
                () -> getJson("/api/v1/alerts?clip=" + clipSha256 + "&verdict=TRUE_POSITIVE").path("items").size(), n -> n == 1, () -> "");
        JsonNode listed = getJson("/api/v1/alerts?clip=" + clipSha256.toUpperCase(java.util.Locale.ROOT));
        assertThat(listed.path("items")).as("the clip covers every alert of this short session").hasSize(alerts.size());

        RiskPolicy d = RiskPolicy.defaults();
        RiskPolicy.ForwardCollision f = d.forwardCollision();
        RiskPolicy late = new RiskPolicy("test-late-fcw", d.egoHalfWidthM(), new RiskPolicy.ForwardCollision(1.5, 2.0, f.minEgoSpeedMps(),
                f.corridorMarginM(), f.minTrackAgeS(), f.maxTtcSigmaS(), f.hardBrakingDecelMps2()), d.followingDistance(),
                d.vulnerableRoadUser());
        Path policy = Files.writeString(dir.resolve("late-fcw.json"), late.toJson());

        Path fromCloudJson = dir.resolve("from-cloud.json");
        CliRun fromCloud = shadow(clip.toString(), "--challenger-policy", policy.toString(), "--cloud-url", url(), "--token-file",
                investigator.toString(), "--json", fromCloudJson.toString());
        System.out.println(fromCloud.out());
        assertThat(fromCloud.exit()).as(fromCloud.err()).isZero();
        assertThat(fromCloud.out()).contains("reviewed alerts from " + url() + ": clip sha256 " + clipSha256.substring(0, 12),
                "of session " + session + ": 1 confirmed", alertId, "reviewed true-positive alerts: 1 given, the challenger would miss 1");
        if (!others.isEmpty()) {
            assertThat(fromCloud.out()).contains("not confirmed " + others.size() + " FALSE_POSITIVE");
        }
        JsonNode cloudReviewed = JSON.readTree(fromCloudJson.toFile()).path("reviewedTruePositivesMissed");
        assertThat(cloudReviewed.path("source").path("clipSha256").asText()).isEqualTo(clipSha256);
        assertThat(cloudReviewed.path("source").path("sessionIds")).singleElement().satisfies(s -> assertThat(s.asText()).isEqualTo(session));
        JsonNode fromCloudAlert = cloudReviewed.path("alerts").get(0);
        assertThat(fromCloudAlert.path("alertId").asText()).isEqualTo(alertId);
        assertThat(fromCloudAlert.path("kind").asText()).isEqualTo("FORWARD_COLLISION");
        assertThat(fromCloudAlert.path("atS").asDouble()).as("at its deciding frame, where the champion raises it on the clip")
                .isCloseTo(fromCloudAlert.path("championAtS").asDouble(), within(1e-6));

        // The same warning as a reviewer's file names it (ShadowCommandTest's time of the clip's warning).
        Path file = Files.writeString(dir.resolve("reviewed.json"), "{\"alerts\":[{\"kind\":\"FORWARD_COLLISION\",\"atS\":1.76}]}");
        Path fromFileJson = dir.resolve("from-file.json");
        CliRun fromFile = shadow(clip.toString(), "--challenger-policy", policy.toString(), "--reviewed-alerts", file.toString(), "--json",
                fromFileJson.toString());
        assertThat(fromFile.exit()).as(fromFile.err()).isZero();
        JsonNode fileReviewed = JSON.readTree(fromFileJson.toFile()).path("reviewedTruePositivesMissed");
        assertThat(fileReviewed.has("source")).isFalse();
        for (String field : List.of("measured", "given", "missed")) {
            assertThat(cloudReviewed.path(field)).as(field).isEqualTo(fileReviewed.path(field));
        }
        JsonNode fromFileAlert = fileReviewed.path("alerts").get(0);
        for (String field : List.of("kind", "outcome", "championAtS", "ttcDifferenceS")) {
            assertThat(fromCloudAlert.path(field)).as(field).isEqualTo(fromFileAlert.path(field));
        }
        assertThat(fromCloudAlert.path("outcome").asText()).isEqualTo("MISSED");
        assertThat(fromCloudAlert.path("atS").asDouble()).isCloseTo(1.76, within(0.5));
        // Everything else in the report is the same run.
        assertThat(JSON.readTree(fromCloudJson.toFile()).path("alerts")).isEqualTo(JSON.readTree(fromFileJson.toFile()).path("alerts"));
    }

    static void review(String alertId, String verdict) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + "/api/v1/alerts/" + alertId
                + "/review")).header("Authorization", "Bearer " + Files.readString(investigator)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"verdict\":\"" + verdict + "\",\"note\":\"shadow --cloud-url test\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }
}
