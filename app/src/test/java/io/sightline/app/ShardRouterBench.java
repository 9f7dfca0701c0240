package io.sightline.app;

import io.sightline.app.shard.ShardRouter;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.shard.ShardMapFile;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.testkit.TestPostgres;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.sign.BatchSigner;
import io.sightline.uplink.sign.DeviceIdentity;
import io.sightline.uplink.sign.SignedBatch;
import io.sightline.uplink.transport.HttpUplinkTransport;
import io.sightline.uplink.transport.UplinkReply;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What the shard router (ADR-0031) costs a request, against the limit measured in the same run: the
 * same shard asked directly. One shard on a fresh database of the local PostgreSQL, the router in
 * front; signed batches (real edge transport, batches signed before the clock) are uploaded by one
 * thread per vehicle, alternately direct and through the router, then GET {@code /api/v1/alerts}
 * is timed alternately per request. Targets: ingest through the router ≥ 80 % of direct events/s,
 * and the router adding ≤ 2 ms to a query's median. Not a test: run it by hand (docs/benchmarks.md);
 * it prints the figures and whether each target held.
 */
public final class ShardRouterBench {

    static final double INGEST_TARGET_RATIO = 0.80;
    static final double QUERY_MEDIAN_TARGET_MILLIS = 2.0;
    static final String FLEET = "fleet-bench";

    public static void main(String[] args) throws Exception {
        int vehicles = intArg(args, "--vehicles", 4);
        int events = intArg(args, "--events", 3000);
        int batch = intArg(args, "--batch", 100);
        int rounds = intArg(args, "--rounds", 2);
        int gets = intArg(args, "--gets", 2000);
        Path dir = Files.createTempDirectory("router-bench");
        TestPostgres.Database db = TestPostgres.freshDatabase("router_bench");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path map = dir.resolve("shards.properties");
        Files.writeString(map, "shard.a.url=http://127.0.0.1:" + port + "\nfleet." + FLEET + "=a\n");
        ConfigurableApplicationContext cloud;
        try {
            cloud = new SpringApplicationBuilder(SightlineCloudApplication.class).web(WebApplicationType.SERVLET)
                    .run(TestCloudArgs.of(db, "--server.port=" + port, "--sightline.shard.id=a", "--sightline.shard.map=" + map));
        } catch (RuntimeException e) {
            TestPostgres.drop(db);
            throw e;
        }
        try (ShardRouter router = ShardRouter.start(new ShardMapFile(map), "127.0.0.1", 0)) {
            String direct = "http://127.0.0.1:" + port;
            String routed = "http://127.0.0.1:" + router.port();
            DeviceKeyRegistry keys = cloud.getBean(DeviceKeyRegistry.class);
            System.out.printf(Locale.ROOT, "shard router bench: %d vehicles × %,d events in batches of %d, %d rounds each way, %,d GETs each way%n",
                    vehicles, events, batch, rounds, gets);
            double[] directRates = new double[rounds];
            double[] routedRates = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                // Alternating, so that a burst of load from other builds lands on both sides.
                directRates[r] = upload("direct-" + r, direct, dir, keys, vehicles, events, batch);
                routedRates[r] = upload("routed-" + r, routed + "/fleets/" + FLEET, dir, keys, vehicles, events, batch);
                System.out.printf(Locale.ROOT, "  round %d: direct %,.0f events/s, through the router %,.0f events/s%n", r + 1,
                        directRates[r], routedRates[r]);
            }
            double d = median(directRates);
            double t = median(routedRates);
            String token = cloud.getBean(DemoTokens.class).mint("bench", FLEET, Duration.ofMinutes(30), Roles.INVESTIGATOR);
            Histogram directGet = new Histogram(60_000_000_000L, 3);
            Histogram routedGet = new Histogram(60_000_000_000L, 3);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < 200; i++) {
                get(http, direct, token);
                get(http, routed, token);
            }
            for (int i = 0; i < gets; i++) {
                directGet.recordValue(get(http, direct, token));
                routedGet.recordValue(get(http, routed, token));
            }
            double medianDelta = (routedGet.getValueAtPercentile(50) - directGet.getValueAtPercentile(50)) / 1e6;
            System.out.printf(Locale.ROOT, "ingest   direct %,.0f events/s, through the router %,.0f events/s: %.1f %% (target ≥ %.0f %%) %s%n",
                    d, t, 100 * t / d, 100 * INGEST_TARGET_RATIO, t >= INGEST_TARGET_RATIO * d ? "MET" : "MISSED");
            System.out.printf(Locale.ROOT, "GET /api/v1/alerts  direct p50 %.2f ms p99 %.2f ms; through the router p50 %.2f ms p99 %.2f ms;"
                            + " the router adds %.2f ms to the median (target ≤ %.1f ms) %s%n",
                    directGet.getValueAtPercentile(50) / 1e6, directGet.getValueAtPercentile(99) / 1e6,
                    routedGet.getValueAtPercentile(50) / 1e6, routedGet.getValueAtPercentile(99) / 1e6, medianDelta,
                    QUERY_MEDIAN_TARGET_MILLIS, medianDelta <= QUERY_MEDIAN_TARGET_MILLIS ? "MET" : "MISSED");
        } finally {
            cloud.close();
            TestPostgres.drop(db);
        }
    }

    /** Uploads {@code vehicles} fresh sessions, one thread each, signed before the clock starts; events per second acknowledged. */
    static double upload(String label, String baseUrl, Path dir, DeviceKeyRegistry keys, int vehicles, int events, int batch)
            throws Exception {
        List<List<SignedBatch>> all = new ArrayList<>();
        for (int v = 0; v < vehicles; v++) {
            String deviceId = label + "-dev-" + v;
            String sessionId = label + "-session-" + v;
            DeviceIdentity device = DeviceIdentity.generate(deviceId);
            keys.register(deviceId, FLEET, device.publicKeyBase64());
            List<EventEnvelope> session = new ArrayList<>(SyntheticSession.generate(sessionId, 1_800_000_000_000_000_000L, events));
            DriveSessionStarted s = (DriveSessionStarted) session.get(0).payload();
            session.set(0, new EventEnvelope(session.get(0).eventId(), 0, session.get(0).occurredAtNanos(), new DriveSessionStarted(
                    sessionId, FLEET, "veh-" + v, deviceId, s.softwareVersion(), s.startTimeNanos(), s.calibration(), s.policyVersion(),
                    s.policyThresholds())));
            List<SignedBatch> signed = new ArrayList<>();
            try (EdgeJournal journal = EdgeJournal.open(dir.resolve(label + "-" + v + ".db"), 1L << 30)) {
                List<EdgeJournal.NewEvent> chunk = new ArrayList<>();
                for (EventEnvelope e : session) {
                    chunk.add(new EdgeJournal.NewEvent(e.eventId(), e.occurredAtNanos(), e.payload()));
                }
                journal.append(sessionId, chunk);
                BatchSigner signer = new BatchSigner(device, new EventCodec().mapper());
                for (long first = 0; first < events; first += batch) {
                    signed.add(signer.sign(sessionId, journal.read(sessionId, first, batch, 8L << 20)));
                }
            }
            all.add(signed);
        }
        ExecutorService pool = Executors.newFixedThreadPool(vehicles);
        long start = System.nanoTime();
        try {
            List<Future<Long>> done = new ArrayList<>();
            for (List<SignedBatch> signed : all) {
                done.add(pool.submit(() -> {
                    HttpUplinkTransport transport = new HttpUplinkTransport(baseUrl, Duration.ofSeconds(30), new EventCodec().mapper());
                    long acked = 0;
                    for (SignedBatch b : signed) {
                        UplinkReply reply = transport.send(b);
                        if (!reply.status().name().equals("ACKNOWLEDGED")) {
                            throw new IllegalStateException(label + ": " + reply);
                        }
                        acked += b.eventCount();
                    }
                    return acked;
                }));
            }
            long total = 0;
            for (Future<Long> f : done) {
                total += f.get();
            }
            return total / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    static long get(HttpClient http, String base, String token) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/alerts?limit=10"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofByteArray());
        long took = System.nanoTime() - t0;
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + base + " answered " + r.statusCode() + ": " + new String(r.body()));
        }
        return took;
    }

    static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static int intArg(String[] args, String name, int def) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                int v = Integer.parseInt(args[i + 1]);
                if (v < 1) {
                    throw new IllegalArgumentException(name + " must be at least 1, got " + v);
                }
                return v;
            }
        }
        return def;
    }
}
