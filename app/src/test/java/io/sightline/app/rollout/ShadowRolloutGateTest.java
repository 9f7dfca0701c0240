package io.sightline.app.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.app.CliRun;
import io.sightline.app.TestCloudArgs;
import io.sightline.app.fleet.FleetCloud;
import io.sightline.app.clip.HazardClipCommand;
import io.sightline.app.run.LocalRun;
import io.sightline.runtime.AssumedDrive;
import io.sightline.runtime.RunReport;
import io.sightline.app.shadow.ShadowComparison;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.rollout.GateContext;
import io.sightline.cloud.rollout.RolloutEvidenceReader;
import io.sightline.cloud.rollout.RolloutService;
import io.sightline.cloud.rollout.RolloutState;
import io.sightline.cloud.rollout.ShadowDisagreementGate;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.ReviewedAlertReplayed;
import io.sightline.domain.event.RolloutHalted;
import io.sightline.domain.event.RolloutGateResult;
import io.sightline.domain.event.RolloutStarted;
import io.sightline.domain.event.RolloutStep;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.shadow.AlertAgreement;
import io.sightline.inference.ProjectHome;
import io.sightline.runtime.EdgePipeline;
import io.sightline.testkit.Await;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.testkit.TestPostgres;
import io.sightline.uplink.journal.EdgeJournal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * Shadow mode end to end (issue 17 §3) with the real models, decoder, edge and cloud: a rollout's
 * shadow step assigns YOLOX-nano as the shadow challenger of a vehicle on FastestDet; the real edge
 * ({@code edge --follow-assignment}) runs it beside the champion and uploads its {@code Shadow…}
 * events; the {@code shadow-disagreement} gate reads them from the stored stream and finds the same
 * detection F1 and alert agreement as the offline {@code shadow} command on the same frames.
 */
@ExtendWith(ProjectHomeExtension.class)
class ShadowRolloutGateTest {

    static final String FLEET = "fleet-shadow";
    private static final ObjectMapper JSON = new ObjectMapper();
    static TestPostgres.Database db;
    static ConfigurableApplicationContext cloud;
    static KeyPair release;
    static String fastestdet;
    static String yolox;
    static String policy;

    @TempDir
    static Path dir;

    static final int FRAMES = 80;
    /** LocalRun registers its devices in the edge's default fleet. */
    static final String REPLAY_FLEET = LocalRun.FLEET_ID;

    static String url() {
        return api().url();
    }

    static String token(String role) {
        return api().token(role);
    }

    static HttpResponse<String> send(String method, String path, String json) throws Exception {
        return api().send(method, path, json);
    }

    static io.sightline.app.fleet.CloudApi api() {
        return new io.sightline.app.fleet.CloudApi(cloud, FLEET);
    }

    static String registerModel(String dirName, String file) throws Exception {
        return api().registerModel(release, dirName, file);
    }

    @BeforeAll
    static void cloudWithRegisteredModels() throws Exception {
        release = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Files.writeString(dir.resolve("release.pub"), ReleaseStatement.pem("PUBLIC KEY", release.getPublic().getEncoded()));
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Files.writeString(dir.resolve("other.pub"), ReleaseStatement.pem("PUBLIC KEY", other.getPublic().getEncoded()));
        db = TestPostgres.freshDatabase("shadow_rollout");
        cloud = new SpringApplicationBuilder(SightlineCloudApplication.class).web(WebApplicationType.SERVLET)
                .run(TestCloudArgs.of(db, "--server.port=0", "--sightline.registry.dir=" + dir.resolve("blobs"),
                        "--sightline.registry.trusted-key-files=" + dir.resolve("release.pub"), "--sightline.rollouts.scheduler.enabled=false"));
        fastestdet = registerModel("fastestdet", "FastestDet.onnx");
        yolox = registerModel("yolox_nano", "yolox_nano.onnx");
        // The champion policy (the defaults), which the edge downloads, verifies and decides with: its sessions are on the rollout's champion.
        RiskPolicy d = RiskPolicy.defaults();
        byte[] bytes = d.toJson().getBytes(StandardCharsets.UTF_8);
        policy = ReleaseStatement.sha256Hex(bytes);
        ObjectNode body = JSON.createObjectNode();
        body.put("artifactBase64", Base64.getEncoder().encodeToString(bytes));
        body.put("keyId", ReleaseStatement.keyId(release.getPublic()));
        body.put("signatureBase64", new ReleaseStatement("policy", "policy", d.version(), policy, bytes.length, "-")
                .sign(release.getPrivate()));
        assertThat(send("POST", "/api/v1/registry/policies", body.toString()).statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        if (cloud != null) {
            cloud.close();
        }
        TestPostgres.drop(db);
    }

    static void assign(String vehicle, String model) throws Exception {
        HttpResponse<String> r = send("PUT", "/api/v1/assignments/" + FLEET + "/" + vehicle,
                "{\"championModelSha256\":\"" + model + "\",\"championPolicySha256\":\"" + policy + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    /** Registers the device as an operator would, then runs 15 frames of the bundled clip on FastestDet unless the assignment says otherwise. */
    static CliRun edge(String vehicle, Path edgeDir, String trustedKey, List<String> extra) throws Exception {
        return edge(api(), vehicle, edgeDir, trustedKey, extra);
    }

    static CliRun edge(io.sightline.app.fleet.CloudApi api, String vehicle, Path edgeDir, String trustedKey, List<String> extra)
            throws Exception {
        String device = "dev-" + vehicle;
        CliRun printed = CliRun.of("edge", "--print-device-key", "--device-id", device, "--edge-dir", edgeDir.toString());
        String key = printed.out().lines().filter(l -> l.startsWith("publicKeyX509 ")).findFirst().orElseThrow().substring(14).trim();
        assertThat(api.send("PUT", "/api/v1/admin/devices/" + device, "{\"publicKeyX509\":\"" + key + "\"}").statusCode()).isEqualTo(201);
        Path readerToken = dir.resolve("reader-token-" + api.fleet());
        Files.writeString(readerToken, cloud.getBean(DemoTokens.class).mint("vehicle", api.fleet(), Duration.ofMinutes(20), Roles.INVESTIGATOR));
        List<String> args = new java.util.ArrayList<>(List.of("edge", "--cloud-url", url(), "--video",
                ProjectHome.get().resolve(HazardClipCommand.DEFAULT_OUT).toString(), "--model", "fastestdet", "--max-frames", "" + FRAMES,
                "--fleet", api.fleet(), "--vehicle", vehicle, "--device-id", device, "--edge-dir", edgeDir.toString(), "--upload-timeout", "120",
                "--follow-assignment", "--trusted-release-key", dir.resolve(trustedKey).toString(), "--assignment-token-file",
                readerToken.toString()));
        args.addAll(extra);
        return CliRun.of(args.toArray(String[]::new));
    }

    static String sessionOf(Path edgeDir) {
        try (EdgeJournal journal = EdgeJournal.open(edgeDir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES)) {
            return journal.sessions().get(0).sessionId();
        }
    }

    static List<String> storedTypes(String sessionId) {
        return cloud.getBean(JdbcTemplate.class).queryForList("select payload_type from domain_event_entry where aggregate_identifier = ?"
                + " order by sequence_number limit 4", String.class, sessionId).stream().map(t -> t.substring(t.lastIndexOf('.') + 1)).toList();
    }

    static String primaryModel(String sessionId) {
        return cloud.getBean(JdbcTemplate.class).queryForObject("select convert_from(payload, 'UTF8')::jsonb ->> 'modelSha256'"
                + " from domain_event_entry where event_identifier = ?", String.class, EventIds.of(sessionId, "ModelActivated", "primary"));
    }

    @Test
    void theShadowStepsGateReadsTheEdgesShadowEventsAndAgreesWithTheOfflineComparison() throws Exception {
        assign("veh-shadow", fastestdet);
        RolloutService rollouts = cloud.getBean(RolloutService.class);
        Map<String, Double> thresholds = Map.of("minShadowFrames", (double) FRAMES);
        rollouts.start(FLEET, new RolloutService.StartRequest("shadow-1", null, null, yolox, null,
                List.of(new RolloutStep(RolloutStep.SHADOW, 100, 0), new RolloutStep(RolloutStep.CANARY, 100, 0)),
                List.of(new RolloutService.GateRequest("shadow-disagreement", thresholds)), "halt"), "ada", Instant.now());
        assertThat(rollouts.check("shadow-1", Instant.now()).action()).isEqualTo("advanced");

        Path edgeDir = dir.resolve("edge-shadow");
        CliRun r = edge("veh-shadow", edgeDir, "release.pub", List.of("--shadow-lossless", "--shadow-sample-every", "1"));
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("shadow challenger yolox-nano " + yolox + " (verified)", "shadow yolox-nano");
        String session = sessionOf(edgeDir);
        JdbcTemplate jdbc = cloud.getBean(JdbcTemplate.class);
        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? and payload_type = ?",
                Long.class, session, "io.sightline.domain.event.ShadowDetectionsObserved")).isEqualTo(FRAMES);
        Await.value("the session ended in the rollout evidence", Duration.ofSeconds(60),
                () -> jdbc.queryForObject("select count(*) from rollout_sessions where session_id = ? and ended_at_nanos is not null",
                        Long.class, session), n -> n == 1, () -> "");

        // The same frames through the offline comparison: the challenger's boxes and decisions must be the edge's.
        ShadowComparison.Result offline = ShadowComparison.run(new ShadowComparison.Options("fastestdet", "yolox-nano",
                ProjectHome.get().resolve(io.sightline.app.clip.HazardClipCommand.DEFAULT_OUT).toString(), Double.NaN, Double.NaN, FRAMES,
                io.sightline.runtime.AssumedDrive.EGO_SPEED_MPS), ShadowComparison.ProgressListener.NONE);

        RolloutStarted plan = rollouts.get(FLEET, "shadow-1").plan();
        GateContext context = cloud.getBean(RolloutEvidenceReader.class).read(plan, 0, 0);
        assertThat(context.shadow()).singleElement().satisfies(s -> {
            assertThat(s.sessionId()).isEqualTo(session);
            assertThat(s.frames()).isEqualTo(FRAMES);
        });
        ShadowDisagreementGate gate = cloud.getBean(ShadowDisagreementGate.class);
        Map<String, Double> t = new HashMap<>(gate.defaults());
        t.putAll(thresholds);
        RolloutGateResult passed = gate.evaluate(context, t);
        assertThat(passed.verdict()).as(passed.detail()).isEqualTo(RolloutGateResult.PASS);
        assertThat(passed.values().get("detectionF1")).isCloseTo(offline.overall().f1(), within(1e-12));
        assertThat(passed.values().get("detectionPrecision")).isCloseTo(offline.overall().precision(), within(1e-12));
        assertThat(passed.values().get("detectionRecall")).isCloseTo(offline.overall().recall(), within(1e-12));
        assertThat(passed.values().get("f1.car")).isCloseTo(offline.perClass().get("car").f1(), within(1e-12));
        AlertAgreement.Result alerts = offline.alerts();
        assertThat(passed.values().get("alertsAgreed")).isEqualTo((double) alerts.agreed().size());
        assertThat(passed.values().get("alertsChampionOnly")).isEqualTo((double) alerts.championOnly().size());
        assertThat(passed.values().get("alertsChallengerOnly")).isEqualTo((double) alerts.challengerOnly().size());
        assertThat(alerts.agreed()).as("both warn of the slower lead within the first 80 frames").isNotEmpty();
        assertThat(passed.values().get("ttcDifferenceAtFirstWarningS")).isCloseTo(offline.forwardCollisionPairs().get(0).ttcDifferenceS(),
                within(1e-9));
        assertThat(passed.values().get("challengerDetectCpuP99Micros")).isPositive();

        // A stricter F1 fails the step and names the frames the two models disagree on.
        t.put("minDetectionF1", 0.95);
        RolloutGateResult failed = gate.evaluate(context, t);
        assertThat(failed.verdict()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(failed.detail()).contains("detection F1");
        assertThat(failed.causes()).isNotEmpty();
        assertThat(jdbc.queryForList("select payload_type from domain_event_entry where aggregate_identifier = ? and event_identifier = any (?)",
                String.class, session, failed.causes().toArray(String[]::new))).hasSize(failed.causes().size())
                .containsOnly("io.sightline.domain.event.ShadowDetectionsObserved");

        // The rollout itself: the shadow evidence passes its gate and the canary replaces the champion.
        RolloutService.Decision d = rollouts.check("shadow-1", Instant.now());
        assertThat(d.gates()).singleElement().satisfies(g -> assertThat(g.verdict()).isEqualTo(RolloutGateResult.PASS));
        assertThat(d.action()).isEqualTo("advanced");

        // Reviews: every champion alert of the session confirmed through the API. The gate joins each
        // confirmed alert with the challenger's on the same frames: a confirmed alert the challenger did
        // not raise is one it would have missed, named with its review.
        assertThat(passed.values().get("reviewedTruePositives")).isEqualTo(0.0);
        List<Map<String, Object>> championAlerts = jdbc.queryForList("select alert_id, event_id from alerts where session_id = ?", session);
        assertThat(championAlerts).hasSize((int) (alerts.agreed().size() + alerts.championOnly().size()));
        confirmAll(api(), session, championAlerts);
        t.put("minDetectionF1", gate.defaults().get("minDetectionF1"));
        RolloutGateResult reviewed = gate.evaluate(cloud.getBean(RolloutEvidenceReader.class).read(plan, 0, 0), t);
        assertThat(reviewed.values().get("reviewedTruePositives")).isEqualTo((double) championAlerts.size());
        assertThat(reviewed.values().get("reviewedTruePositivesMissed")).isEqualTo((double) alerts.championOnly().size());
        if (alerts.championOnly().isEmpty()) {
            assertThat(reviewed.verdict()).as(reviewed.detail()).isEqualTo(RolloutGateResult.PASS);
        } else {
            assertThat(reviewed.verdict()).isEqualTo(RolloutGateResult.FAIL);
            assertThat(reviewed.detail()).contains("reviewed true-positive alerts not raised by the challenger");
            List<String> named = jdbc.queryForList("select payload_type from domain_event_entry where event_identifier = any (?)", String.class,
                    (Object) reviewed.causes().toArray(String[]::new));
            assertThat(named).contains("io.sightline.domain.event.AlertRaised", "io.sightline.domain.event.AlertReviewed");
        }
    }

    /**
     * ADR-0043: a policy-only challenger in a shadow step. The vehicle downloads and verifies the challenger policy and its
     * shadow decides on FastestDet's own boxes (no second model): detection F1 is 1 by construction, and the gate's alert
     * agreement and TTC difference say what the policy changes, here a forward-collision warning raised below a TTC of 4.5 s
     * instead of 3.4 s: on this clip one frame earlier, from a TTC of 3.99 s instead of 3.36 s, on the same tracks.
     */
    @Test
    void aPolicyOnlyChallengersShadowStepIsJudgedOnAlertsAndTtcWithDetectionsTriviallyEqual() throws Exception {
        io.sightline.app.fleet.CloudApi fleet = new io.sightline.app.fleet.CloudApi(cloud, "fleet-shadow-policy");
        RiskPolicy d = RiskPolicy.defaults();
        RiskPolicy.ForwardCollision f = d.forwardCollision();
        RiskPolicy earlier = new RiskPolicy("sightline-risk-fcw-4.5", d.egoHalfWidthM(), new RiskPolicy.ForwardCollision(4.5, 5.0,
                f.minEgoSpeedMps(), f.corridorMarginM(), f.minTrackAgeS(), f.maxTtcSigmaS(), f.hardBrakingDecelMps2()),
                d.followingDistance(), d.vulnerableRoadUser());
        byte[] bytes = earlier.toJson().getBytes(StandardCharsets.UTF_8);
        String challengerPolicy = ReleaseStatement.sha256Hex(bytes);
        ObjectNode body = JSON.createObjectNode();
        body.put("artifactBase64", Base64.getEncoder().encodeToString(bytes));
        body.put("keyId", ReleaseStatement.keyId(release.getPublic()));
        body.put("signatureBase64", new ReleaseStatement("policy", "policy", earlier.version(), challengerPolicy, bytes.length, "-")
                .sign(release.getPrivate()));
        assertThat(fleet.send("POST", "/api/v1/registry/policies", body.toString()).statusCode()).isEqualTo(201);
        HttpResponse<String> assigned = fleet.send("PUT", "/api/v1/assignments/" + fleet.fleet() + "/veh-policy-shadow",
                "{\"championModelSha256\":\"" + fastestdet + "\",\"championPolicySha256\":\"" + policy + "\"}");
        assertThat(assigned.statusCode()).as(assigned.body()).isEqualTo(200);

        RolloutService rollouts = cloud.getBean(RolloutService.class);
        Map<String, Double> thresholds = Map.of("minShadowFrames", (double) FRAMES);
        rollouts.start(fleet.fleet(), new RolloutService.StartRequest("shadow-policy", null, null, null, challengerPolicy,
                List.of(new RolloutStep(RolloutStep.SHADOW, 100, 0), new RolloutStep(RolloutStep.CANARY, 100, 0)),
                List.of(new RolloutService.GateRequest("shadow-disagreement", thresholds)), "halt"), "ada", Instant.now());
        assertThat(rollouts.check("shadow-policy", Instant.now()).action()).isEqualTo("advanced");
        JdbcTemplate jdbc = cloud.getBean(JdbcTemplate.class);
        assertThat(jdbc.queryForObject("select convert_from(payload, 'UTF8')::jsonb ->> 'challengerPolicySha256' from domain_event_entry"
                + " where aggregate_identifier = ? order by sequence_number desc limit 1", String.class,
                io.sightline.domain.rollout.VehicleAssignment.idFor(fleet.fleet(), "veh-policy-shadow")))
                .as("the shadow step assigns the challenger policy alone").isEqualTo(challengerPolicy);

        Path edgeDir = dir.resolve("edge-policy-shadow");
        CliRun r = edge(fleet, "veh-policy-shadow", edgeDir, "release.pub", List.of("--shadow-lossless", "--shadow-sample-every", "1"));
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("assigned challenger policy sightline-risk-fcw-4.5 " + challengerPolicy + " (verified)",
                "shadow policy-only with policy sightline-risk-fcw-4.5");
        String session = sessionOf(edgeDir);
        assertThat(jdbc.queryForList("select distinct convert_from(payload, 'UTF8')::jsonb ->> 'modelSha256' from domain_event_entry"
                + " where aggregate_identifier = ? and payload_type = ?", String.class, session,
                "io.sightline.domain.event.ShadowDetectionsObserved")).as("the champion's boxes, no second model").containsExactly(fastestdet);
        assertThat(jdbc.queryForList("select distinct convert_from(payload, 'UTF8')::jsonb ->> 'policyVersion' from domain_event_entry"
                + " where aggregate_identifier = ? and payload_type = ?", String.class, session,
                "io.sightline.domain.event.ShadowAlertRaised")).containsExactly("sightline-risk-fcw-4.5");
        Await.value("the session ended in the rollout evidence", Duration.ofSeconds(60),
                () -> jdbc.queryForObject("select count(*) from rollout_sessions where session_id = ? and ended_at_nanos is not null",
                        Long.class, session), n -> n == 1, () -> "");

        RolloutStarted plan = rollouts.get(fleet.fleet(), "shadow-policy").plan();
        GateContext context = cloud.getBean(RolloutEvidenceReader.class).read(plan, 0, 0);
        assertThat(context.shadow()).singleElement().satisfies(s -> {
            assertThat(s.sessionId()).isEqualTo(session);
            assertThat(s.frames()).isEqualTo(FRAMES);
        });
        ShadowDisagreementGate gate = cloud.getBean(ShadowDisagreementGate.class);
        Map<String, Double> t = new HashMap<>(gate.defaults());
        t.putAll(thresholds);
        RolloutGateResult result = gate.evaluate(context, t);
        assertThat(result.verdict()).as(result.detail()).isEqualTo(RolloutGateResult.PASS);
        assertThat(result.values().get("detectionF1")).as("the same boxes on both sides").isEqualTo(1.0);
        assertThat(result.values().get("alertsAgreed")).as("both warn of the slower lead within ±0.5 s").isPositive();
        assertThat(result.values().get("ttcDifferenceAtFirstWarningS")).as("the 4.5 s threshold warns from a longer TTC")
                .isGreaterThan(0.0).isLessThan(1.0);
        assertThat(result.values().get("challengerDetectCpuP99Micros")).as("no inference of its own").isEqualTo(0.0);

        // A threshold the policy change does not meet fails the step, as for a model challenger.
        t.put("minTtcDifferenceS", 1.0);
        RolloutGateResult failed = gate.evaluate(context, t);
        assertThat(failed.verdict()).isEqualTo(RolloutGateResult.FAIL);
        rollouts.rollback(fleet.fleet(), "shadow-policy", "test done", "ada", Instant.now());
    }

    /**
     * ADR-0040: a confirmed alert of a session that ran no shadow is replayed from its stored clip
     * through the challenger's model and policy (and the champion's) when a shadow step is checked.
     * The same graph under other bytes raises the confirmed forward-collision warning at the same time
     * and TTC, and the step passes; a FastestDet whose report score hides a third of the champion's
     * boxes still raises it, from a shorter TTC; one that hides half of them does not, and the step
     * fails naming the replay, the alert, its review and the clip.
     */
    @Test
    void confirmedAlertsOfSessionsWithoutTheShadowAreReplayedFromTheirClipsThroughTheChallenger() throws Exception {
        // The session is recorded as `run` records it (LocalRun: the edge pipeline in this JVM, uploading to this cloud), which
        // keeps its evidence as the alert windows' clips (ADR-0037); it ran no shadow.
        io.sightline.app.fleet.CloudApi fleet = new io.sightline.app.fleet.CloudApi(cloud, REPLAY_FLEET);
        HttpResponse<String> assigned = fleet.send("PUT", "/api/v1/assignments/" + REPLAY_FLEET + "/veh-replay",
                "{\"championModelSha256\":\"" + fastestdet + "\",\"championPolicySha256\":\"" + policy + "\"}");
        assertThat(assigned.statusCode()).as(assigned.body()).isEqualTo(200);
        JdbcTemplate jdbc = cloud.getBean(JdbcTemplate.class);
        String session;
        try (LocalRun edge = LocalRun.attach(cloud, dir.resolve("edge-replay"), "dev-replay", true)) {
            RunReport report;
            try (EdgePipeline pipeline = EdgePipeline.open(new EdgePipeline.Options(ProjectHome.get().resolve(HazardClipCommand.DEFAULT_OUT)
                    .toString(), "fastestdet", null, false, false, AssumedDrive.EGO_SPEED_MPS, 1, FRAMES, REPLAY_FLEET, "veh-replay",
                    "dev-replay", "test")).countTraceEdges(true)) {
                report = edge.run(pipeline, EdgePipeline.ProgressListener.NONE);
            }
            assertThat(edge.awaitCloud(report, jdbc, Duration.ofSeconds(300)).lagging()).as("the cloud caught up, clip included").isEmpty();
            assertThat(report.count("EvidenceClipRecorded")).isEqualTo(1);
            session = report.sessionId();
        }
        Await.value("the session ended in the rollout evidence", Duration.ofSeconds(60),
                () -> jdbc.queryForObject("select count(*) from rollout_sessions where session_id = ? and ended_at_nanos is not null",
                        Long.class, session), n -> n == 1, () -> "");
        List<Map<String, Object>> alerts = jdbc.queryForList("select alert_id, event_id from alerts where session_id = ?", session);
        assertThat(alerts).as("the slower lead is warned of in the first " + FRAMES + " frames").isNotEmpty();
        confirmAll(fleet, session, alerts);

        Path models = ProjectHome.get().resolve("models").resolve("fastestdet");
        byte[] onnx = Files.readAllBytes(models.resolve("FastestDet.onnx"));
        byte[] manifest = Files.readAllBytes(models.resolve("manifest.json"));
        String same = fleet.registerModel(release, FleetCloud.repackagedRelease(onnx, manifest, "same", Double.NaN));
        List<Double> scores = jdbc.queryForList("select (convert_from(payload, 'UTF8')::jsonb ->> 'score')::float8 from domain_event_entry"
                + " where aggregate_identifier = ? and payload_type = 'io.sightline.domain.event.DetectionObserved'", Double.class, session)
                .stream().sorted().toList();
        // Hiding a third of the champion's boxes (the fleet tests' bad challenger) is not enough to lose this warning: it is raised
        // at the same frame, from a TTC about half a second shorter. Hiding half of them loses it.
        String third = fleet.registerModel(release, FleetCloud.repackagedRelease(onnx, manifest, "third",
                scores.get(Math.round(scores.size() / 3.0f) - 1)));
        String bad = fleet.registerModel(release, FleetCloud.repackagedRelease(onnx, manifest, "half",
                scores.get(Math.round(scores.size() / 2.0f) - 1)));

        RolloutService rollouts = cloud.getBean(RolloutService.class);
        List<RolloutStep> steps = List.of(new RolloutStep(RolloutStep.SHADOW, 100, 0), new RolloutStep(RolloutStep.CANARY, 100, 0));
        // No vehicle drives during these steps: the gate's only evidence is the replay of the session that ran no shadow.
        Map<String, Double> noFrames = Map.of("minShadowFrames", 0.0);
        rollouts.start(REPLAY_FLEET, new RolloutService.StartRequest("replay-same", null, null, same, null, steps,
                List.of(new RolloutService.GateRequest("shadow-disagreement", noFrames)), "halt"), "ada", Instant.now());
        assertThat(rollouts.check("replay-same", Instant.now()).action()).isEqualTo("advanced");
        RolloutService.Decision sameDecision = rollouts.check("replay-same", Instant.now());
        assertThat(sameDecision.gates()).singleElement().satisfies(g -> {
            assertThat(g.verdict()).as(g.detail()).isEqualTo(RolloutGateResult.PASS);
            assertThat(g.values().get("replayedTruePositives")).isEqualTo((double) alerts.size());
            assertThat(g.values().get("replayedTruePositivesMissed")).isEqualTo(0.0);
            assertThat(g.values().get("replaysPending")).isEqualTo(0.0);
        });
        List<ReviewedAlertReplayed> sameReplays = replays("replay-same");
        assertThat(sameReplays).hasSize(alerts.size()).allSatisfy(x -> {
            assertThat(x.outcome()).isEqualTo(ReviewedAlertReplayed.RAISED);
            assertThat(x.championReplayRaised()).isTrue();
            // the same graph on the same pixels at the same times decides the same
            assertThat(x.ttcDifferenceS()).isCloseTo(0.0, within(1e-9));
            assertThat(x.challengerRaisedAtNanos()).isEqualTo(x.alertRaisedAtNanos());
        });
        // A second check replays nothing again: the replays are the rollout's stored events.
        rollouts.rollback(REPLAY_FLEET, "replay-same", "test done", "ada", Instant.now());
        assertThat(replays("replay-same")).hasSize(alerts.size());

        rollouts.start(REPLAY_FLEET, new RolloutService.StartRequest("replay-third", null, null, third, null, steps,
                List.of(new RolloutService.GateRequest("shadow-disagreement", noFrames)), "halt"), "ada", Instant.now());
        rollouts.check("replay-third", Instant.now());
        rollouts.check("replay-third", Instant.now());
        assertThat(replays("replay-third")).hasSize(alerts.size()).anySatisfy(x -> {
            assertThat(x.kind()).isEqualTo("FORWARD_COLLISION");
            assertThat(x.outcome()).isEqualTo(ReviewedAlertReplayed.RAISED);
            assertThat(x.ttcDifferenceS()).as("the third-hiding challenger warns from a shorter TTC").isNegative();
        });
        rollouts.rollback(REPLAY_FLEET, "replay-third", "test done", "ada", Instant.now());

        rollouts.start(REPLAY_FLEET, new RolloutService.StartRequest("replay-bad", null, null, bad, null, steps,
                List.of(new RolloutService.GateRequest("shadow-disagreement", noFrames)), "halt"), "ada", Instant.now());
        assertThat(rollouts.check("replay-bad", Instant.now()).action()).isEqualTo("advanced");
        RolloutService.Decision badDecision = rollouts.check("replay-bad", Instant.now());
        List<ReviewedAlertReplayed> badReplays = replays("replay-bad");
        assertThat(badReplays).hasSize(alerts.size());
        assertThat(badReplays).as("the half-hiding challenger misses a confirmed warning").anySatisfy(x -> {
            assertThat(x.outcome()).isEqualTo(ReviewedAlertReplayed.MISSED);
            assertThat(x.challengerModelSha256()).isEqualTo(bad);
        });
        assertThat(badDecision.action()).isEqualTo("halted");
        RolloutGateResult failed = badDecision.gates().get(0);
        assertThat(failed.verdict()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(failed.detail()).contains("not raised by the challenger when their clips were replayed");
        List<String> named = jdbc.queryForList("select payload_type from domain_event_entry where event_identifier = any (?)", String.class,
                (Object) failed.causes().toArray(String[]::new)).stream().map(t -> t.substring(t.lastIndexOf('.') + 1)).toList();
        assertThat(named).contains("ReviewedAlertReplayed", "AlertRaised", "AlertReviewed", "EvidenceClipRecorded");
        RolloutState halted = rollouts.get(REPLAY_FLEET, "replay-bad");
        assertThat(halted.events().stream().filter(e -> e.payload() instanceof RolloutHalted).map(e -> ((RolloutHalted) e.payload()).causes())
                .findFirst().orElseThrow()).containsAll(failed.causes());
        rollouts.rollback(REPLAY_FLEET, "replay-bad", "test done", "ada", Instant.now());
    }

    /** An investigator of the fleet confirms each alert through the API; returns when the gates' evidence has the reviews. */
    static void confirmAll(io.sightline.app.fleet.CloudApi fleet, String session, List<Map<String, Object>> alerts) throws Exception {
        for (Map<String, Object> a : alerts) {
            HttpResponse<String> review = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + "/api/v1/alerts/"
                    + a.get("alert_id") + "/review")).header("Authorization", "Bearer " + fleet.token(Roles.INVESTIGATOR))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"verdict\":\"TRUE_POSITIVE\",\"note\":\"shadow gate test\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(review.statusCode()).as(review.body()).isEqualTo(201);
        }
        JdbcTemplate jdbc = cloud.getBean(JdbcTemplate.class);
        Await.value("the reviews in the rollout evidence", Duration.ofSeconds(60),
                () -> jdbc.queryForObject("select count(*) from rollout_evidence where session_id = ? and kind = 'review'", Long.class, session),
                n -> n == alerts.size(), () -> "");
    }

    static List<ReviewedAlertReplayed> replays(String rolloutId) {
        return cloud.getBean(RolloutService.class).get(REPLAY_FLEET, rolloutId).events().stream()
                .filter(e -> e.payload() instanceof ReviewedAlertReplayed).map(e -> (ReviewedAlertReplayed) e.payload()).toList();
    }
}
