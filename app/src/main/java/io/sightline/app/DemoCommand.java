package io.sightline.app;

import io.sightline.cloud.ingest.IngestionService;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.session.BatchAck;
import io.sightline.domain.session.BatchRejectedException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sightline demo ingest}: the main job until the end-to-end pipeline lands. Streams one
 * drive session through the real DriveSession command path into Axon's JDBC store (embedded
 * PostgreSQL by default), then shows the ingestion guarantees at work.
 */
@Command(name = "demo", description = "Demonstrations on the real store.", subcommands = DemoCommand.Ingest.class)
public class DemoCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "ingest", description = "Ingest a synthetic drive session into the event store and show duplicate/gap handling.")
    static class Ingest implements Callable<Integer> {

        @Option(names = "--events", defaultValue = "20000", description = "Events in the session (default ${DEFAULT-VALUE}).")
        int events;

        @Option(names = "--batch", defaultValue = "500", description = "Events per batch (default ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--jdbc-url", description = "PostgreSQL to use; default: the embedded one under .sightline/pgdata.")
        String jdbcUrl;

        @Override
        public Integer call() {
            if (events < 3 || batch < 1) {
                throw new IllegalArgumentException("--events must be >= 3 and --batch >= 1");
            }
            System.out.println("sightline " + VersionCommand.version() + ": ingestion demo");
            System.out.println("starting the store (" + (jdbcUrl == null ? "embedded PostgreSQL" : jdbcUrl) + ") ...");
            try (ConfigurableApplicationContext ctx = CloudContext.start(jdbcUrl)) {
                IngestionService ingestion = ctx.getBean(IngestionService.class);
                JdbcTemplate jdbc = ctx.getBean(JdbcTemplate.class);
                String sessionId = "demo-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC).format(Instant.now());
                List<EventEnvelope> session = SyntheticSession.generate(sessionId, System.currentTimeMillis() * 1_000_000L, events);
                Progress progress = new Progress("ingest", session.size());
                long start = System.nanoTime();
                for (int first = 0; first < session.size(); first += batch) {
                    int end = Math.min(session.size(), first + batch);
                    ingestion.append(sessionId, first, session.subList(first, end));
                    progress.update(end);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                progress.done();
                System.out.printf("session %s: %,d events stored in %.2f s (%,.0f events/s)%n", sessionId, session.size(), seconds,
                        session.size() / seconds);

                int resendFrom = Math.max(0, session.size() - batch);
                BatchAck dup = ingestion.append(sessionId, resendFrom, session.subList(resendFrom, session.size()));
                System.out.printf("re-sent the last batch: acknowledged, %d new, %d duplicates skipped, next expected %d%n",
                        dup.storedCount(), dup.duplicateCount(), dup.nextExpectedSequence());
                List<EventEnvelope> ahead = SyntheticSession.generate(sessionId, 0, 1);
                try {
                    ingestion.append(sessionId, session.size() + 10,
                            List.of(new EventEnvelope(sessionId + "/gap", session.size() + 10, Long.MAX_VALUE, ahead.get(0).payload())));
                    System.out.println("gap: UNEXPECTEDLY accepted");
                    return 1;
                } catch (BatchRejectedException e) {
                    System.out.println("sent a batch with a gap: refused (" + e.getMessage() + ")");
                }
                Long stored = jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ?", Long.class, sessionId);
                Long total = jdbc.queryForObject("select count(*) from domain_event_entry", Long.class);
                Long sessions = jdbc.queryForObject("select count(distinct aggregate_identifier) from domain_event_entry", Long.class);
                System.out.printf("store now holds %,d events for this session (expected %,d), %,d events over %,d sessions in all%n",
                        stored, session.size(), total, sessions);
                String dataDir = ctx.getEnvironment().getProperty("sightline.embedded-postgres.active-data-dir");
                if (dataDir != null) {
                    System.out.println("embedded PostgreSQL data: " + dataDir + " (kept between runs)");
                }
                return stored != null && stored == session.size() ? 0 : 1;
            }
        }
    }
}
