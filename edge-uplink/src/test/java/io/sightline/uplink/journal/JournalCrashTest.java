package io.sightline.uplink.journal;

import io.sightline.testkit.Await;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal process killed with SIGKILL in the middle of appending: every append it reported as
 * committed is there after reopening, and what is there is gap-free and whole.
 */
class JournalCrashTest {

    @TempDir
    Path dir;

    @Test
    void committedAppendsSurviveAKillAndNothingIsHalfStored() throws Exception {
        Path file = dir.resolve("crash.db");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), JournalCrashChild.class.getName(), file.toString())
                .redirectErrorStream(true).start();
        AtomicLong lastCommitted = new AtomicLong(-1);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("committed ")) {
                        lastCommitted.set(Long.parseLong(line.substring("committed ".length())));
                    }
                }
            } catch (java.io.IOException ignored) {
                // The child was killed: its output ends here.
            }
        });
        reader.start();
        try {
            Await.until("the child journal to commit 5,000 appends", Duration.ofSeconds(30),
                    () -> lastCommitted.get() >= 5_000 || !child.isAlive(), () -> "; committed " + lastCommitted.get());
        } finally {
            // SIGKILL mid-append is the point of the test; it also never leaves the child running.
            child.destroyForcibly().waitFor();
        }
        reader.join(5_000);
        assertThat(lastCommitted.get()).as("the child journal committed appends before the kill").isGreaterThanOrEqualTo(5_000);
        long reported = lastCommitted.get();

        try (EdgeJournal journal = EdgeJournal.open(file, 1L << 30)) {
            EdgeJournal.SessionState s = journal.session("crash");
            assertThat(s.nextSequence()).as("events stored vs last commit reported (%d)", reported).isGreaterThanOrEqualTo(reported);
            List<EdgeJournal.StoredEvent> all = journal.read("crash", 0, Integer.MAX_VALUE, Long.MAX_VALUE);
            assertThat(all).hasSize((int) s.nextSequence());
            for (int i = 0; i < all.size(); i++) {
                assertThat(all.get(i).sequence()).isEqualTo(i);
            }
            // Appends are whole frames: the last stored event closes a frame (a RiskAssessed, or the alert events after it).
            String lastType = new io.sightline.domain.ingest.EventCodec().mapper().readTree(all.get(all.size() - 1).wireJson()).get("type").asText();
            assertThat(lastType).isIn("RiskAssessed", "ActuationCommanded", "AlertCleared");
            // And the journal goes on from there without a gap.
            assertThat(journal.append("crash", "after-restart", 1_764_000_000_000_000_000L + 10_000_000_000_000L,
                    new io.sightline.domain.event.FrameCaptured("f", 1, 1, 1, 1, "s")).sequence()).isEqualTo(s.nextSequence());
        }
    }
}
