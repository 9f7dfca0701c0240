package io.sightline.app.run;

import io.sightline.runtime.EdgePipeline;

import io.sightline.app.CliRun;
import io.sightline.testkit.ProjectHomeExtension;
import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.app.TestCloudArgs;
import io.sightline.app.clip.HazardClipCommand;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.runtime.EdgeDefaults;
import io.sightline.inference.ProjectHome;
import io.sightline.testkit.TestBroker;
import io.sightline.testkit.TestPostgres;
import io.sightline.uplink.journal.EdgeJournal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
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
 * {@code ./sightline edge} against a separately running cloud, as a vehicle uses it: the device
 * key registered through the admin API, then the pipeline's events uploaded over real HTTP and
 * over the real MQTT broker, and every journaled event stored once, in order.
 */
@ExtendWith(ProjectHomeExtension.class)
class EdgeCommandIntegrationTest {

    static TestPostgres.Database db;
    static ConfigurableApplicationContext cloud;
    static JdbcTemplate jdbc;
    static String base;
    static String topicRoot;

    @TempDir
    Path dir;


    /** The broker every MQTT test uses ({@link TestBroker}): the env var, else Testcontainers, else fail. */
    static String brokerUrl() {
        return TestBroker.url();
    }

    @BeforeAll
    static void startCloud() {
        db = TestPostgres.freshDatabase("app_edge_cmd");
        // A topic root of our own: other tests' cloud replicas on the same broker must not take our batches.
        topicRoot = "sightline-edge-it-" + UUID.randomUUID().toString().substring(0, 8);
        cloud = new SpringApplicationBuilder(SightlineCloudApplication.class)
                .web(WebApplicationType.SERVLET)
                .run(TestCloudArgs.of(db, "--server.port=0", "--sightline.ingest.mqtt.enabled=true", "--sightline.ingest.mqtt.url=" + brokerUrl(),
                        "--sightline.ingest.mqtt.topic-root=" + topicRoot, "--sightline.ingest.mqtt.share-group=" + topicRoot));
        jdbc = cloud.getBean(JdbcTemplate.class);
        base = "http://localhost:" + cloud.getEnvironment().getProperty("local.server.port");
    }

    @AfterAll
    static void stopCloud() {
        if (cloud != null) {
            cloud.close();
        }
    }


    static String token(String role) {
        return cloud.getBean(DemoTokens.class).mint("it-" + role, "fleet-demo", Duration.ofMinutes(30), role);
    }

    static HttpResponse<String> putKey(String deviceId, String json, String bearer) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/v1/admin/devices/" + deviceId))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Prints the device key with the CLI, as an operator would, and registers it through the admin API. */
    String register(String deviceId, Path edgeDir) throws Exception {
        CliRun printed = CliRun.of("edge", "--print-device-key", "--device-id", deviceId, "--edge-dir", edgeDir.toString());
        assertThat(printed.exit()).as(printed.err()).isZero();
        String key = printed.out().lines().filter(l -> l.startsWith("publicKeyX509 ")).findFirst().orElseThrow()
                .substring("publicKeyX509 ".length()).trim();
        // Bound to the vehicle the edge records (V19), as the printed request does: the edge's sessions are then that vehicle's.
        String vehicle = printed.out().lines().filter(l -> l.startsWith("vehicleId ")).findFirst().orElseThrow()
                .substring("vehicleId ".length()).trim();
        assertThat(printed.out()).contains("\"vehicleId\":\"" + vehicle + "\"");
        HttpResponse<String> r = putKey(deviceId, "{\"publicKeyX509\":\"" + key + "\",\"vehicleId\":\"" + vehicle + "\"}", token(Roles.ADMIN));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(r.body()).contains("\"scope\":\"VEHICLE\"");
        return key;
    }

    List<String> storedIds(String sessionId) {
        return jdbc.queryForList("select event_identifier from domain_event_entry where aggregate_identifier = ?"
                + " order by sequence_number", String.class, sessionId);
    }

    String sessionOf(Path edgeDir) {
        try (EdgeJournal journal = EdgeJournal.open(edgeDir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES)) {
            List<EdgeJournal.SessionState> sessions = journal.sessions();
            assertThat(sessions).hasSize(1);
            String sid = sessions.get(0).sessionId();
            assertThat(storedIds(sid)).as("the cloud holds exactly the journal's events, in order").isEqualTo(journal.eventIds(sid));
            return sid;
        }
    }

    String clip() {
        return ProjectHome.get().resolve(HazardClipCommand.DEFAULT_OUT).toString();
    }

    @Test
    void onlyAnAdminRegistersAValidDeviceKey() throws Exception {
        String valid = register("edge-admin-check", dir);
        HttpResponse<String> notAdmin = putKey("edge-x", "{\"publicKeyX509\":\"" + valid + "\"}", token(Roles.INVESTIGATOR));
        assertThat(notAdmin.statusCode()).isEqualTo(403);
        HttpResponse<String> garbage = putKey("edge-x", "{\"publicKeyX509\":\"bm90IGEga2V5\"}", token(Roles.ADMIN));
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(garbage.body()).contains("Ed25519");
        HttpResponse<String> badId = putKey("edge%21x", "{\"publicKeyX509\":\"" + valid + "\"}", token(Roles.ADMIN));
        assertThat(badId.statusCode()).isEqualTo(400);
        assertThat(jdbc.queryForObject("select count(*) from ingest_device_key where device_id = 'edge-x'", Long.class)).isZero();
        assertThat(jdbc.queryForObject("select vehicle_id from ingest_device_key where device_id = 'edge-admin-check'", String.class))
                .as("the edge's default --vehicle, printed with its key").isEqualTo(EdgeDefaults.VEHICLE_ID);
        HttpResponse<String> badVehicle = putKey("edge-x", "{\"publicKeyX509\":\"" + valid + "\",\"vehicleId\":\"veh/1\"}", token(Roles.ADMIN));
        assertThat(badVehicle.statusCode()).isEqualTo(400);
        assertThat(badVehicle.body()).contains("Invalid vehicle id");
    }

    @Test
    void anEdgeUploadsOverHttpToARemoteCloud() throws Exception {
        Path edgeDir = dir.resolve("http");
        register("edge-http-1", edgeDir);
        // Signature version 1, as an edge configured for a cloud from before version 2 signs (the MQTT test below signs version 2).
        CliRun r = CliRun.of("edge", "--cloud-url", base, "--video", clip(), "--model", "fastestdet", "--max-frames", "60",
                "--device-id", "edge-http-1", "--edge-dir", edgeDir.toString(), "--upload-timeout", "60", "--signature-version", "1");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("events acknowledged by the cloud over HTTP");
        assertThat(sessionOf(edgeDir)).isNotBlank();
    }

    @Test
    void anEdgeUploadsByTierWithDeflatedBodiesAndDeclaresWhatItKeeps() throws Exception {
        Path edgeDir = dir.resolve("tiered");
        register("edge-tiered-1", edgeDir);
        // The plain road clip raises no alert and no near miss; no sample, so that nothing but summaries is due.
        CliRun r = CliRun.of("edge", "--cloud-url", base, "--video", ProjectHome.get().resolve("samples/udacity_ll_solidWhiteRight.mp4")
                        .toString(), "--model", "fastestdet", "--max-frames", "60", "--device-id", "edge-tiered-1", "--edge-dir",
                edgeDir.toString(), "--upload-timeout", "60", "--upload", "tiered", "--sample-share", "0", "--deflate");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("upload tiers").contains("events acknowledged by the cloud over HTTP");
        try (EdgeJournal journal = EdgeJournal.open(edgeDir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES)) {
            String sid = journal.sessions().get(0).sessionId();
            // 2.4 s without an alert: the session's start, model and end go up, the frames between are one declared gap.
            List<String> types = jdbc.queryForList("select payload_type from domain_event_entry where aggregate_identifier = ?"
                    + " order by sequence_number", String.class, sid);
            assertThat(types).anyMatch(t -> t.endsWith("TierGapDeclared")).anyMatch(t -> t.endsWith("DriveSessionEnded"));
            assertThat(types.size()).isLessThan(journal.eventIds(sid).size());
        }
    }

    @Test
    void anEdgeUploadsOverMqttThroughTheRealBroker() throws Exception {
        Path edgeDir = dir.resolve("mqtt");
        register("edge-mqtt-1", edgeDir);
        String mqttBase = brokerUrl();
        // The whole hazard clip, so an alert is raised and its window's evidence frames must follow the events.
        CliRun r = CliRun.of("edge", "--mqtt-url", mqttBase, "--video", clip(),
                "--device-id", "edge-mqtt-1", "--edge-dir", edgeDir.toString(), "--upload-timeout", "60",
                "--mqtt-topic-root", topicRoot);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("events acknowledged by the cloud over MQTT").contains("evidence of every alert window stored");
        String sid = sessionOf(edgeDir);
        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? and payload_type like"
                + " '%AlertRaised'", Long.class, sid)).isPositive();
        // Clip form by default (ADR-0041), as run: the alert window's clip and its deciding frame's still.
        assertThat(r.out()).contains("evidence      clip-remux, 1 clip").contains("1 deciding-frame still");
        // Over the broker alone, the clip and the still arrive too: each one named by the session's EvidenceClipRecorded.
        List<String> shas = jdbc.queryForList("select sha256 from evidence_frame where session_id = ?", String.class, sid);
        assertThat(shas).hasSize(2);
        for (String sha : shas) {
            assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? and payload_type like"
                    + " '%EvidenceClipRecorded' and convert_from(payload, 'UTF8') like ?", Long.class, sid, "%" + sha + "%")).isEqualTo(1);
        }
    }

    @Test
    void anEdgeUploadsBinaryBodiesOverHttpAndMqtt() throws Exception {
        Path httpDir = dir.resolve("binary-http");
        register("edge-bin-http", httpDir);
        CliRun h = CliRun.of("edge", "--cloud-url", base, "--video", clip(), "--model", "fastestdet", "--max-frames", "60",
                "--device-id", "edge-bin-http", "--edge-dir", httpDir.toString(), "--upload-timeout", "60", "--binary");
        assertThat(h.exit()).as(h.out() + h.err()).isZero();
        assertThat(h.out()).contains("events acknowledged by the cloud over HTTP");
        assertThat(sessionOf(httpDir)).isNotBlank();

        Path mqttDir = dir.resolve("binary-mqtt");
        register("edge-bin-mqtt", mqttDir);
        CliRun m = CliRun.of("edge", "--mqtt-url", brokerUrl(), "--video", clip(), "--model", "fastestdet", "--max-frames", "60",
                "--device-id", "edge-bin-mqtt", "--edge-dir", mqttDir.toString(), "--upload-timeout", "60", "--mqtt-topic-root", topicRoot,
                "--binary", "--upload", "tiered");
        assertThat(m.exit()).as(m.out() + m.err()).isZero();
        assertThat(m.out()).contains("events acknowledged by the cloud over MQTT");

        CliRun both = CliRun.of("edge", "--cloud-url", base, "--video", clip(), "--max-frames", "1", "--binary", "--deflate");
        assertThat(both.exit()).isNotZero();
        assertThat(both.err()).contains("drop --deflate");
    }

    @Test
    void anUnregisteredDeviceIsToldAndKeepsItsEvents() throws Exception {
        Path edgeDir = dir.resolve("unknown");
        CliRun r = CliRun.of("edge", "--cloud-url", base, "--video", clip(), "--model", "fastestdet", "--max-frames", "10",
                "--device-id", "edge-unknown-1", "--edge-dir", edgeDir.toString(), "--upload-timeout", "20");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("NOT complete").contains("the journal keeps every event");
        try (EdgeJournal journal = EdgeJournal.open(edgeDir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES)) {
            String sid = journal.sessions().get(0).sessionId();
            assertThat(journal.eventIds(sid)).isNotEmpty();
            assertThat(storedIds(sid)).isEmpty();
        }
    }

    @Test
    void noUplinkIsAClearError() {
        CliRun r = CliRun.of("edge", "--video", clip(), "--max-frames", "1");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("--cloud-url").contains("--mqtt-url");
    }
}
