package io.sightline.uplink.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.testkit.Await;
import io.sightline.testkit.TestBroker;
import io.sightline.testkit.TestPostgres;
import io.sightline.uplink.VehicleSimulator;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.sign.BatchSigner;
import io.sightline.uplink.sign.DeviceIdentity;
import io.sightline.uplink.tier.UploadTiers;
import io.sightline.uplink.transport.MqttUplinkTransport;
import io.sightline.uplink.upload.Uploader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier 4 end to end (ADR-0027): an investigator asks the cloud over HTTP for a window the edge did
 * not upload; the request reaches the vehicle through the real broker, the vehicle uploads the
 * window (deflated) and answers, and the store fills in. A window the vehicle's journal no longer
 * holds is answered GONE. Unknown and foreign sessions get problem details.
 */
class OnDemandWindowEndToEndTest {

    static final long T0 = 1_764_000_000_000_000_000L;
    static final long S = 1_000_000_000L;
    static final EventCodec CODEC = new EventCodec();

    @TempDir
    Path dir;

    @Test
    void aWindowAskedForReachesTheVehicleThroughTheBrokerAndFillsInAndADroppedOneIsAnsweredGone() throws Exception {
        String broker = TestBroker.url();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String topicRoot = "sightline-it-" + tag;
        String session = "ondemand-" + tag;
        try (CloudNode cloud = CloudNode.start(TestPostgres.freshDatabase("uplink_windows"), true, broker, topicRoot, "g-" + tag)) {
            DeviceIdentity device = DeviceIdentity.loadOrCreate(dir.resolve("dev.key"), "dev-od-" + tag);
            cloud.bean(DeviceKeyRegistry.class).register(device.deviceId(), device.publicKeyBase64());
            DemoTokens tokens = cloud.bean(DemoTokens.class);
            String investigator = tokens.mint("ina", "fleet-od", Duration.ofMinutes(10), Roles.INVESTIGATOR);
            String otherFleet = tokens.mint("oscar", "fleet-other", Duration.ofMinutes(10), Roles.INVESTIGATOR);
            String base = "http://127.0.0.1:" + cloud.port() + "/api/v1/sessions/";
            UploadTiers tiers = UploadTiers.defaults().withSample(0, 1);
            Path file = dir.resolve("journal.db");

            try (EdgeJournal journal = EdgeJournal.open(file, 256L << 20, tiers::opensWindow);
                 MqttUplinkTransport transport = new MqttUplinkTransport(broker, topicRoot, "fleet-od", "veh-od", Duration.ofSeconds(10),
                         CODEC.mapper()).deflate(true)) {
                VehicleSimulator sim = new VehicleSimulator(session, "fleet-od", "veh-od", device.deviceId(), T0, 1_500);
                journal.append(session, sim.start());
                journal.append(session, sim.frames(2_000));
                journal.append(session, List.of(new EdgeJournal.NewEvent(session + "/end", sim.nowNanos(),
                        new DriveSessionEnded(session, sim.nowNanos(), "end-of-drive", 2_000, 0))));
                try (Uploader uploader = new Uploader(journal, new BatchSigner(device, CODEC.mapper()), transport,
                        UploaderEndToEndTest.fast(), tiers, transport.windowAnswers())) {
                    transport.onWindowRequest(uploader::requestWindow);
                    uploader.start();
                    Await.until("the tiered upload to be acknowledged", Duration.ofSeconds(60),
                            () -> !journal.session(session).hasUnacked(), () -> "; " + journal.session(session));
                    // Frames 100..200 (4 s .. 8 s) lie outside the alert's window (28.8 s .. 68.8 s): declared, not uploaded.
                    assertThat(framesStored(cloud, session, T0 + 4 * S, T0 + 8 * S)).isZero();

                    HttpResponse<String> accepted = post(base + session + "/windows", investigator, T0 + 4 * S, T0 + 8 * S);
                    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
                    String requestId = CODEC.mapper().readTree(accepted.body()).path("requestId").asText();
                    JsonNode answered = awaitAnswer(base + session + "/windows", investigator, requestId);
                    assertThat(answered.path("status").asText()).isEqualTo("UPLOADED");
                    assertThat(answered.path("uploadedEvents").asLong()).isPositive();
                    assertThat(framesStored(cloud, session, T0 + 4 * S, T0 + 8 * S)).as("the window filled in").isEqualTo(101);
                    // Stored after newer events, the window is still found by time, in the edge's order.
                    List<io.sightline.explain.StoredEvent> frames = cloud.bean(io.sightline.explain.EventLookup.class)
                            .sessionEvents(session, T0 + 4 * S, T0 + 8 * S, java.util.Set.of(FrameCaptured.class));
                    assertThat(frames).hasSize(101);
                    assertThat(frames).extracting(io.sightline.explain.StoredEvent::sequence).isSorted();
                    // The session states what it lacks: the declared ranges, and the window asked for since.
                    JsonNode coverage = CODEC.mapper().readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(base + session + "/coverage")).header("Authorization", "Bearer " + investigator).GET().build(),
                            HttpResponse.BodyHandlers.ofString()).body());
                    assertThat(coverage.path("declaredGaps").asLong()).isPositive();
                    long frame100 = journal.readWindow(session, T0 + 4 * S, T0 + 4 * S, Long.MAX_VALUE).get(0).sequence();
                    boolean declared = false;
                    for (JsonNode g : coverage.path("gaps")) {
                        declared |= g.path("fromSequence").asLong() <= frame100 && frame100 < g.path("toSequence").asLong();
                    }
                    assertThat(declared).as("a declared gap holds the window's first frame: " + coverage).isTrue();
                    assertThat(coverage.path("windowRequests").get(0).path("status").asText()).isEqualTo("UPLOADED");
                }
            }

            // Retention on a small budget deletes every acknowledged event: the vehicle no longer holds the window.
            try (EdgeJournal journal = EdgeJournal.open(file, 64 * 1024, tiers::opensWindow);
                 MqttUplinkTransport transport = new MqttUplinkTransport(broker, topicRoot, "fleet-od", "veh-od", Duration.ofSeconds(10),
                         CODEC.mapper())) {
                journal.enforceRetention();
                assertThat(journal.readWindow(session, T0 + 10 * S, T0 + 12 * S, Long.MAX_VALUE)).isEmpty();
                try (Uploader uploader = new Uploader(journal, new BatchSigner(device, CODEC.mapper()), transport,
                        UploaderEndToEndTest.fast(), tiers, transport.windowAnswers())) {
                    transport.onWindowRequest(uploader::requestWindow);
                    uploader.start();
                    // The uploader subscribes on its first pass; until then the broker would drop a request to nobody.
                    Await.until("the vehicle to listen for window requests", Duration.ofSeconds(30), () -> uploader.stats().transportFailures() == 0
                            && listening(transport), () -> "");
                    HttpResponse<String> accepted = post(base + session + "/windows", investigator, T0 + 10 * S, T0 + 12 * S);
                    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
                    String requestId = CODEC.mapper().readTree(accepted.body()).path("requestId").asText();
                    JsonNode answered = awaitAnswer(base + session + "/windows", investigator, requestId);
                    assertThat(answered.path("status").asText()).isEqualTo("GONE");
                    assertThat(answered.path("detail").asText()).contains("retention");
                }
            }

            HttpResponse<String> unknown = post(base + "no-such-session/windows", investigator, T0, T0 + S);
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
            HttpResponse<String> foreign = post(base + session + "/windows", otherFleet, T0, T0 + S);
            assertThat(foreign.statusCode()).isEqualTo(403);
            assertThat(foreign.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
            assertThat(foreign.body()).contains("another fleet");
        }
    }

    /** Whether the transport's connection (and with it the request subscription) is up. */
    private static boolean listening(MqttUplinkTransport transport) {
        try {
            transport.windowAnswers().keepListening();
            return true;
        } catch (io.sightline.uplink.transport.TransportException e) {
            return false;
        }
    }

    private static long framesStored(CloudNode cloud, String session, long from, long to) {
        return cloud.jdbc().queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? and payload_type = ?"
                        + " and (convert_from(meta_data, 'UTF8')::json->>'occurredAtNanos')::bigint between ? and ?", Long.class, session,
                FrameCaptured.class.getName(), from, to);
    }

    private static HttpResponse<String> post(String url, String token, long from, long to) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"fromNanos\":" + from + ",\"toNanos\":" + to + "}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode awaitAnswer(String url, String token, String requestId) {
        return Await.value("the vehicle's answer to " + requestId, Duration.ofSeconds(60), () -> {
            try {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
                for (JsonNode n : CODEC.mapper().readTree(r.body())) {
                    if (n.path("requestId").asText().equals(requestId)) {
                        return n;
                    }
                }
                return null;
            } catch (Exception e) {
                return null;
            }
        }, n -> n != null && !"REQUESTED".equals(n.path("status").asText()), () -> "");
    }
}
