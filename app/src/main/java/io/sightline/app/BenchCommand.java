package io.sightline.app;

import io.sightline.cloud.telemetry.CpuSample;
import io.sightline.cloud.ingest.IngestionService;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.EventMetadataKeys;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.axonframework.messaging.MetaData;
import org.axonframework.serialization.Serializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sightline bench ...}: pipeline benchmarks that print figures against a limit measured in the same run. */
@Command(name = "bench", description = "Benchmarks that compare Sightline against a raw limit in the same run.",
        subcommands = {BenchCommand.Append.class, BenchCommand.Rebuild.class, IngestBench.class, UplinkBench.class, FleetBench.class})
public class BenchCommand implements Runnable {

    /**
     * Benchmarks fill the store with hundreds of thousands of synthetic events. On the embedded
     * default they get a store of their own, so `./sightline run` never replays them.
     */
    static final String BENCH_STORE = "sightline.embedded-postgres.data-dir="
            + System.getProperty("sightline.home", ".") + "/.sightline/bench-pgdata";

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * Appends through the real DriveSession command path and inserts the same rows (same payload
     * bytes, same schema, same batch size, same threads) with plain JDBC batches, in interleaved
     * timed runs that each start from empty event tables, and prints the medians and their ratio.
     */
    @Command(name = "append", description = "Event append through Axon vs raw JDBC insert of the same rows, in interleaved timed runs.")
    static class Append implements Callable<Integer> {

        /** The target of docs/benchmarks.md ("Event append through Axon vs raw JDBC insert"): half the raw insert rate. */
        static final double TARGET_RATIO = 0.5;
        /** Every session this command writes starts with it; the store may hold nothing else (it is emptied between runs). */
        static final String SESSION_PREFIX = "bench-";

        @Option(names = "--events", defaultValue = "200000", description = "Events per path and timed run (default ${DEFAULT-VALUE}).")
        int events;
        @Option(names = "--sessions", defaultValue = "8", description = "Concurrent drive sessions (default ${DEFAULT-VALUE}).")
        int sessions;
        @Option(names = "--batch", defaultValue = "500", description = "Events per batch/command (default ${DEFAULT-VALUE}).")
        int batch;
        @Option(names = "--threads", defaultValue = "4", description = "Sender threads (default ${DEFAULT-VALUE}).")
        int threads;
        @Option(names = "--runs", defaultValue = "5", description = "Timed runs per path, interleaved and alternating which path goes"
                + " first; each path's figure is the median of its runs (default ${DEFAULT-VALUE}).")
        int runs;
        @Option(names = "--warmup-rounds", defaultValue = "8", description = "Untimed rounds of both paths before the timed runs, up to"
                + " 40,000 events each: with 2, the Axon path's JVM CPU per event still halved over the timed runs as the JIT"
                + " caught up (default ${DEFAULT-VALUE}).")
        int warmupRounds;
        @Option(names = "--jdbc-url", description = "PostgreSQL to use; default: the embedded one. Its event tables are emptied before"
                + " every run, so the command refuses a store that holds any events but its own.")
        String jdbcUrl;

        @Override
        public Integer call() throws Exception {
            if (events < sessions * 3 || sessions < 1 || batch < 1 || threads < 1) {
                throw new IllegalArgumentException("need --sessions >= 1, --batch >= 1, --threads >= 1 and --events >= 3 x sessions");
            }
            if (runs < 1 || warmupRounds < 0) {
                throw new IllegalArgumentException("need --runs >= 1 and --warmup-rounds >= 0");
            }
            // Projections off: this measures the append path alone, not projection catch-up competing for the 2 cores.
            try (ConfigurableApplicationContext ctx = CloudContext.start(jdbcUrl, "sightline.projections.enabled=false", BENCH_STORE)) {
                IngestionService ingestion = ctx.getBean(IngestionService.class);
                Serializer serializer = ctx.getBean("eventSerializer", Serializer.class);
                DataSource dataSource = ctx.getBean(DataSource.class);
                JdbcTemplate jdbc = new JdbcTemplate(dataSource);
                CpuSample.watchEmbeddedPostgres(ctx.getEnvironment().getProperty("sightline.embedded-postgres.active-data-dir"));
                refuseForeignEvents(jdbc);
                String run = Long.toString(System.currentTimeMillis(), 36);
                int perSession = events / sessions;

                System.out.printf("append benchmark: %,d events per path and run, %d sessions, %d events per batch, %d threads;"
                        + " %d timed runs per path after %d warm-up rounds%n", perSession * sessions, sessions, batch, threads, runs, warmupRounds);
                System.out.println(IngestBench.heapNote());
                System.out.println("each run: empty event tables (truncated), a checkpoint and a full GC before the clock starts;"
                        + " new session ids; the first path alternates between runs");
                boolean checkpoints = true;

                int warmPerSession = Math.min(perSession, Math.max(3, 40_000 / sessions));
                for (int round = 1; round <= warmupRounds; round++) {
                    for (String path : List.of("raw", "axon")) {
                        checkpoints = resetStore(jdbc, checkpoints);
                        timedRun("warm-up " + round + "/" + warmupRounds + " " + path, path, run + "-w" + round, warmPerSession,
                                ingestion, serializer, dataSource);
                    }
                }

                Map<String, List<Run>> results = new LinkedHashMap<>();
                for (int r = 1; r <= runs; r++) {
                    // Alternating which path goes first: whatever the previous run leaves behind (WAL to recycle, a
                    // checkpoint due, JIT state) falls on each path as often.
                    List<String> order = r % 2 == 1 ? List.of("raw", "axon") : List.of("axon", "raw");
                    for (String path : order) {
                        checkpoints = resetStore(jdbc, checkpoints);
                        Run result = timedRun("run " + r + "/" + runs + " " + path, path, run + "-r" + r, perSession, ingestion, serializer,
                                dataSource);
                        results.computeIfAbsent(path, k -> new ArrayList<>()).add(result);
                    }
                }

                List<Double> rawRuns = results.get("raw").stream().map(Run::rate).toList();
                List<Double> axonRuns = results.get("axon").stream().map(Run::rate).toList();
                double raw = median(rawRuns);
                double rawBest = rawRuns.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                double axon = median(axonRuns);
                double ratio = axon / raw;
                System.out.println();
                System.out.printf("results (same run, same table, the same synthetic drives under new ids; medians of %d timed runs per path):%n", runs);
                System.out.printf("raw   %,12.0f events/s   the limit (runs: %s; fastest %,.0f)%n", raw, list(rawRuns), rawBest);
                System.out.printf("axon  %,12.0f events/s   (runs: %s)%n", axon, list(axonRuns));
                System.out.printf("axon/raw = %.2f (target >= %.2f): %s   (%.2f of the fastest raw run)%n", ratio, TARGET_RATIO,
                        ratio >= TARGET_RATIO ? "PASS" : "BELOW TARGET", axon / rawBest);
                // On a machine other work also loads, the rates move with that work; the CPU each event costs moves much less.
                double rawJvm = median(results.get("raw").stream().map(Run::jvmMicros).toList());
                double axonJvm = median(results.get("axon").stream().map(Run::jvmMicros).toList());
                double rawPg = median(results.get("raw").stream().map(Run::postgresMicros).toList());
                double axonPg = median(results.get("axon").stream().map(Run::postgresMicros).toList());
                if (Double.isNaN(rawPg) || Double.isNaN(axonPg)) {
                    System.out.printf("CPU per event, medians: raw JVM %.1f µs, axon JVM %.1f µs (PostgreSQL's share is counted only on the"
                            + " embedded server)%n", rawJvm, axonJvm);
                } else {
                    System.out.printf("CPU per event, medians (JVM + PostgreSQL): raw %.1f + %.1f = %.1f µs, axon %.1f + %.1f = %.1f µs;"
                            + " raw/axon CPU = %.2f%n", rawJvm, rawPg, rawJvm + rawPg, axonJvm, axonPg, axonJvm + axonPg,
                            (rawJvm + rawPg) / (axonJvm + axonPg));
                    System.out.printf("other processes took up to %.0f %% of the machine during a timed run%n", results.values().stream()
                            .flatMap(List::stream).mapToDouble(Run::otherProcesses).max().orElse(0) * 100);
                }
                // A benchmark reports; a figure below target does not fail the command.
                return 0;
            }
        }

        /**
         * Every run truncates the event tables, so a store holding anything but this command's own
         * sessions (a `run`'s drives, another benchmark's) is refused before anything is touched.
         */
        private static void refuseForeignEvents(JdbcTemplate jdbc) {
            List<String> foreign = jdbc.queryForList("select aggregate_identifier from domain_event_entry where aggregate_identifier"
                    + " not like ? limit 1", String.class, SESSION_PREFIX + "%");
            if (!foreign.isEmpty()) {
                throw new IllegalStateException("bench append empties the event tables before every run, and this store holds events"
                        + " that are not its own (session " + foreign.get(0) + "); point --jdbc-url at a database of its own");
            }
        }

        /**
         * The same starting point for every run: empty event tables and indexes, dirty pages written
         * out (so no run pays for the previous run's checkpoint), and the previous run's and the data
         * preparation's garbage collected.
         *
         * @return whether checkpoints are still possible (an external server may not allow them)
         */
        private static boolean resetStore(JdbcTemplate jdbc, boolean checkpoints) {
            jdbc.execute("truncate table domain_event_entry, snapshot_event_entry");
            if (checkpoints) {
                try {
                    jdbc.execute("checkpoint");
                } catch (org.springframework.dao.DataAccessException e) {
                    System.out.println("      no checkpoint before the runs (the server refused it: " + e.getMostSpecificCause().getMessage()
                            + "); a run may pay for the previous run's");
                    checkpoints = false;
                }
            }
            System.gc();
            return checkpoints;
        }

        /** One timed run of one path over new sessions, prepared before the clock starts. */
        /**
         * One timed run: events/s, CPU per event of this JVM and of the embedded PostgreSQL, and the
         * share of the machine other processes took (NaN on another server).
         */
        record Run(double rate, double jvmMicros, double postgresMicros, double otherProcesses) {
        }

        private Run timedRun(String label, String path, String runTag, int perSession, IngestionService ingestion, Serializer serializer,
                                DataSource dataSource) throws Exception {
            long t0 = System.currentTimeMillis() * 1_000_000L;
            List<String> ids = new ArrayList<>();
            List<List<EventEnvelope>> drives = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                ids.add(SESSION_PREFIX + runTag + "-" + path + "-" + s);
                drives.add(SyntheticSession.generate(ids.get(s), t0, perSession));
            }
            if (path.equals("axon")) {
                return timed(label, drives, (session, first, slice) -> ingestion.append(ids.get(session), first, slice));
            }
            // The raw path is the limit: its rows are serialised before the clock, as Axon's never are.
            List<List<Object[]>> rows = new ArrayList<>();
            for (List<EventEnvelope> drive : drives) {
                rows.add(serializeRows(drive, serializer));
            }
            return timed(label, drives, (session, first, slice) -> insertRaw(dataSource, rows.get(session), first, slice.size()));
        }

        private static double median(List<Double> values) {
            double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }

        private static String list(List<Double> rates) {
            return rates.stream().map(r -> String.format("%,.0f", r)).collect(java.util.stream.Collectors.joining(", "));
        }

        interface BatchSink {
            /** @param session the index of the drive in the run */
            void send(int session, int first, List<EventEnvelope> slice) throws Exception;
        }

        private Run timed(String label, List<List<EventEnvelope>> all, BatchSink sink) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            AtomicLong done = new AtomicLong();
            long total = all.stream().mapToLong(List::size).sum();
            Progress progress = new Progress(label, total);
            CpuSample cpu = CpuSample.now();
            long start = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>();
            try {
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    futures.add(pool.submit(() -> {
                        // Each thread owns sessions t, t+threads, ...: a session is one ordered stream.
                        for (int s = thread; s < all.size(); s += threads) {
                            List<EventEnvelope> session = all.get(s);
                            for (int first = 0; first < session.size(); first += batch) {
                                List<EventEnvelope> slice = session.subList(first, Math.min(session.size(), first + batch));
                                sink.send(s, first, slice);
                                long d = done.addAndGet(slice.size());
                                if (thread == 0) {
                                    progress.update(d);
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            long elapsed = System.nanoTime() - start;
            CpuSample cpuAfter = CpuSample.now();
            progress.done();
            double seconds = elapsed / 1e9;
            double rate = total / seconds;
            long pgTicks = cpu.postgresTicks() >= 0 && cpuAfter.postgresTicks() >= 0 ? cpuAfter.postgresTicks() - cpu.postgresTicks() : -1;
            long jvmNanos = cpuAfter.jvmNanos() - cpu.jvmNanos();
            // What the rest of the machine took meanwhile (/proc/stat's busy time less this JVM's and the embedded server's):
            // the runs are comparable only while it stays small.
            double others = Double.NaN;
            long machineTicks = cpuAfter.machineTotalTicks() - cpu.machineTotalTicks();
            if (pgTicks >= 0 && cpu.machineTotalTicks() >= 0 && machineTicks > 0) {
                double busy = cpuAfter.machineBusyTicks() - cpu.machineBusyTicks();
                others = Math.max(0, busy - jvmNanos / 1e7 - pgTicks) / machineTicks;
            }
            System.out.printf("%s: %,d events in %.2f s = %,.0f events/s%s%s%n", label, total, seconds, rate,
                    Double.isNaN(others) ? "" : String.format("; other processes ~%.0f %% of the machine", others * 100), cpuAfter.since(cpu, total));
            return new Run(rate, jvmNanos / 1e3 / total, pgTicks >= 0 ? pgTicks * 10_000.0 / total : Double.NaN, others);
        }

        /** The exact column values Axon writes, serialised up front: the raw path is the limit. */
        static List<Object[]> serializeRows(List<EventEnvelope> session, Serializer serializer) {
            List<Object[]> out = new ArrayList<>(session.size());
            String sessionId = ((io.sightline.domain.event.DriveSessionStarted) session.get(0).payload()).sessionId();
            String now = java.time.Instant.now().toString();
            for (EventEnvelope e : session) {
                MetaData md = MetaData.from(Map.of(EventMetadataKeys.EVENT_ID, e.eventId(), EventMetadataKeys.OCCURRED_AT_NANOS,
                        e.occurredAtNanos()));
                var payload = serializer.serialize(e.payload(), byte[].class);
                out.add(new Object[] {e.eventId(), sessionId, e.sequence(), "DriveSession", now, payload.getType().getName(),
                        payload.getType().getRevision(), payload.getData(), serializer.serialize(md, byte[].class).getData()});
            }
            return out;
        }

        static void insertRaw(DataSource ds, List<Object[]> rows, int first, int count) throws Exception {
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("insert into domain_event_entry (event_identifier, aggregate_identifier,"
                        + " sequence_number, type, time_stamp, payload_type, payload_revision, payload, meta_data) values (?,?,?,?,?,?,?,?,?)")) {
                    for (int i = first; i < first + count; i++) {
                        Object[] r = rows.get(i);
                        for (int col = 0; col < r.length; col++) {
                            ps.setObject(col + 1, r[col]);
                        }
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                c.commit();
            }
        }
    }

    /**
     * Rebuilds each projection from the store (stop, reset tokens, replay) and times the catch-up,
     * against a plain read of the same event stream through Axon (deserialised, no handlers) in the
     * same run: the limit a projection cannot beat.
     */
    @Command(name = "rebuild", description = "Projection rebuild speed vs a raw read of the same event stream.")
    static class Rebuild implements Callable<Integer> {

        /** The target of docs/benchmarks.md ("Projection rebuild"): 50,000 events/s or more per projection. */
        static final double TARGET_EVENTS_PER_S = 50_000;

        @Option(names = "--events", defaultValue = "300000", description = "Events in the store to rebuild over (default ${DEFAULT-VALUE});"
                + " generated if the store holds fewer.")
        int events;
        @Option(names = "--jdbc-url", description = "PostgreSQL to use; default: the embedded one.")
        String jdbcUrl;
        @Option(names = "--rounds", defaultValue = "2", description = "Rebuilds of each projection, one after another; the first"
                + " includes the JIT compiling the handlers (default ${DEFAULT-VALUE}).")
        int rounds;
        @Option(names = "--projections", split = ",", defaultValue = "sessions,trace-edges,alerts",
                description = "Projections to rebuild, one after another (default ${DEFAULT-VALUE}).")
        List<String> projections;

        @Override
        public Integer call() throws Exception {
            // A store of its own: the append and ingest benchmarks would otherwise grow it far past --events.
            try (ConfigurableApplicationContext ctx = CloudContext.start(jdbcUrl, BENCH_STORE + "-rebuild")) {
                IngestionService ingestion = ctx.getBean(IngestionService.class);
                CpuSample.watchEmbeddedPostgres(ctx.getEnvironment().getProperty("sightline.embedded-postgres.active-data-dir"));
                org.axonframework.eventsourcing.eventstore.EventStore store =
                        ctx.getBean(org.axonframework.eventsourcing.eventstore.EventStore.class);
                org.axonframework.config.EventProcessingConfiguration processing =
                        ctx.getBean(org.axonframework.config.EventProcessingConfiguration.class);
                javax.sql.DataSource ds = ctx.getBean(javax.sql.DataSource.class);
                org.springframework.jdbc.core.JdbcTemplate jdbc = new org.springframework.jdbc.core.JdbcTemplate(ds);
                long stored = jdbc.queryForObject("select count(*) from domain_event_entry", Long.class);
                if (stored < events) {
                    int missing = (int) (events - stored);
                    System.out.printf("store holds %,d events; generating %,d more%n", stored, missing);
                    int sessions = Math.max(1, missing / 25_000);
                    Progress progress = new Progress("generate", missing);
                    String run = Long.toString(System.currentTimeMillis(), 36);
                    List<String> ids = new java.util.ArrayList<>();
                    List<List<EventEnvelope>> drives = new java.util.ArrayList<>();
                    for (int s = 0; s < sessions; s++) {
                        int n = s == sessions - 1 ? missing - (sessions - 1) * (missing / sessions) : missing / sessions;
                        ids.add("rebuild-" + run + "-" + s);
                        drives.add(SyntheticSession.generate(ids.get(s), System.currentTimeMillis() * 1_000_000L, n));
                    }
                    // Batches of all sessions in turn, as a fleet's vehicles upload at the same time: a store of
                    // whole sessions one after another would feed one projection segment at a time.
                    int done = 0;
                    for (int first = 0; done < missing; first += 2000) {
                        for (int s = 0; s < sessions; s++) {
                            List<EventEnvelope> drive = drives.get(s);
                            if (first < drive.size()) {
                                List<EventEnvelope> batch = drive.subList(first, Math.min(drive.size(), first + 2000));
                                ingestion.append(ids.get(s), first, batch);
                                done += batch.size();
                                progress.update(done);
                            }
                        }
                    }
                    progress.done();
                }
                long head = store.createHeadToken().position().orElse(0);
                long total = jdbc.queryForObject("select count(*) from domain_event_entry", Long.class);
                for (String name : projections) {
                    waitCaughtUp(processing, name, head, 600);
                }
                System.out.printf("rebuild benchmark over %,d stored events (head global index %,d)%n", total, head);
                System.out.println(IngestBench.heapNote());

                CpuSample readCpu = CpuSample.now();
                long t0 = System.nanoTime();
                long read = 0;
                try (var stream = store.openStream(null)) {
                    while (read < total && stream.hasNextAvailable(2, java.util.concurrent.TimeUnit.SECONDS)) {
                        stream.nextAvailable().getPayload();
                        read++;
                    }
                }
                double rawRate = read / ((System.nanoTime() - t0) / 1e9);
                System.out.printf("raw stream read (deserialised, no handler): %,d events in %.2f s = %,.0f events/s%s%n", read,
                        (System.nanoTime() - t0) / 1e9, rawRate, CpuSample.now().since(readCpu, read));

                for (int round = 1; round <= Math.max(1, rounds); round++) {
                for (String name : projections) {
                    var processor = processing.eventProcessor(name,
                            org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor.class).orElseThrow(
                                    () -> new IllegalArgumentException("no projection named '" + name + "'"));
                    processor.shutDown();
                    processor.resetTokens();
                    CpuSample cpu = CpuSample.now();
                    long start = System.nanoTime();
                    processor.start();
                    waitCaughtUp(processing, name, head, 1800);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    double rate = total / seconds;
                    System.out.printf("round %d: rebuild %-12s %,d events in %.2f s = %,.0f events/s (%.2f of raw read; target >= %,.0f): %s%s%n",
                            round, name, total, seconds, rate, rate / rawRate, TARGET_EVENTS_PER_S,
                            rate >= TARGET_EVENTS_PER_S ? "PASS" : "BELOW TARGET", CpuSample.now().since(cpu, total));
                }
                }
                // A benchmark reports; it does not fail the command when a figure is below target.
                return 0;
            }
        }

        private static void waitCaughtUp(org.axonframework.config.EventProcessingConfiguration processing, String name, long head,
                int timeoutS) throws InterruptedException {
            var processor = processing.eventProcessor(name, org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor.class)
                    .orElseThrow(() -> new IllegalArgumentException("no projection named '" + name + "'"));
            long deadline = System.nanoTime() + timeoutS * 1_000_000_000L;
            while (System.nanoTime() < deadline) {
                var status = processor.processingStatus();
                if (!status.isEmpty() && status.values().stream()
                        .allMatch(s -> s.getCurrentPosition().orElse(-1) >= head || (s.isCaughtUp() && !s.isReplaying()))) {
                    return;
                }
                Thread.sleep(5);
            }
            throw new IllegalStateException("projection " + name + " did not catch up within " + timeoutS + " s");
        }
    }
}
