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
 * cloud over HTTP. A first run ends normally and says which frames carry safety events; the next
 * runs are killed with SIGKILL at several points, one edge directory throughout, as a vehicle that
 * loses power again and again. After each kill:
 * <ul>
 *   <li>the journal reopens and the session is whole and gap-free;</li>
 *   <li>no safety event is lost: every AlertRaised and ActuationCommanded the process reported committed is
 *       there, and so is every one of a frame whose append had returned;</li>
 *   <li>only the last group's non-safety events are lost: every frame whose append returned before the last
 *       commit the process reported is there;</li>
 *   <li>the cloud holds a prefix of the journal's session, never an event the journal lost.</li>
 * </ul>
 * Then the edge restarts: the real uploader sends what the cloud has not acknowledged, and the
 * cloud holds exactly the journal's events of every session, in order, without a gap resend.
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

        // A reference run, not killed: which frames of the clip carry safety events (the run is deterministic: back-pressure,
        // no fallback, ADR-0017 ids), and the cloud gets a whole session for comparison.
        String reference = "crash-ref-" + Long.toHexString(System.nanoTime());
        List<String> sessions = new ArrayList<>(List.of(reference));
        Child ref = start(journalFile, reference, keyFile);
        try {
            Await.until("the reference run to end", Duration.ofSeconds(240), () -> ref.done || !ref.process.isAlive(), ref::diagnostics);
            assertThat(ref.done).as("the reference run ended normally%s", ref.diagnostics()).isTrue();
        } finally {
            ref.process.destroyForcibly().waitFor();
        }
        List<String> safetyFrames;
        try (EdgeJournal journal = EdgeJournal.open(journalFile, EdgePipeline.JOURNAL_BUDGET_BYTES)) {
            safetyFrames = safetyByFrame(journal, reference);
        }
        assertThat(safetyFrames).as("the bundled clip raises an alert").isNotEmpty();
        long firstSafetyFrame = Long.parseLong(safetyFrames.get(0).split(" ")[0]);

        // Kill points: before the first safety event, right after the append of the frame that carries it returned, and late.
        List<Long> points = List.of(30L, firstSafetyFrame + 1, 150L);
        for (int k = 0; k < points.size(); k++) {
            long point = points.get(k);
            String sessionId = "crash-" + k + "-" + Long.toHexString(System.nanoTime());
            sessions.add(sessionId);
            Child child = start(journalFile, sessionId, keyFile);
            try {
                Await.until("child " + k + " to journal " + point + " frames", Duration.ofSeconds(180),
                        () -> child.framesJournaled() >= point || !child.process.isAlive() || child.done, child::diagnostics);
            } finally {
                // SIGKILL: no shutdown hook, no close, no last commit.
                child.process.destroyForcibly().waitFor();
            }
            child.reader.join(5_000);
            assertThat(child.done).as("child %d was killed mid-run, not after it%s", k, child.diagnostics()).isFalse();
            assertThat(child.framesJournaled()).as("child %d reached its kill point%s", k, child.diagnostics()).isGreaterThanOrEqualTo(point);
            checkAfterKill(journalFile, sessionId, child, "frame " + point, safetyFrames);
        }

        // The edge restarts: the real uploader resumes every crashed session from the cloud's acknowledgement.
        try (EdgeJournal journal = EdgeJournal.open(journalFile, EdgePipeline.JOURNAL_BUDGET_BYTES, e -> e instanceof io.sightline.domain.event.AlertRaised,
                EdgeDefaults.JOURNAL_SYNC_INTERVAL)) {
            Uploader uploader = new Uploader(journal, new BatchSigner(device, new EventCodec().mapper()),
                    new HttpUplinkTransport(base, Duration.ofSeconds(30), new EventCodec().mapper()), EdgeDefaults.uploaderSettings());
            boolean caughtUp = false;
            for (int pass = 0; pass < 50 && !caughtUp; pass++) {
                caughtUp = uploader.drainOnce();
            }
            assertThat(caughtUp).as("the uploader caught up; %s", uploader.stats()).isTrue();
            assertThat(uploader.stats().gapResends()).as("the cloud never saw a gap").isZero();
            for (String s : sessions) {
                assertThat(storedIds(s)).as("cloud = journal for session %s: no gap, no duplicate, same order", s)
                        .isNotEmpty().isEqualTo(journal.eventIds(s));
                assertThat(journal.session(s).ackedSequence()).isEqualTo(journal.session(s).nextSequence());
            }
        }
    }

    /** "frameIndex Type" of every safety event of a session, in order; the frame is the FrameCaptured before it. */
    private static List<String> safetyByFrame(EdgeJournal journal, String sessionId) {
        List<String> out = new ArrayList<>();
        long frame = -1;
        for (EdgeJournal.StoredEvent e : journal.read(sessionId, 0, Integer.MAX_VALUE, Long.MAX_VALUE)) {
            if ("FrameCaptured".equals(e.type())) {
                frame++;
            } else if ("AlertRaised".equals(e.type()) || "ActuationCommanded".equals(e.type())) {
                out.add(frame + " " + e.type());
            }
        }
        return out;
    }

    private void checkAfterKill(Path journalFile, String sessionId, Child child, String point, List<String> referenceSafety) {
        try (EdgeJournal journal = EdgeJournal.open(journalFile, EdgePipeline.JOURNAL_BUDGET_BYTES)) {
            EdgeJournal.SessionState s = journal.session(sessionId);
            List<EdgeJournal.StoredEvent> all = journal.read(sessionId, 0, Integer.MAX_VALUE, Long.MAX_VALUE);
            assertThat(all).as("after a kill at %s the session's events are whole and gap-free", point).hasSize((int) s.nextSequence());
            for (int i = 0; i < all.size(); i++) {
                assertThat(all.get(i).sequence()).isEqualTo(i);
            }
            List<String> ids = journal.eventIds(sessionId);
            assertThat(ids).as("no committed safety event is lost (kill at %s)", point).containsAll(child.safety);
            // Stronger, and independent of what the process printed: every safety event of a frame whose append returned is durable.
            long reported = child.framesJournaled();
            List<String> expected = referenceSafety.stream().filter(f -> Long.parseLong(f.split(" ")[0]) < reported).toList();
            assertThat(safetyByFrame(journal, sessionId)).as("safety events of the %d frames whose append returned (kill at %s)", reported, point)
                    .containsAll(expected);
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
