package io.sightline.cloud.stream;

import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.telemetry.CpuSample;
import io.sightline.cloud.trace.BenchmarkCloud;
import io.sightline.cloud.trace.TraceLatencyBenchmark;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.explain.sample.SyntheticDrive;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What the live event streams ({@code GET /api/v1/streams/events}, Server-Sent Events) cost in
 * CPU per event, the cloud JVM and PostgreSQL apart (issue 20 §4, docs/scale.md). Not a test: run
 * it by hand (command in docs/benchmarks.md); it prints figures and asserts nothing.
 *
 * <p>Two phases, each with {@code --subscribers} safety-app clients over real HTTP, one fleet each
 * in turn (a stream reads every stored event and sends its fleet's):
 * <ul>
 *   <li><b>catch-up</b>: every client resumes {@code --catchup} events behind the head
 *   ({@code Last-Event-ID}), the path of a client back from a disconnection: each stream reads the
 *   store privately. CPU per stored event read and per event delivered.</li>
 *   <li><b>live</b>: the clients follow the head while a drive of {@code --live-frames} frames is
 *   ingested; the same ingestion with no client, in the same run, is subtracted. CPU per event
 *   delivered, which is what a subscribed safety app costs the cloud.</li>
 *   <li><b>live, another fleet</b>: the clients are of a second fleet while the first fleet's drive is
 *   ingested: every stream reads each event and sends none, the cost a stream adds per event of the
 *   shard that is not its fleet's.</li>
 * </ul>
 * The HTTP clients run in this JVM on threads named {@code sse-client}; their CPU is shown
 * and taken out of the JVM's figure. PostgreSQL is counted as the backends of this database.
 *
 * <p>Arguments: {@code --jdbc-url URL} (a database with data, e.g. the trace benchmark's; default: a
 * fresh one filled with {@code --sessions} × {@code --frames}), {@code --subscribers N} (4),
 * {@code --catchup N} (200000; or {@code --from INDEX} and {@code --to INDEX}, a fixed range, to compare builds on the same
 * events), {@code --live-frames N} (3000).
 */
public final class StreamCpuBenchmark {

    private static final long T0 = 1_765_000_000_000_000_000L;
    /** Short: Linux keeps 15 characters of a thread's name, which is what the CPU sample groups by. */
    private static final String CLIENT_THREAD = "sse-client";

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchmarkCloud.options(args);
        // the catch-up clients read as fast as they can; the slow-client rule is not what is measured
        BenchmarkCloud cloud = BenchmarkCloud.start(opts, "stream_bench", Map.of("sightline.streams.max-delay-millis", "60000"));
        int subscribers = cloud.intOption("--subscribers", 4);
        long catchup = Long.parseLong(opts.getOrDefault("--catchup", "200000"));
        int liveFrames = cloud.intOption("--live-frames", 3000);
        try (ConfigurableApplicationContext ctx = cloud.context()) {
            JdbcTemplate jdbc = ctx.getBean(JdbcTemplate.class);
            if (cloud.fresh()) {
                TraceLatencyBenchmark.generate(ctx.getBean(IngestionService.class), jdbc, cloud.intOption("--sessions", 8),
                        cloud.intOption("--frames", 5000));
            }
            CpuSample.watchDatabaseBackends(ctx.getBean(DataSource.class));
            int port = Integer.parseInt(ctx.getEnvironment().getProperty("local.server.port"));
            DemoTokens tokens = ctx.getBean(DemoTokens.class);
            List<String> fleets = jdbc.queryForList("select distinct fleet_id from alerts order by fleet_id", String.class);
            if (fleets.isEmpty()) {
                throw new IllegalStateException("the database holds no alert, so no fleet to stream: give --jdbc-url of the trace benchmark's"
                        + " database, or no --jdbc-url to generate one");
            }
            long head = opts.containsKey("--to") ? Long.parseLong(opts.get("--to"))
                    : jdbc.queryForObject("select max(global_index) from domain_event_entry", Long.class);
            long from = opts.containsKey("--from") ? Long.parseLong(opts.get("--from")) : Math.max(0, head - catchup);
            long stored = jdbc.queryForObject("select count(*) from domain_event_entry where global_index > ? and global_index <= ?", Long.class,
                    from, head);
            System.out.printf(Locale.ROOT, "catch-up: %d clients from global index %,d to %,d (%,d stored events each)%n", subscribers,
                    from, head, stored);

            List<Client> clients = new ArrayList<>();
            long[] expected = new long[subscribers];
            for (int i = 0; i < subscribers; i++) {
                // What the fleet's stream must send: the events of its sessions and of their review and application logs.
                expected[i] = jdbc.queryForObject("select count(*) from domain_event_entry e join sessions s"
                        + " on s.session_id = split_part(e.aggregate_identifier, '/', 1) where e.global_index > ? and e.global_index <= ?"
                        + " and s.fleet_id = ?", Long.class, from, head, fleets.get(i % fleets.size()));
            }
            CpuSample c0 = CpuSample.now();
            long w0 = System.nanoTime();
            for (int i = 0; i < subscribers; i++) {
                String fleet = fleets.get(i % fleets.size());
                clients.add(Client.open(port, tokens.mint("stream-bench", fleet, Duration.ofHours(1), Roles.SAFETY_APP), from, i));
            }
            awaitCounts(clients, expected);
            long wall = System.nanoTime() - w0;
            CpuSample c1 = CpuSample.now();
            clients.forEach(Client::close);
            long delivered = clients.stream().mapToLong(c -> c.events.get()).sum();
            for (Client c : clients) {
                System.out.printf(Locale.ROOT, "  client %d (%s): %,d events%n", c.index, fleets.get(c.index % fleets.size()), c.events.get());
            }
            report("catch-up", c0, c1, subscribers * stored, delivered, wall);

            // Live: the same drive ingested with no client, then with the clients at the head.
            String fleet = fleets.get(0);
            IngestionService ingestion = ctx.getBean(IngestionService.class);
            ingest(ingestion, "stream-bench-warm", fleet, liveFrames, 0);
            Thread.sleep(5_000);
            CpuSample n0 = CpuSample.now();
            long nw0 = System.nanoTime();
            long events = ingest(ingestion, "stream-bench-alone-" + System.currentTimeMillis(), fleet, liveFrames, 1);
            // the projections catch up with the drive within the tail
            Thread.sleep(5_000);
            CpuSample n1 = CpuSample.now();
            long aloneWall = System.nanoTime() - nw0;

            List<Client> live = new ArrayList<>();
            for (int i = 0; i < subscribers; i++) {
                live.add(Client.open(port, tokens.mint("stream-bench", fleet, Duration.ofHours(1), Roles.SAFETY_APP), -1, i));
            }
            Thread.sleep(1_000);
            CpuSample s0 = CpuSample.now();
            long sw0 = System.nanoTime();
            ingest(ingestion, "stream-bench-live-" + System.currentTimeMillis(), fleet, liveFrames, 2);
            long[] all = new long[subscribers];
            java.util.Arrays.fill(all, events);
            awaitCounts(live, all);
            // the same tail as the run alone: the projections finish the drive in both
            Thread.sleep(5_000);
            CpuSample s1 = CpuSample.now();
            long liveWall = System.nanoTime() - sw0;
            live.forEach(Client::close);
            long liveDelivered = live.stream().mapToLong(c -> c.events.get()).sum();
            double jvmAlone = n1.jvmMicrosSince(n0) / aloneWall;
            double jvmLive = (s1.jvmMicrosSince(s0) - s1.threadMicrosSince(s0, CLIENT_THREAD)) / liveWall;
            double pgAlone = n1.postgresMicrosSince(n0) / aloneWall;
            double pgLive = s1.postgresMicrosSince(s0) / liveWall;
            System.out.printf(Locale.ROOT, "live: %,d events ingested per run; %d clients received %,d (%.0f%% of them each)%n", events, subscribers,
                    liveDelivered, 100.0 * liveDelivered / subscribers / events);
            System.out.printf(Locale.ROOT, "  ingest alone: JVM %,.0f ms, PostgreSQL %,.0f ms over %.1f s; with the clients: JVM %,.0f ms (clients %,.0f ms"
                    + " taken out), PostgreSQL %,.0f ms over %.1f s%n", n1.jvmMicrosSince(n0) / 1e3, n1.postgresMicrosSince(n0) / 1e3, aloneWall / 1e9,
                    (s1.jvmMicrosSince(s0) - s1.threadMicrosSince(s0, CLIENT_THREAD)) / 1e3, s1.threadMicrosSince(s0, CLIENT_THREAD) / 1e3,
                    s1.postgresMicrosSince(s0) / 1e3, liveWall / 1e9);
            double jvmPerEvent = (s1.jvmMicrosSince(s0) - s1.threadMicrosSince(s0, CLIENT_THREAD) - n1.jvmMicrosSince(n0)) / liveDelivered;
            double pgPerEvent = (s1.postgresMicrosSince(s0) - n1.postgresMicrosSince(n0)) / liveDelivered;
            System.out.printf(Locale.ROOT, "  stream CPU per event delivered: the streams' own threads (sse-subscriber) %.1f µs; the whole run with"
                    + " the clients minus the run alone (a difference of two runs: noisy on a shared machine) JVM %.1f µs, PostgreSQL %.1f µs%n",
                    s1.threadMicrosSince(s0, "sse-subscriber") / liveDelivered, jvmPerEvent, pgPerEvent);
            System.out.printf(Locale.ROOT, "  (cores busy, alone vs with clients: JVM %.2f vs %.2f, PostgreSQL %.2f vs %.2f)%n",
                    jvmAlone * 1e3, jvmLive * 1e3, pgAlone * 1e3, pgLive * 1e3);
            System.out.println("  threads with the clients" + s1.since(s0, Math.max(1, liveDelivered), "delivery"));

            // Live, another fleet's clients: each stream reads every event and sends none; what a stream costs per event it skips.
            if (fleets.size() > 1) {
                List<Client> others = new ArrayList<>();
                for (int i = 0; i < subscribers; i++) {
                    others.add(Client.open(port, tokens.mint("stream-bench", fleets.get(1), Duration.ofHours(1), Roles.SAFETY_APP), -1, i));
                }
                Thread.sleep(1_000);
                CpuSample o0 = CpuSample.now();
                long skipped = ingest(ingestion, "stream-bench-other-" + System.currentTimeMillis(), fleet, liveFrames, 3);
                Thread.sleep(5_000);
                CpuSample o1 = CpuSample.now();
                others.forEach(Client::close);
                long received = others.stream().mapToLong(c -> c.events.get()).sum();
                if (received != 0) {
                    throw new IllegalStateException(received + " events of " + fleet + " reached " + fleets.get(1) + "'s streams");
                }
                System.out.printf(Locale.ROOT, "live, %d clients of %s while %,d events of %s are ingested: the streams' own threads %.2f µs per event"
                        + " read and skipped per stream%n", subscribers, fleets.get(1), skipped, fleet,
                        o1.threadMicrosSince(o0, "sse-subscriber") / subscribers / skipped);
            }
            CpuSample.watchDatabaseBackends(null);
        }
    }

    private static void report(String phase, CpuSample start, CpuSample end, long read, long delivered, long wallNanos) {
        double clients = end.threadMicrosSince(start, CLIENT_THREAD);
        double jvm = end.jvmMicrosSince(start) - clients;
        double pg = end.postgresMicrosSince(start);
        System.out.printf(Locale.ROOT, "%s: %,d stored events read by the streams, %,d delivered, in %.1f s%n", phase, read, delivered, wallNanos / 1e9);
        System.out.printf(Locale.ROOT, "  CPU per stored event read: JVM %.1f µs, PostgreSQL %.1f µs; per event delivered: JVM %.1f µs, PostgreSQL"
                + " %.1f µs (the clients' own %.1f µs per event taken out)%n", jvm / read, pg / read, jvm / delivered, pg / delivered,
                clients / delivered);
        System.out.println("  threads" + end.since(start, Math.max(1, delivered), "delivery"));
    }

    /** Until every client has received what its fleet's stream must send; a stream that stops short fails the run. */
    private static void awaitCounts(List<Client> clients, long[] expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
        while (true) {
            boolean done = true;
            for (Client c : clients) {
                if (c.failure != null) {
                    throw new IllegalStateException("stream client " + c.index + " failed: " + c.failure, c.failure);
                }
                done &= c.events.get() >= expected[c.index];
            }
            if (done) {
                return;
            }
            if (System.nanoTime() > deadline) {
                StringBuilder got = new StringBuilder();
                clients.forEach(c -> got.append(' ').append(c.events.get()).append('/').append(expected[c.index]));
                throw new IllegalStateException("the streams did not deliver their fleets' events within 15 minutes:" + got);
            }
            Thread.sleep(20);
        }
    }

    private static long ingest(IngestionService ingestion, String sessionId, String fleet, int frames, int vehicle) {
        SyntheticDrive drive = new SyntheticDrive(sessionId, T0 + vehicle * 1_000_000_000_000L).start(fleet, "stream-bench-veh-" + vehicle, "v1",
                SyntheticDrive.POLICY_V1);
        long next = 0;
        for (int a = 0; a < frames / 50; a++) {
            drive.approach(a * 2.0, 50, 25, 30.0, 9.0, 0.0, 22.4, 1.8, 2, "TRUE_POSITIVE");
            if (drive.events().size() >= 2_000 || a == frames / 50 - 1) {
                List<EventEnvelope> chunk = drive.drain();
                ingestion.append(sessionId, next, chunk);
                next += chunk.size();
            }
        }
        return next;
    }

    /** One safety app: a raw HTTP/1.0 SSE reader on a thread of its own, counting events. */
    private static final class Client {
        final int index;
        final AtomicLong events = new AtomicLong();
        volatile Exception failure;
        private final Socket socket;

        private Client(int index, Socket socket) {
            this.index = index;
            this.socket = socket;
        }

        static Client open(int port, String token, long lastEventId, int index) throws Exception {
            Socket socket = new Socket("127.0.0.1", port);
            Client c = new Client(index, socket);
            OutputStream out = socket.getOutputStream();
            // HTTP/1.0: the body comes unchunked, so every SSE line starts a line here
            out.write(("GET /api/v1/streams/events HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                    + (lastEventId >= 0 ? "\r\nLast-Event-ID: " + lastEventId : "") + "\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread t = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 1 << 16)) {
                    String line = reader.readLine();
                    if (line == null || !line.contains(" 200")) {
                        throw new IllegalStateException("stream refused: " + line);
                    }
                    while ((line = reader.readLine()) != null) {
                        if (line.startsWith("id:")) {
                            c.events.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    if (!socket.isClosed()) {
                        c.failure = e;
                    }
                }
            }, CLIENT_THREAD + "-" + index);
            t.setDaemon(true);
            t.start();
            return c;
        }

        void close() {
            try {
                socket.close();
            } catch (java.io.IOException ignored) {
                // closing a client at the end of a phase
            }
        }
    }

    private StreamCpuBenchmark() {
    }
}
