package io.sightline.cloud.trace;

import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.telemetry.CpuSample;
import io.sightline.domain.event.DerivedEvent;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.explain.EventLookup;
import io.sightline.explain.StoredEvent;
import io.sightline.explain.sample.SyntheticDrive;
import io.sightline.explain.trace.CausalTrace;
import io.sightline.explain.trace.CausalTraceEngine;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Causal-trace latency of one alert with 1M+ events stored (target p99 ≤ 50 ms), against the limit
 * measured in the same run: one raw SQL statement fetching exactly the rows of that trace by id
 * (bytes only, no decoding, no walk). Not a test: run it by hand (command in
 * docs/benchmarks.md); it prints figures and asserts nothing.
 *
 * <p>Data: {@code --sessions} drive sessions of {@code --frames} frames at 25 fps, appended through
 * {@link IngestionService} (the real aggregate, store and projections) in batches of up to 5,000;
 * every 2 s a lead car approaches (30 m at 9 m/s), one FCW alert is raised at about TTC 2.1 s,
 * actuated, cleared when the lead cuts out, and reviewed. Trace shape per alert: about 50 nodes
 * over 17 round trips with the default 0.5 s / 12-update track history.
 *
 * <p>Arguments: {@code --sessions N} (40), {@code --frames N} (5000), {@code --traces N} (2000),
 * {@code --warmup N} (500), {@code --jdbc-url URL} to reuse a database that already holds the data
 * (generation is skipped when it has at least 1M events).
 */
public final class TraceLatencyBenchmark {

    private static final long T0 = 1_764_000_000_000_000_000L;

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchmarkCloud.options(args);
        BenchmarkCloud cloud = BenchmarkCloud.start(opts, "trace_bench", Map.of());
        int sessions = cloud.intOption("--sessions", 40);
        int frames = cloud.intOption("--frames", 5000);
        int traces = cloud.intOption("--traces", 2000);
        int warmup = cloud.intOption("--warmup", 500);
        try (ConfigurableApplicationContext ctx = cloud.context()) {
            JdbcTemplate jdbc = ctx.getBean(JdbcTemplate.class);
            long stored = jdbc.queryForObject("select count(*) from domain_event_entry", Long.class);
            if (stored < 1_000_000) {
                generate(ctx.getBean(IngestionService.class), jdbc, sessions, frames);
            }
            stored = jdbc.queryForObject("select count(*) from domain_event_entry", Long.class);
            long alerts = jdbc.queryForObject("select count(*) from alerts", Long.class);
            System.out.printf(Locale.ROOT, "stored events: %,d; alerts: %,d; trace_edges rows: %,d%n", stored, alerts,
                    jdbc.queryForObject("select count(*) from trace_edges", Long.class));
            measure(ctx.getBean(CausalTraceEngine.class), new CausalTraceEngine(withoutPrefetch(ctx.getBean(JdbcEventLookup.class))),
                    ctx.getBean(DataSource.class), jdbc, traces, warmup);
            measureCpu(ctx, jdbc, traces);
        }
    }

    public static void generate(IngestionService ingestion, JdbcTemplate jdbc, int sessions, int frames) throws InterruptedException {
        long started = System.nanoTime();
        long events = 0;
        long edges = 0;
        long alerts = 0;
        int approachFrames = 50;
        for (int s = 0; s < sessions; s++) {
            String id = String.format(Locale.ROOT, "bench-%03d", s);
            SyntheticDrive drive = new SyntheticDrive(id, T0 + s * 1_000_000_000_000L).start("fleet-" + (s % 4), "veh-" + s, "v1",
                    SyntheticDrive.POLICY_V1);
            long next = 0;
            for (int a = 0; a < frames / approachFrames; a++) {
                alerts += drive.approach(a * 2.0, approachFrames, 25, 30.0, 9.0, 0.0, 22.4, 1.8, 2,
                        a % 5 == 0 ? "FALSE_POSITIVE" : "TRUE_POSITIVE").alertIds().size();
                if (drive.events().size() - next >= 4_000 || a == frames / approachFrames - 1) {
                    List<EventEnvelope> chunk = drive.drain();
                    ingestion.append(id, next, chunk);
                    next += chunk.size();
                    events += chunk.size();
                    for (EventEnvelope e : chunk) {
                        if (e.payload() instanceof DerivedEvent d) {
                            edges += d.causes().size();
                        }
                    }
                }
            }
            drive.events().clear();
            double secs = (System.nanoTime() - started) / 1e9;
            System.out.printf(Locale.ROOT, "session %d/%d appended: %,d events in %.1f s (%,.0f events/s)%n", s + 1, sessions, events, secs,
                    events / secs);
        }
        long catchUp = System.nanoTime();
        while (true) {
            long a = jdbc.queryForObject("select count(*) from alerts where verdict is not null", Long.class);
            long e = jdbc.queryForObject("select count(*) from trace_edges", Long.class);
            if (a >= alerts && e >= edges) {
                break;
            }
            System.out.printf(Locale.ROOT, "waiting for projections: alerts %,d/%,d, trace_edges %,d/%,d%n", a, alerts, e, edges);
            // A progress report, not a deadline: the benchmark reports how long catching up takes, however long.
            Thread.sleep(5_000);
        }
        System.out.printf(Locale.ROOT, "projections caught up %.1f s after the last append%n", (System.nanoTime() - catchUp) / 1e9);
    }

    /** The same store as if trace_edges lagged: the engine falls back to one statement per DAG level. */
    static EventLookup withoutPrefetch(EventLookup d) {
        return new EventLookup() {
            @Override
            public Map<String, StoredEvent> findByIds(Collection<String> ids) {
                return d.findByIds(ids);
            }

            @Override
            public Optional<StoredEvent> findAlert(String alertId) {
                return d.findAlert(alertId);
            }

            @Override
            public List<StoredEvent> findEffects(String eventId) {
                return d.findEffects(eventId);
            }

            @Override
            public Optional<StoredEvent> sessionStart(String sessionId) {
                return d.sessionStart(sessionId);
            }

            @Override
            public Optional<StoredEvent> modelActivation(String session, String sha, long global, long seq) {
                return d.modelActivation(session, sha, global, seq);
            }

            @Override
            public List<StoredEvent> sessionEvents(String session, long from, long to, Set<Class<? extends SightlineEvent>> types) {
                return d.sessionEvents(session, from, to, types);
            }
        };
    }

    static void measure(CausalTraceEngine engine, CausalTraceEngine levelWalk, DataSource dataSource, JdbcTemplate jdbc, int traces,
                        int warmup) throws Exception {
        List<String> alertIds = jdbc.queryForList("select alert_id from alerts order by alert_id", String.class);
        Collections.shuffle(alertIds, new Random(42));
        List<String> sample = alertIds.subList(0, Math.min(500, alertIds.size()));
        Map<String, String[]> rowsOfTrace = new HashMap<>();
        long nodes = 0;
        long lookups = 0;
        for (String alert : sample) {
            CausalTrace t = engine.trace(alert);
            rowsOfTrace.put(alert, t.nodes().keySet().toArray(String[]::new));
            nodes += t.nodes().size();
            lookups += t.lookups();
        }
        System.out.printf(Locale.ROOT, "sample: %d alerts; per trace %.1f nodes, %.1f round trips%n", sample.size(),
                (double) nodes / sample.size(), (double) lookups / sample.size());

        LatencyRecorder trace = new LatencyRecorder("causal trace (engine + JDBC)");
        LatencyRecorder raw = new LatencyRecorder("raw SQL: same rows, one statement");
        LatencyRecorder walk = new LatencyRecorder("trace, level walk (index lagging)");
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select global_index, event_identifier, payload_type, payload, meta_data"
                     + " from domain_event_entry where event_identifier = any(?)")) {
            for (int i = 0; i < warmup + traces; i++) {
                String alert = sample.get(i % sample.size());
                // Alternate the two in one loop so that load from other jobs on the shared cores hits both alike.
                long t0 = System.nanoTime();
                engine.trace(alert);
                long t1 = System.nanoTime();
                ps.setArray(1, c.createArrayOf("varchar", rowsOfTrace.get(alert)));
                long bytes = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        bytes += rs.getBytes(4).length + rs.getBytes(5).length + rs.getString(2).length() + rs.getLong(1);
                    }
                }
                long t2 = System.nanoTime();
                levelWalk.trace(alert);
                long t3 = System.nanoTime();
                if (bytes == 0) {
                    throw new IllegalStateException("raw lookup returned nothing for " + alert);
                }
                if (i >= warmup) {
                    trace.recordNanos(t1 - t0);
                    raw.recordNanos(t2 - t1);
                    walk.recordNanos(t3 - t2);
                }
            }
        }
        System.out.println(trace.summary());
        System.out.println(raw.summary());
        System.out.println(walk.summary());
        System.out.printf(Locale.ROOT, "trace p99 / raw p99 = %.2f; target trace p99 <= 50 ms: %s%n",
                trace.percentileMs(99) / raw.percentileMs(99), trace.percentileMs(99) <= 50 ? "met" : "NOT met");
    }

    /**
     * CPU per trace, the cloud JVM and PostgreSQL apart (issue 20 §4, docs/scale.md): the engine
     * alone, then the whole request an investigator makes ({@code GET /api/v1/alerts/{id}/trace}
     * over HTTP: security, engine, JSON). Each phase runs alone, after an idle interval of the same
     * length whose CPU (the processors' polling, the pool's housekeeping) is subtracted. PostgreSQL
     * is counted as the backends of this benchmark's database, so other databases' clients on a
     * shared server are left out.
     */
    static void measureCpu(ConfigurableApplicationContext ctx, JdbcTemplate jdbc, int traces) throws Exception {
        CausalTraceEngine engine = ctx.getBean(CausalTraceEngine.class);
        CpuSample.watchDatabaseBackends(ctx.getBean(DataSource.class));
        List<Map<String, Object>> alerts = jdbc.queryForList("select alert_id, fleet_id from alerts order by alert_id");
        Collections.shuffle(alerts, new Random(7));
        List<Map<String, Object>> sample = alerts.subList(0, Math.min(500, alerts.size()));
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();

        CpuSample idleStart = CpuSample.now();
        long t0 = System.nanoTime();
        long threadCpu0 = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < traces; i++) {
            engine.trace((String) sample.get(i % sample.size()).get("alert_id"));
        }
        long threadCpu = threads.getCurrentThreadCpuTime() - threadCpu0;
        CpuSample engineEnd = CpuSample.now();
        long engineWallNanos = System.nanoTime() - t0;
        Thread.sleep(engineWallNanos / 1_000_000);
        CpuSample idleEnd = CpuSample.now();
        printCpu("causal trace, engine in-process", idleStart, engineEnd, idleEnd, traces, engineWallNanos,
                String.format(Locale.ROOT, "; the calling thread %.0f µs per trace", threadCpu / 1e3 / traces));

        int port = Integer.parseInt(ctx.getEnvironment().getProperty("local.server.port"));
        io.sightline.cloud.security.DemoTokens tokens = ctx.getBean(io.sightline.cloud.security.DemoTokens.class);
        Map<String, String> tokenOfFleet = new HashMap<>();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.util.function.IntConsumer request = i -> {
            Map<String, Object> alert = sample.get(i % sample.size());
            String fleet = (String) alert.get("fleet_id");
            String token = tokenOfFleet.computeIfAbsent(fleet, f -> tokens.mint("trace-bench", f, java.time.Duration.ofHours(1),
                    io.sightline.cloud.security.Roles.INVESTIGATOR));
            try {
                var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                        + "/api/v1/alerts/" + alert.get("alert_id") + "/trace")).header("Authorization", "Bearer " + token).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("trace of " + alert.get("alert_id") + ": HTTP " + response.statusCode());
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        };
        for (int i = 0; i < Math.min(500, traces); i++) {
            request.accept(i);
        }
        CpuSample httpStart = CpuSample.now();
        long h0 = System.nanoTime();
        for (int i = 0; i < traces; i++) {
            request.accept(i);
        }
        CpuSample httpEnd = CpuSample.now();
        long httpWallNanos = System.nanoTime() - h0;
        Thread.sleep(httpWallNanos / 1_000_000);
        CpuSample httpIdleEnd = CpuSample.now();
        printCpu("causal trace over HTTP (API)", httpStart, httpEnd, httpIdleEnd, traces, httpWallNanos,
                String.format(Locale.ROOT, "; of which the server's request threads %.0f µs per trace (the HTTP client in this JVM is the rest's"
                        + " largest part)", httpEnd.threadMicrosSince(httpStart, "http-nio") / traces));
        CpuSample.watchDatabaseBackends(null);
    }

    /**
     * The phase's CPU as measured, and the idle interval after it (same length) beside it: the
     * background it holds (processors polling, the pool's housekeeping, a late GC) is what the
     * figures net of idle take out. On a machine shared with other work both move; the raw figures
     * are the upper bound.
     */
    private static void printCpu(String what, CpuSample start, CpuSample end, CpuSample idleEnd, int traces, long wallNanos, String extra) {
        double jvm = end.jvmMicrosSince(start);
        double jvmIdle = idleEnd.jvmMicrosSince(end);
        double pgBusy = end.postgresMicrosSince(start);
        double pgIdle = idleEnd.postgresMicrosSince(end);
        String pg = pgBusy < 0 || pgIdle < 0 ? "PostgreSQL not readable (" + CpuSample.postgresProblem() + ")"
                : String.format(Locale.ROOT, "PostgreSQL %.0f µs (%.0f net of idle)", pgBusy / traces, (pgBusy - pgIdle) / traces);
        System.out.printf(Locale.ROOT, "CPU per trace, %s (%d traces in %.1f s): JVM %.0f µs (%.0f net of idle), %s%s%n", what, traces,
                wallNanos / 1e9, jvm / traces, (jvm - jvmIdle) / traces, pg, extra);
        System.out.println("  " + end.since(start, traces, "trace").substring(2));
    }

    private TraceLatencyBenchmark() {
    }
}
