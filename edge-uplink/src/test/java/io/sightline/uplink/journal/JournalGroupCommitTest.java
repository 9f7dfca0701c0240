package io.sightline.uplink.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.testkit.Await;
import io.sightline.uplink.VehicleSimulator;
import io.sightline.uplink.journal.EdgeJournal.NewEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit (ADR-0033) on the real SQLite journal: appends wait for one commit per interval,
 * safety events commit at once, the uploader's reads see only what is committed, and a failed
 * append inside a group undoes itself alone.
 */
class JournalGroupCommitTest {

    static final long T0 = 1_764_000_000_000_000_000L;
    /** Long enough that the timer cannot fire between an append and the read right after it. */
    static final Duration LONG_INTERVAL = Duration.ofMillis(1_000);

    @TempDir
    Path dir;

    EdgeJournal open(Duration interval) {
        return EdgeJournal.open(dir.resolve("journal.db"), 64L << 20, e -> e instanceof AlertRaised, interval);
    }

    @Test
    void appendsOfAGroupAreInvisibleUntilTheirCommitAndThenDurableTogether() {
        VehicleSimulator sim = new VehicleSimulator("s", "f", "v", "d", T0, 0);
        try (EdgeJournal journal = open(LONG_INTERVAL)) {
            List<EventEnvelope> started = journal.append("s", sim.start());
            for (int i = 0; i < 9; i++) {
                journal.append("s", sim.nextFrame());
            }
            assertThat(started.get(0).sequence()).isZero();
            // The reader (the uploader's connection) sees committed rows only: nothing may leave the edge before its fsync.
            assertThat(journal.sessions()).as("uncommitted appends are not visible").isEmpty();
            assertThat(journal.syncStats().commits()).isZero();
            journal.sync();
            assertThat(journal.session("s").nextSequence()).isEqualTo(2 + 9 * 7);
            assertThat(journal.read("s", 0, 1_000, 1 << 20)).hasSize(2 + 9 * 7);
            assertThat(journal.syncStats()).isEqualTo(new EdgeJournal.SyncStats(1_000, 10, 1, 0));
        }
    }

    @Test
    void theTimerCommitsAGroupWithoutFurtherAppendsAndWakesTheUploader() {
        VehicleSimulator sim = new VehicleSimulator("s", "f", "v", "d", T0, 0);
        AtomicInteger wakes = new AtomicInteger();
        try (EdgeJournal journal = open(Duration.ofMillis(20))) {
            journal.addAppendListener(wakes::incrementAndGet);
            journal.append("s", sim.start());
            journal.append("s", sim.frames(3));
            Await.until("the timer to commit the group", Duration.ofSeconds(10),
                    () -> !journal.sessions().isEmpty() && journal.session("s").nextSequence() == 2 + 3 * 7,
                    journal::syncStats);
            assertThat(journal.syncStats().commits()).isGreaterThanOrEqualTo(1).isLessThanOrEqualTo(2);
            assertThat(wakes.get()).as("listeners run once per commit, not per append").isEqualTo((int) journal.syncStats().commits());
        }
    }

    @Test
    void anAppendHoldingASafetyEventCommitsItAndEverythingBeforeItAtOnce() {
        // An alert every 40 frames, in the frames 10..39 of each 40: frame 10 raises it.
        VehicleSimulator sim = new VehicleSimulator("s", "f", "v", "d", T0, 40);
        try (EdgeJournal journal = open(LONG_INTERVAL)) {
            journal.append("s", sim.start());
            for (int i = 0; i < 10; i++) {
                journal.append("s", sim.nextFrame());
            }
            assertThat(journal.sessions()).isEmpty();
            List<EventEnvelope> alertFrame = journal.append("s", sim.nextFrame());
            assertThat(alertFrame).extracting(e -> e.payload().getClass().getSimpleName()).contains("AlertRaised", "ActuationCommanded");
            long through = alertFrame.get(alertFrame.size() - 1).sequence() + 1;
            assertThat(journal.session("s").nextSequence()).as("committed before append returned").isEqualTo(through);
            assertThat(journal.read("s", 0, 10_000, 1 << 24)).hasSize((int) through);
            assertThat(journal.syncStats()).isEqualTo(new EdgeJournal.SyncStats(1_000, 12, 1, 1));
            // The alert's window is committed with it (retention and the tiers read it).
            assertThat(journal.windows("s")).hasSize(1);
        }
    }

    @Test
    void aFailedAppendInsideAGroupUndoesItselfAloneAndSequencesStayGapFree() {
        VehicleSimulator sim = new VehicleSimulator("s", "f", "v", "d", T0, 0);
        try (EdgeJournal journal = open(LONG_INTERVAL)) {
            journal.append("s", sim.start());
            journal.append("s", sim.nextFrame());
            // A duplicate id fails this append (one new event, then the duplicate): neither of its events is stored.
            List<NewEvent> bad = List.of(new NewEvent("fresh-1", T0 + 1, new FrameCaptured("x", 9, 0, 1, 1, "s")),
                    new NewEvent("s/e0", T0 + 1, new FrameCaptured("y", 9, 0, 1, 1, "s")));
            assertThatThrownBy(() -> journal.append("s", bad)).isInstanceOf(JournalException.class)
                    .hasMessageContaining("already in the journal");
            EventEnvelope next = journal.append("s", sim.nextFrame()).get(0);
            assertThat(next.sequence()).isEqualTo(2 + 7);
            journal.sync();
            List<EdgeJournal.StoredEvent> all = journal.read("s", 0, 1_000, 1 << 20);
            assertThat(all).hasSize(2 + 2 * 7);
            for (int i = 0; i < all.size(); i++) {
                assertThat(all.get(i).sequence()).isEqualTo(i);
            }
            assertThat(journal.eventIds("s")).doesNotContain("fresh-1");
        }
    }

    @Test
    void closingCommitsTheWaitingGroup() {
        VehicleSimulator sim = new VehicleSimulator("s", "f", "v", "d", T0, 0);
        try (EdgeJournal journal = open(LONG_INTERVAL)) {
            journal.append("s", sim.start());
            journal.append("s", sim.frames(5));
        }
        try (EdgeJournal journal = open(Duration.ZERO)) {
            assertThat(journal.session("s").nextSequence()).isEqualTo(2 + 5 * 7);
        }
    }

    @Test
    void anIntervalOfZeroCommitsEveryAppend() {
        VehicleSimulator sim = new VehicleSimulator("s", "f", "v", "d", T0, 0);
        try (EdgeJournal journal = open(Duration.ZERO)) {
            journal.append("s", sim.start());
            journal.append("s", sim.nextFrame());
            assertThat(journal.session("s").nextSequence()).isEqualTo(9);
            assertThat(journal.syncStats()).isEqualTo(new EdgeJournal.SyncStats(0, 2, 2, 0));
        }
    }

    @Test
    void refusesANegativeOrTooLongInterval() {
        assertThatThrownBy(() -> open(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sync interval must be 0 (every append) to 1000 ms, got -1 ms");
        assertThatThrownBy(() -> open(Duration.ofSeconds(5))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 5000 ms");
    }
}
