package io.sightline.app.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.app.TestCloudArgs;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.inference.ProjectHome;
import io.sightline.runtime.EdgeDefaults;
import io.sightline.runtime.EdgePipeline;
import io.sightline.testkit.Await;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.testkit.TestPostgres;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.sign.BatchSigner;
import io.sightline.uplink.sign.DeviceIdentity;
import io.sightline.uplink.transport.HttpUplinkTransport;
import io.sightline.uplink.upload.Uploader;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
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
 * Journal group commit (ADR-0033) under kill -9: the vehicle's process ({@link GroupCommitCrashChild}:
 * the real decoder, detector, pipeline, journal and uploader) runs the bundled clip against a real
 * cloud over HTTP and is killed with SIGKILL at several points, one edge directory throughout, as a
 * vehicle that loses power again and again. After each kill:
 * <ul>
 *   <li>the journal reopens and every session is gap-free;</li>
 *   <li>no safety event is lost: every AlertRaised and ActuationCommanded the process reported committed is there;</li>
 *   <li>only the last group's non-safety events are lost: every frame whose append returned before the last
 *       commit the process reported is there, and what is missing was appended after it;</li>
 *   <li>the cloud holds a prefix of the journal's session, never an event the journal lost.</li>
 * </ul>
 * A last, uninterrupted run then uploads everything, and the cloud holds exactly the journal's
 * events of every session, in order: the uploader resumed each crashed session without a gap.
 */
@ExtendWith(ProjectHomeExtension.class)
class JournalGroupCommitCrashTest {

    static final String DEVICE_ID = "crash-edge-01";
    static TestPostgres.Database db;
    static ConfigurableApplicationContext cloud;
    static JdbcTemplate jdbc;
    static String base;

    @TempDir
    Path dir;

    @BeforeAll
    static void startCloud() {
        db = TestPostgres.freshDatabase("app_group_commit_crash");
        cloud = new SpringApplicationBuilder(SightlineCloudApplication.class).web(WebApplicationType.SERVLET)
                .run(TestCloudArgs.of(db, "--server.port=0"));
        jdbc = cloud.getBean(JdbcTemplate.class);
        base = "http://localhost:" + cloud.getEnvironment().getProperty("local.server.port");
    }

    @AfterAll
    static void stopCloud() {
        if (cloud != null) {
            cloud.close();
        }
    }

    /** What one child reported before it died. */
    static final class Child {
        final Process process;
        /** frames journaled → nanoTime when the append of those frames had returned. */
        final Map<Long, Long> journaled = new ConcurrentSkipListMap<>();
        /** committed next-sequence → nanoTime when it was reported. */
        final Map<Long, Long> commits = new ConcurrentSkipListMap<>();
        final List<String> safety = new CopyOnWriteArrayList<>();
        final List<String> other = new CopyOnWriteArrayList<>();
        volatile boolean done;
        final Thread reader;

        Child(Process process) {
            this.process = process;
            this.reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        String[] f = line.split(" ");
                        switch (f[0]) {
                            case "J" -> journaled.put(Long.parseLong(f[1]), Long.parseLong(f[2]));
                            case "C" -> commits.merge(Long.parseLong(f[1]), Long.parseLong(f[2]), Math::min);
                            case "S" -> safety.add(f[3]);
                            case "DONE" -> done = true;
                            default -> other.add(line);
                        }
                    }
                } catch (java.io.IOException ignored) {
                    // Killed: its output ends here.
                }
            }, "crash-child-reader");
            reader.start();
        }

        long framesJournaled() {
            return journaled.isEmpty() ? 0 : ((ConcurrentSkipListMap<Long, Long>) journaled).lastKey();
        }

        String diagnostics() {
            return "; journaled " + framesJournaled() + " frames, " + commits.size() + " commits, safety " + safety + ", alive "
                    + process.isAlive() + ", output " + (other.size() > 40 ? other.subList(other.size() - 40, other.size()) : other);
        }
    }

    Child start(Path journal, String sessionId, Path keyFile) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + ProjectHome.PROPERTY + "=" + ProjectHome.get(), "-cp", System.getProperty("java.class.path"),
                GroupCommitCrashChild.class.getName(), journal.toString(), sessionId, String.valueOf(System.currentTimeMillis() * 1_000_000L),
                base, keyFile.toString(), DEVICE_ID)
                .redirectErrorStream(true).start();
        return new Child(p);
    }

    @Test
    void killedAgainAndAgainTheEdgeLosesOnlyTheLastGroupNoSafetyEventAndTheUploaderResumesWithoutAGap() throws Exception {
        Path edgeDir = dir.resolve("edge");
        Path journalFile = edgeDir.resolve("journal.db");
        Path keyFile = edgeDir.resolve("device-" + DEVICE_ID + ".key");
        DeviceIdentity device = DeviceIdentity.loadOrCreate(keyFile, DEVICE_ID);
        cloud.getBean(DeviceKeyRegistry.class).register(DEVICE_ID, EdgeDefaults.FLEET_ID, device.publicKeyBase64());

        // Kill points: before the clip's forward-collision alert (frame 49), just after a safety event was committed, and late.
        List<String> points = List.of("frames>=30", "safety", "frames>=150");
        List<String> sessions = new ArrayList<>();
        long safetyChecked = 0;
        for (int k = 0; k < points.size(); k++) {
            String point = points.get(k);
            String sessionId = "crash-" + k + "-" + Long.toHexString(System.nanoTime());
            sessions.add(sessionId);
            Child child = start(journalFile, sessionId, keyFile);
            Predicate<Child> due = point.equals("safety") ? c -> !c.safety.isEmpty()
                    : c -> c.framesJournaled() >= Long.parseLong(point.substring("frames>=".length()));
            try {
                Await.until("child " + k + " to reach its kill point (" + point + ")", Duration.ofSeconds(180),
                        () -> due.test(child) || !child.process.isAlive() || child.done, child::diagnostics);
            } finally {
                // SIGKILL: no shutdown hook, no close, no last commit.
                child.process.destroyForcibly().waitFor();
            }
            child.reader.join(5_000);
            assertThat(child.done).as("child %d was killed mid-run, not after it%s", k, child.diagnostics()).isFalse();
            assertThat(due.test(child)).as("child %d reached its kill point%s", k, child.diagnostics()).isTrue();
            safetyChecked += child.safety.size();
            checkAfterKill(journalFile, sessionId, child, point);
        }
        assertThat(safetyChecked).as("at least one kill came after committed safety events").isPositive();

        // A last run, not killed: its uploader resumes every crashed session where the cloud's ack left it.
        String last = "crash-final-" + Long.toHexString(System.nanoTime());
        sessions.add(last);
        Child child = start(journalFile, last, keyFile);
        try {
            Await.until("the last run to end", Duration.ofSeconds(240), () -> child.done || !child.process.isAlive(), child::diagnostics);
            assertThat(child.done).as("the last run ended normally%s", child.diagnostics()).isTrue();
            Await.until("the cloud to hold every session the journal holds", Duration.ofSeconds(120),
                    () -> allUploaded(journalFile, sessions), () -> "; cloud " + sessions.stream().map(s -> s + "=" + storedIds(s).size()).toList());
        } finally {
            child.process.destroyForcibly().waitFor();
        }
        try (EdgeJournal journal = EdgeJournal.open(journalFile, EdgePipeline.JOURNAL_BUDGET_BYTES)) {
            // And nothing is left to send: a fresh uploader finds every session acknowledged.
            Uploader uploader = new Uploader(journal, new BatchSigner(device, new EventCodec().mapper()),
                    new HttpUplinkTransport(base, Duration.ofSeconds(30), new EventCodec().mapper()), EdgeDefaults.uploaderSettings());
            assertThat(uploader.drainOnce()).isTrue();
            assertThat(uploader.stats().batchesSent()).isZero();
            for (String s : sessions) {
                assertThat(storedIds(s)).as("cloud = journal for session %s: no gap, no duplicate, same order", s)
                        .isNotEmpty().isEqualTo(journal.eventIds(s));
                assertThat(journal.session(s).ackedSequence()).isEqualTo(journal.session(s).nextSequence());
            }
        }
    }

    private void checkAfterKill(Path journalFile, String sessionId, Child child, String point) {
        try (EdgeJournal journal = EdgeJournal.open(journalFile, EdgePipeline.JOURNAL_BUDGET_BYTES)) {
            EdgeJournal.SessionState s = journal.session(sessionId);
            List<EdgeJournal.StoredEvent> all = journal.read(sessionId, 0, Integer.MAX_VALUE, Long.MAX_VALUE);
            assertThat(all).as("after a kill at %s the session's events are whole and gap-free", point).hasSize((int) s.nextSequence());
            for (int i = 0; i < all.size(); i++) {
                assertThat(all.get(i).sequence()).isEqualTo(i);
            }
            List<String> ids = journal.eventIds(sessionId);
            assertThat(ids).as("no committed safety event is lost (kill at %s)", point).containsAll(child.safety);
            long lastCommitted = child.commits.isEmpty() ? 0 : ((ConcurrentSkipListMap<Long, Long>) child.commits).lastKey();
            assertThat(s.nextSequence()).as("every commit the process reported is durable").isGreaterThanOrEqualTo(lastCommitted);
            long durableFrames = all.stream().filter(e -> "FrameCaptured".equals(e.type())).count();
            long lastCommitNanos = child.commits.values().stream().mapToLong(Long::longValue).max().orElse(Long.MIN_VALUE);
            // A frame whose append returned before the last reported commit was in that commit (both hold the write lock).
            long framesBeforeLastCommit = child.journaled.entrySet().stream().filter(e -> e.getValue() < lastCommitNanos)
                    .mapToLong(Map.Entry::getKey).max().orElse(0);
            assertThat(durableFrames).as("frames appended before the last commit survive (kill at %s)", point)
                    .isGreaterThanOrEqualTo(framesBeforeLastCommit);
            long reportedFrames = child.framesJournaled();
            long lostFrames = Math.max(0, reportedFrames - durableFrames);
            TreeMap<Long, Long> journaled = new TreeMap<>(child.journaled);
            long lastReportedAt = journaled.isEmpty() ? lastCommitNanos : journaled.lastEntry().getValue();
            System.out.printf(Locale.ROOT, "kill at %s: %d frames reported journaled, %d durable (%d lost); last reported append %.1f ms"
                            + " after the last reported commit; %d events durable, %d commits reported, %d safety events reported, all durable%n",
                    point, reportedFrames, durableFrames, lostFrames, (lastReportedAt - lastCommitNanos) / 1e6,
                    s.nextSequence(), child.commits.size(), child.safety.size());
            List<String> stored = storedIds(sessionId);
            assertThat(ids.subList(0, Math.min(ids.size(), stored.size()))).as("the cloud holds a prefix of the journal's session")
                    .isEqualTo(stored);
            assertThat(stored.size()).as("the cloud never holds an event the journal lost").isLessThanOrEqualTo(ids.size());
        }
    }

    private boolean allUploaded(Path journalFile, List<String> sessions) {
        // Read-only look through a second connection: the child still owns the journal.
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + journalFile);
             var ps = c.prepareStatement("select next_sequence from session where session_id = ?")) {
            for (String s : sessions) {
                ps.setString(1, s);
                try (var rs = ps.executeQuery()) {
                    if (!rs.next() || storedIds(s).size() != rs.getLong(1)) {
                        return false;
                    }
                }
            }
            return true;
        } catch (java.sql.SQLException e) {
            return false;
        }
    }

    private List<String> storedIds(String sessionId) {
        return jdbc.queryForList("select event_identifier from domain_event_entry where aggregate_identifier = ?"
                + " order by sequence_number", String.class, sessionId);
    }
}
