package io.sightline.app;

import io.sightline.cloud.ingest.IngestionService;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.EventMetadataKeys;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sightline bench ...}: pipeline benchmarks that print figures against a limit measured in the same run. */
@Command(name = "bench", description = "Benchmarks that compare Sightline against a raw limit in the same run.",
        subcommands = BenchCommand.Append.class)
public class BenchCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * Appends through the real DriveSession command path, then inserts the same rows (same payload
     * bytes, same schema, same batch size, same threads) with plain JDBC batches, and prints both.
     */
    @Command(name = "append", description = "Event append through Axon vs raw JDBC insert of the same rows.")
    static class Append implements Callable<Integer> {

        /** ARCHITECTURE.md §5: appending through Axon must reach half the raw insert rate. */
        static final double TARGET_RATIO = 0.5;

        @Option(names = "--events", defaultValue = "200000", description = "Events per path (default ${DEFAULT-VALUE}).")
        int events;
        @Option(names = "--sessions", defaultValue = "8", description = "Concurrent drive sessions (default ${DEFAULT-VALUE}).")
        int sessions;
        @Option(names = "--batch", defaultValue = "500", description = "Events per batch/command (default ${DEFAULT-VALUE}).")
        int batch;
        @Option(names = "--threads", defaultValue = "4", description = "Sender threads (default ${DEFAULT-VALUE}).")
        int threads;
        @Option(names = "--jdbc-url", description = "PostgreSQL to use; default: the embedded one.")
        String jdbcUrl;

        @Override
        public Integer call() throws Exception {
            if (events < sessions * 3 || sessions < 1 || batch < 1 || threads < 1) {
                throw new IllegalArgumentException("need --sessions >= 1, --batch >= 1, --threads >= 1 and --events >= 3 x sessions");
            }
            // Projections off: this measures the append path alone, not projection catch-up competing for the 2 cores.
            try (ConfigurableApplicationContext ctx = CloudContext.start(jdbcUrl, "sightline.projections.enabled=false")) {
                IngestionService ingestion = ctx.getBean(IngestionService.class);
                Serializer serializer = ctx.getBean("eventSerializer", Serializer.class);
                DataSource dataSource = ctx.getBean(DataSource.class);
                String run = Long.toString(System.currentTimeMillis(), 36);
                int perSession = events / sessions;
                long t0 = System.currentTimeMillis() * 1_000_000L;

                List<List<EventEnvelope>> axonSessions = new ArrayList<>();
                List<List<EventEnvelope>> rawSessions = new ArrayList<>();
                for (int s = 0; s < sessions; s++) {
                    axonSessions.add(SyntheticSession.generate("bench-" + run + "-axon-" + s, t0, perSession));
                    rawSessions.add(SyntheticSession.generate("bench-" + run + "-raw-" + s, t0, perSession));
                }
                // Warm-up: JIT, connection pool and Jackson caches, outside the timed runs.
                List<EventEnvelope> warm = SyntheticSession.generate("bench-" + run + "-warmup", t0, Math.min(5_000, perSession));
                for (int first = 0; first < warm.size(); first += batch) {
                    ingestion.append("bench-" + run + "-warmup", first, warm.subList(first, Math.min(warm.size(), first + batch)));
                }

                System.out.printf("append benchmark: %,d events per path, %d sessions, %d events per batch, %d threads%n",
                        perSession * sessions, sessions, batch, threads);
                double axonRate = timed("axon ", axonSessions, (sessionId, first, slice) -> ingestion.append(sessionId, first, slice));

                List<List<Object[]>> rows = new ArrayList<>();
                for (List<EventEnvelope> session : rawSessions) {
                    rows.add(serializeRows(session, serializer));
                }
                double rawRate = timed("raw  ", rawSessions, (sessionId, first, slice) ->
                        insertRaw(dataSource, rows.get(rawSessions.indexOf(findSession(rawSessions, sessionId))), first, slice.size()));
                double ratio = axonRate / rawRate;
                System.out.printf("axon/raw = %.2f (target >= %.2f): %s%n", ratio, TARGET_RATIO, ratio >= TARGET_RATIO ? "PASS" : "BELOW TARGET");
                return 0;
            }
        }

        interface BatchSink {
            void send(String sessionId, int first, List<EventEnvelope> slice) throws Exception;
        }

        private double timed(String label, List<List<EventEnvelope>> all, BatchSink sink) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            AtomicLong done = new AtomicLong();
            long total = all.stream().mapToLong(List::size).sum();
            Progress progress = new Progress(label.trim(), total);
            long start = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    // Each thread owns sessions t, t+threads, ...: a session is one ordered stream.
                    for (int s = thread; s < all.size(); s += threads) {
                        List<EventEnvelope> session = all.get(s);
                        String id = ((io.sightline.domain.event.DriveSessionStarted) session.get(0).payload()).sessionId();
                        for (int first = 0; first < session.size(); first += batch) {
                            List<EventEnvelope> slice = session.subList(first, Math.min(session.size(), first + batch));
                            sink.send(id, first, slice);
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
            double seconds = (System.nanoTime() - start) / 1e9;
            pool.shutdown();
            progress.done();
            double rate = total / seconds;
            System.out.printf("%s %,d events in %.2f s = %,.0f events/s%n", label, total, seconds, rate);
            return rate;
        }

        private static List<EventEnvelope> findSession(List<List<EventEnvelope>> all, String sessionId) {
            for (List<EventEnvelope> s : all) {
                if (((io.sightline.domain.event.DriveSessionStarted) s.get(0).payload()).sessionId().equals(sessionId)) {
                    return s;
                }
            }
            throw new IllegalStateException(sessionId);
        }

        /** The exact column values Axon writes, serialised up front: the raw path is the limit. */
        private static List<Object[]> serializeRows(List<EventEnvelope> session, Serializer serializer) {
            List<Object[]> out = new ArrayList<>(session.size());
            String sessionId = ((io.sightline.domain.event.DriveSessionStarted) session.get(0).payload()).sessionId();
            String now = java.time.Instant.now().toString();
            for (EventEnvelope e : session) {
                MetaData md = MetaData.from(Map.of(EventMetadataKeys.EVENT_ID, e.eventId(), EventMetadataKeys.OCCURRED_AT_NANOS,
                        e.occurredAtNanos(), "traceId", "t", "correlationId", "c"));
                var payload = serializer.serialize(e.payload(), byte[].class);
                out.add(new Object[] {e.eventId(), sessionId, e.sequence(), "DriveSession", now, payload.getType().getName(),
                        payload.getType().getRevision(), payload.getData(), serializer.serialize(md, byte[].class).getData()});
            }
            return out;
        }

        private static void insertRaw(DataSource ds, List<Object[]> rows, int first, int count) throws Exception {
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
}
