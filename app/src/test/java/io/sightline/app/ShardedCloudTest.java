package io.sightline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.app.shard.FleetMove;
import io.sightline.app.shard.ShardRouter;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.shard.ShardMap;
import io.sightline.cloud.shard.ShardMapFile;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.testkit.TestPostgres;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.sign.BatchSigner;
import io.sightline.uplink.sign.DeviceIdentity;
import io.sightline.testkit.TestBroker;
import io.sightline.uplink.transport.HttpUplinkTransport;
import io.sightline.uplink.transport.MqttUplinkTransport;
import io.sightline.uplink.transport.UplinkTransport;
import io.sightline.uplink.transport.UplinkReply;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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

/**
 * A fleet-sharded cloud (issue 20 §3, ADR-0031) on the local PostgreSQL: two shards, each a whole
 * cloud on a database of its own, and the router in front. Two fleets, one per shard, upload
 * through the router as vehicles do; each fleet's events and projection rows must live only in its
 * shard's database, every endpoint must answer for either fleet through the router, and no token
 * may reach the other fleet's data. Then one fleet moves to the other shard by replaying its events,
 * and everything holds again.
 */
@ExtendWith(ProjectHomeExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShardedCloudTest {

    static final String NORTH = "fleet-north";
    static final String SOUTH = "fleet-south";
    static final String SECRET = "sharded-cloud-test-secret-of-at-least-32-bytes";
    static final int EVENTS_PER_SESSION = 240;
    static final int BATCH = 60;
    /** Short, so that the move's wait for it (the north device knocked at shard b in crossFleetAccessStaysImpossible) is short. */
    static final int DEVICE_KEY_CACHE_SECONDS = 2;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MQTT_ROOT = "shardtest" + java.util.UUID.randomUUID().toString().substring(0, 8);
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    static Path dir;

    static TestPostgres.Database dbA;
    static TestPostgres.Database dbB;
    static ConfigurableApplicationContext shardA;
    static ConfigurableApplicationContext shardB;
    static ShardRouter router;
    static Path mapFile;
    static String routerBase;
    static DemoTokens tokens;
    static final Map<String, Vehicle> vehicles = new TreeMap<>();

    /** One vehicle of a fleet: its key, its journal and its session. */
    record Vehicle(String fleet, String deviceId, String sessionId, DeviceIdentity identity, EdgeJournal journal, List<EventEnvelope> events) {
    }

    @BeforeAll
    static void startShardsAndRouter() throws Exception {
        dbA = TestPostgres.freshDatabase("shard_a");
        dbB = TestPostgres.freshDatabase("shard_b");
        int portA = freePort();
        int portB = freePort();
        mapFile = dir.resolve("shards.properties");
        Files.writeString(mapFile, String.join("\n",
                "shard.a.url=http://127.0.0.1:" + portA, "shard.a.jdbc=" + dbA.jdbcUrl(),
                "shard.b.url=http://127.0.0.1:" + portB, "shard.b.jdbc=" + dbB.jdbcUrl(),
                "fleet." + NORTH + "=a", "fleet." + SOUTH + "=b", ""));
        // One after the other: Spring Boot's logging set-up passes its settings through JVM-wide system properties, and two
        // applications starting side by side in one JVM raced on them (CI: "Unknown format 'CONSOLE_LOG_STRUCTURED_FORMAT_IS_UNDEFINED'").
        shardA = startShard(dbA, "a", portA);
        shardB = startShard(dbB, "b", portB);
        router = ShardRouter.start(new ShardMapFile(mapFile), "127.0.0.1", 0);
        routerBase = "http://127.0.0.1:" + router.port();
        tokens = shardA.getBean(DemoTokens.class);

        for (String fleet : List.of(NORTH, SOUTH)) {
            Vehicle v = vehicle(fleet);
            vehicles.put(fleet, v);
            HttpResponse<String> registered = send("PUT", "/api/v1/admin/devices/" + v.deviceId(), token(fleet, Roles.ADMIN),
                    "{\"publicKeyX509\":\"" + v.identity().publicKeyBase64() + "\"}");
            assertThat(registered.statusCode()).as(registered.body()).isIn(200, 201);
            assertThat(upload(v, 0, EVENTS_PER_SESSION - BATCH)).as("acknowledged through the router").isEqualTo(EVENTS_PER_SESSION - BATCH);
        }
        awaitSessionProjected(dbA, vehicles.get(NORTH).sessionId());
        awaitSessionProjected(dbB, vehicles.get(SOUTH).sessionId());
    }

    @AfterAll
    static void stop() {
        if (router != null) {
            router.close();
        }
        for (ConfigurableApplicationContext c : new ConfigurableApplicationContext[] {shardA, shardB}) {
            if (c != null) {
                c.close();
            }
        }
        vehicles.values().forEach(v -> v.journal().close());
        for (TestPostgres.Database db : new TestPostgres.Database[] {dbA, dbB}) {
            if (db != null) {
                TestPostgres.drop(db);
            }
        }
    }

    static ConfigurableApplicationContext startShard(TestPostgres.Database db, String id, int port) {
        return new SpringApplicationBuilder(SightlineCloudApplication.class).web(WebApplicationType.SERVLET)
                .run(TestCloudArgs.of(db, "--server.port=" + port, "--sightline.shard.id=" + id, "--sightline.shard.map=" + mapFile,
                        "--sightline.security.jwt-secret=" + SECRET,
                        "--sightline.ingest.device-key-cache-seconds=" + DEVICE_KEY_CACHE_SECONDS,
                        // MQTT too, each shard subscribing to its own fleets' topics under a root no concurrent run shares.
                        "--sightline.ingest.mqtt.enabled=true", "--sightline.ingest.mqtt.url=" + TestBroker.url(),
                        "--sightline.ingest.mqtt.topic-root=" + MQTT_ROOT, "--sightline.ingest.mqtt.share-group=" + MQTT_ROOT));
    }

    static Vehicle vehicle(String fleet) {
        return vehicle(fleet, 1);
    }

    static Vehicle vehicle(String fleet, int n) {
        String deviceId = fleet + "-dev-" + n;
        String sessionId = fleet + "-session-" + n;
        List<EventEnvelope> events = new ArrayList<>(SyntheticSession.generate(sessionId, 1_800_000_000_000_000_000L, EVENTS_PER_SESSION));
        DriveSessionStarted s = (DriveSessionStarted) events.get(0).payload();
        events.set(0, new EventEnvelope(events.get(0).eventId(), 0, events.get(0).occurredAtNanos(), new DriveSessionStarted(sessionId,
                fleet, fleet + "-veh-" + n, deviceId, s.softwareVersion(), s.startTimeNanos(), s.calibration(), s.policyVersion(),
                s.policyThresholds())));
        EdgeJournal journal = EdgeJournal.open(dir.resolve(fleet + "-" + n + ".db"), 1L << 30);
        List<EdgeJournal.NewEvent> chunk = new ArrayList<>();
        for (EventEnvelope e : events) {
            chunk.add(new EdgeJournal.NewEvent(e.eventId(), e.occurredAtNanos(), e.payload()));
        }
        journal.append(sessionId, chunk);
        return new Vehicle(fleet, deviceId, sessionId, DeviceIdentity.generate(deviceId), journal, events);
    }

    /** Sends events [from, to) of the vehicle's session as signed batches to the router, under its fleet's URL prefix. */
    static long upload(Vehicle v, long from, long to) throws Exception {
        return upload(v, from, to, new HttpUplinkTransport(routerBase + "/fleets/" + v.fleet(), Duration.ofSeconds(10), new EventCodec().mapper()));
    }

    static long upload(Vehicle v, long from, long to, UplinkTransport transport) throws Exception {
        BatchSigner signer = new BatchSigner(v.identity(), new EventCodec().mapper());
        long acked = 0;
        for (long first = from; first < to; first += BATCH) {
            List<EdgeJournal.StoredEvent> events = v.journal().read(v.sessionId(), first, (int) Math.min(BATCH, to - first), 4L << 20);
            UplinkReply reply = transport.send(signer.sign(v.sessionId(), events));
            assertThat(reply.status().name()).as(reply.toString()).isEqualTo("ACKNOWLEDGED");
            acked += events.size();
        }
        return acked;
    }

    @Test
    @Order(1)
    void eachFleetsEventsAndProjectionRowsLiveOnlyInItsShard() throws Exception {
        assertOnlyIn(NORTH, dbA, dbB);
        assertOnlyIn(SOUTH, dbB, dbA);
    }

    @Test
    @Order(2)
    void everyEndpointAnswersForFleetsOnEitherShardThroughTheRouter() throws Exception {
        for (String fleet : List.of(NORTH, SOUTH)) {
            Vehicle v = vehicles.get(fleet);
            HttpResponse<String> events = send("GET", "/api/v1/sessions/" + v.sessionId() + "/events?limit=5", token(fleet, Roles.INVESTIGATOR), null);
            assertThat(events.statusCode()).as(events.body()).isEqualTo(200);
            assertThat(JSON.readTree(events.body()).get("items")).hasSize(5);
            for (String path : List.of("/api/v1/alerts", "/api/v1/quality", "/api/v1/monitoring/drift", "/api/v1/monitoring/latency",
                    "/api/v1/monitoring/camera", "/api/v1/sessions/" + v.sessionId() + "/windows")) {
                HttpResponse<String> r = send("GET", path, token(fleet, Roles.INVESTIGATOR), null);
                assertThat(r.statusCode()).as(fleet + " " + path + ": " + r.body()).isEqualTo(200);
            }
            HttpResponse<String> export = send("GET", "/api/v1/exports/audit?from=0&to=" + Long.MAX_VALUE, token(fleet, Roles.AUDITOR), null);
            assertThat(export.statusCode()).as(export.body()).isEqualTo(200);
            assertThat(export.body()).contains("\"fleetId\":\"" + fleet + "\"").doesNotContain(other(fleet));
            HttpResponse<String> admin = send("GET", "/api/v1/admin/projections", token(fleet, Roles.ADMIN), null);
            assertThat(admin.statusCode()).as(admin.body()).isEqualTo(200);
            assertThat(firstStreamedEvent(fleet)).as("a server-sent event of the fleet's own session").contains(v.sessionId());
        }
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create(routerBase + "/actuator/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
    }

    @Test
    @Order(3)
    void crossFleetAccessStaysImpossible() throws Exception {
        Vehicle south = vehicles.get(SOUTH);
        String north = token(NORTH, Roles.INVESTIGATOR);
        // The north token is routed to north's shard, which has never heard of south's session.
        HttpResponse<String> routed = send("GET", "/api/v1/sessions/" + south.sessionId() + "/events", north, null);
        assertThat(routed.statusCode()).as(routed.body()).isIn(403, 404);
        assertThat(routed.body()).doesNotContain("fleet-south-veh-1");
        // Naming the other fleet in the path does not change the token's fleet.
        HttpResponse<String> prefixed = send("GET", "/fleets/" + SOUTH + "/api/v1/sessions/" + south.sessionId() + "/events", north, null);
        assertThat(prefixed.statusCode()).as(prefixed.body()).isEqualTo(403);
        // Going around the router to south's shard with a north token: refused, naming north's shard.
        HttpResponse<String> direct = HTTP.send(HttpRequest.newBuilder(URI.create(shardUrl("b") + "/api/v1/sessions/" + south.sessionId()
                + "/events")).header("Authorization", "Bearer " + north).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(direct.statusCode()).as(direct.body()).isEqualTo(421);
        JsonNode problem = JSON.readTree(direct.body());
        assertThat(problem.get("reason").asText()).isEqualTo("WRONG_SHARD");
        assertThat(problem.get("shard").asText()).isEqualTo("a");
        // A north device's batch sent under south's prefix reaches south's shard, which does not know the device.
        Vehicle v = vehicles.get(NORTH);
        HttpUplinkTransport wrong = new HttpUplinkTransport(routerBase + "/fleets/" + SOUTH, Duration.ofSeconds(10), new EventCodec().mapper());
        List<EdgeJournal.StoredEvent> events = v.journal().read(v.sessionId(), EVENTS_PER_SESSION - BATCH, BATCH, 4L << 20);
        UplinkReply reply = wrong.send(new BatchSigner(v.identity(), new EventCodec().mapper()).sign(v.sessionId(), events));
        assertThat(reply.status().name()).isEqualTo("REJECTED");
        assertThat(reply.toString()).contains("UNKNOWN_DEVICE");
        assertOnlyIn(NORTH, dbA, dbB);
        // A fleet the map does not place is not routed anywhere.
        HttpResponse<String> unplaced = send("GET", "/api/v1/alerts", token("fleet-nowhere", Roles.INVESTIGATOR), null);
        assertThat(unplaced.statusCode()).as(unplaced.body()).isEqualTo(421);
        assertThat(unplaced.body()).contains("UNKNOWN_FLEET");
        // A batch with no fleet at all cannot be routed.
        HttpResponse<String> noFleet = send("POST", "/api/v1/ingest", null, "{}");
        assertThat(noFleet.statusCode()).isEqualTo(400);
        assertThat(noFleet.body()).contains("NO_FLEET");
    }

    @Test
    @Order(4)
    void mqttBatchesReachOnlyTheirFleetsShard() throws Exception {
        for (String fleet : List.of(NORTH, SOUTH)) {
            Vehicle v = vehicle(fleet, 2);
            try {
                HttpResponse<String> registered = send("PUT", "/api/v1/admin/devices/" + v.deviceId(), token(fleet, Roles.ADMIN),
                        "{\"publicKeyX509\":\"" + v.identity().publicKeyBase64() + "\"}");
                assertThat(registered.statusCode()).as(registered.body()).isIn(200, 201);
                try (MqttUplinkTransport mqtt = new MqttUplinkTransport(TestBroker.url(), MQTT_ROOT, fleet, fleet + "-veh-2",
                        Duration.ofSeconds(20), new EventCodec().mapper())) {
                    assertThat(upload(v, 0, EVENTS_PER_SESSION, mqtt)).isEqualTo(EVENTS_PER_SESSION);
                }
                TestPostgres.Database home = fleet.equals(NORTH) ? dbA : dbB;
                TestPostgres.Database other = fleet.equals(NORTH) ? dbB : dbA;
                assertThat(count(home, "select count(*) from domain_event_entry where aggregate_identifier = ?", v.sessionId()))
                        .isEqualTo(EVENTS_PER_SESSION);
                assertThat(count(other, "select count(*) from domain_event_entry where aggregate_identifier = ?", v.sessionId())).isZero();
                awaitSessionProjected(home, v.sessionId());
                assertNoFleetRows(other, fleet, Set.of(v.sessionId()));
            } finally {
                v.journal().close();
            }
        }
    }

    @Test
    @Order(5)
    void aFleetMovesToTheOtherShardByReplayingItsEvents() throws Exception {
        Vehicle v = vehicles.get(NORTH);
        long before = count(dbA, "select count(*) from domain_event_entry where aggregate_identifier = ?", v.sessionId());
        assertThat(before).isEqualTo(EVENTS_PER_SESSION - BATCH);
        // With the session uploaded over MQTT.
        long fleetEvents = count(dbA, "select count(*) from domain_event_entry where aggregate_identifier like ?", NORTH + "-session-%");
        assertThat(fleetEvents).isEqualTo(before + EVENTS_PER_SESSION);

        FleetMove.Report report = new FleetMove(mapFile, dbA.user(), dbA.password(), Duration.ofMillis(200), Duration.ofSeconds(60),
                Duration.ofSeconds(DEVICE_KEY_CACHE_SECONDS), System.out).move(NORTH, "b");
        assertThat(report.eventsCopied()).isEqualTo(fleetEvents);
        assertThat(report.sourceEventsDeleted()).isEqualTo(fleetEvents);
        assertThat(ShardMap.load(mapFile).shardOf(NORTH).orElseThrow().id()).isEqualTo("b");
        assertThat(ShardMap.load(mapFile).frozen(NORTH)).isFalse();

        awaitSessionProjected(dbB, v.sessionId());
        assertThat(count(dbB, "select count(*) from domain_event_entry where aggregate_identifier = ?", v.sessionId())).isEqualTo(before);
        assertThat(count(dbA, "select count(*) from domain_event_entry where aggregate_identifier = ?", v.sessionId())).isZero();
        assertNoFleetRows(dbA, NORTH, Set.of(v.sessionId(), NORTH + "-session-2"));
        assertThat(count(dbB, "select count(*) from domain_event_entry where aggregate_identifier like ?", NORTH + "-session-%"))
                .isEqualTo(fleetEvents);
        awaitSessionProjected(dbB, NORTH + "-session-2");
        assertNoFleetRows(dbA, SOUTH, Set.of(vehicles.get(SOUTH).sessionId()));
        Thread.sleep(2 * ShardMapFile.CHECK_INTERVAL_MILLIS);

        // The vehicle goes on where it stopped: the rest of its session lands on its new shard, contiguous with the moved part.
        assertThat(upload(v, EVENTS_PER_SESSION - BATCH, EVENTS_PER_SESSION)).isEqualTo(BATCH);
        assertThat(count(dbB, "select count(*) from domain_event_entry where aggregate_identifier = ?", v.sessionId()))
                .isEqualTo(EVENTS_PER_SESSION);
        HttpResponse<String> events = send("GET", "/api/v1/sessions/" + v.sessionId() + "/events?cursor=" + (EVENTS_PER_SESSION - 1),
                token(NORTH, Roles.INVESTIGATOR), null);
        assertThat(events.statusCode()).as(events.body()).isEqualTo(200);
        assertThat(JSON.readTree(events.body()).get("items")).hasSize(1);
        // The old shard now sends north elsewhere.
        HttpResponse<String> direct = HTTP.send(HttpRequest.newBuilder(URI.create(shardUrl("a") + "/api/v1/alerts"))
                .header("Authorization", "Bearer " + token(NORTH, Roles.INVESTIGATOR)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(direct.statusCode()).as(direct.body()).isEqualTo(421);
        assertThat(JSON.readTree(direct.body()).get("shard").asText()).isEqualTo("b");

        // Both fleets on shard b now, each still blind to the other.
        assertOnlyIn(SOUTH, dbB, dbA);
        HttpResponse<String> cross = send("GET", "/api/v1/sessions/" + vehicles.get(SOUTH).sessionId() + "/events",
                token(NORTH, Roles.INVESTIGATOR), null);
        // The shard's own fleet isolation: another fleet's session does not exist for this token.
        assertThat(cross.statusCode()).as(cross.body()).isEqualTo(404);
        HttpResponse<String> export = send("GET", "/api/v1/exports/audit?from=0&to=" + Long.MAX_VALUE, token(NORTH, Roles.AUDITOR), null);
        assertThat(export.statusCode()).isEqualTo(200);
        assertThat(export.body()).contains("\"fleetId\":\"" + NORTH + "\"").doesNotContain(vehicles.get(SOUTH).sessionId());
    }

    @Test
    @Order(6)
    void aFrozenFleetIsAskedToRetryByTheRouterAndByItsShard() throws Exception {
        ShardMap.load(mapFile).withFrozen(SOUTH, true).write(mapFile);
        try {
            Thread.sleep(3 * ShardMapFile.CHECK_INTERVAL_MILLIS);
            HttpResponse<String> routed = send("GET", "/api/v1/alerts", token(SOUTH, Roles.INVESTIGATOR), null);
            assertThat(routed.statusCode()).as(routed.body()).isEqualTo(503);
            assertThat(routed.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(routed.body()).contains("FLEET_MOVING");
            HttpResponse<String> direct = HTTP.send(HttpRequest.newBuilder(URI.create(shardUrl("b") + "/api/v1/alerts"))
                    .header("Authorization", "Bearer " + token(SOUTH, Roles.INVESTIGATOR)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(direct.statusCode()).as(direct.body()).isEqualTo(503);
            // North, on the same shard, is not held up.
            assertThat(send("GET", "/api/v1/alerts", token(NORTH, Roles.INVESTIGATOR), null).statusCode()).isEqualTo(200);
        } finally {
            ShardMap.load(mapFile).withFrozen(SOUTH, false).write(mapFile);
        }
        Thread.sleep(3 * ShardMapFile.CHECK_INTERVAL_MILLIS);
        assertThat(send("GET", "/api/v1/alerts", token(SOUTH, Roles.INVESTIGATOR), null).statusCode()).isEqualTo(200);
    }

    /** The fleet's session events and every fleet-scoped row are in {@code home}, none in {@code other}. */
    static void assertOnlyIn(String fleet, TestPostgres.Database home, TestPostgres.Database other) throws SQLException {
        String session = vehicles.get(fleet).sessionId();
        assertThat(count(home, "select count(*) from domain_event_entry where aggregate_identifier = ?", session)).isPositive();
        assertThat(count(home, "select count(*) from sessions where session_id = ? and fleet_id = ?", session, fleet)).isEqualTo(1);
        assertThat(count(home, "select count(*) from trace_edges where session_id = ?", session)).isPositive();
        assertThat(count(home, "select count(*) from ingest_device_key where device_id = ? and fleet_id = ?",
                vehicles.get(fleet).deviceId(), fleet)).isEqualTo(1);
        assertThat(count(other, "select count(*) from domain_event_entry where aggregate_identifier = ?", session)).isZero();
        assertThat(count(other, "select count(*) from domain_event_entry where convert_from(payload, 'UTF8')::jsonb->>'fleetId' = ?", fleet))
                .isZero();
        assertNoFleetRows(other, fleet, Set.of(session));
    }

    /** No table of {@code db} holds a row of the fleet, by its fleet column or by its sessions. */
    static void assertNoFleetRows(TestPostgres.Database db, String fleet, Set<String> sessions) throws SQLException {
        try (Connection c = db.connect()) {
            Set<String> checked = new TreeSet<>();
            for (String table : tables(c)) {
                Set<String> columns = columns(c, table);
                if (columns.contains("fleet_id")) {
                    checked.add(table);
                    assertThat(count(c, "select count(*) from " + table + " where fleet_id = ?", fleet)).as(table + " rows of " + fleet).isZero();
                }
                if (columns.contains("session_id")) {
                    checked.add(table);
                    for (String s : sessions) {
                        assertThat(count(c, "select count(*) from " + table + " where session_id = ?", s)).as(table + " rows of " + s).isZero();
                    }
                }
            }
            assertThat(checked).as("fleet-scoped tables checked").contains("sessions", "alerts", "trace_edges", "evidence_frame",
                    "ingest_device_key");
        }
    }

    static String firstStreamedEvent(String fleet) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(routerBase + "/api/v1/streams/events"))
                .header("Authorization", "Bearer " + token(fleet, Roles.SAFETY_APP)).header("Last-Event-ID", "0").build();
        HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        try (InputStream in = response.body()) {
            CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
                try {
                    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                    String l;
                    while ((l = r.readLine()) != null) {
                        if (l.startsWith("data:")) {
                            return l;
                        }
                    }
                    return null;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            return line.get(30, TimeUnit.SECONDS);
        }
    }

    static String other(String fleet) {
        return vehicles.get(fleet.equals(NORTH) ? SOUTH : NORTH).sessionId();
    }

    static String shardUrl(String id) {
        return ShardMap.load(mapFile).shard(id).orElseThrow().url().toString();
    }

    static String token(String fleet, String role) {
        return tokens.mint("shard-test", fleet, Duration.ofMinutes(30), role);
    }

    static HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(routerBase + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void awaitSessionProjected(TestPostgres.Database db, String sessionId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (count(db, "select count(*) from sessions where session_id = ?", sessionId) == 0
                || count(db, "select count(*) from trace_edges where session_id = ?", sessionId) == 0) {
            assertThat(System.nanoTime()).as("session " + sessionId + " projected in " + db.name()).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    static long count(TestPostgres.Database db, String sql, Object... args) throws SQLException {
        try (Connection c = db.connect()) {
            return count(c, sql, args);
        }
    }

    static long count(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static List<String> tables(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = c.createStatement().executeQuery("select table_name from information_schema.tables where table_schema ="
                + " current_schema() and table_type = 'BASE TABLE'")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static Set<String> columns(Connection c, String table) throws SQLException {
        Set<String> out = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement("select column_name from information_schema.columns where table_schema ="
                + " current_schema() and table_name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
