package io.sightline.uplink.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.uplink.VehicleSimulator;
import io.sightline.uplink.journal.EdgeJournal.NewEvent;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real SQLite journal on disk: sequencing, durability across reopen, retention and back-pressure. */
class EdgeJournalTest {

    static final long T0 = 1_764_000_000_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void isWalWithFullSyncAndAssignsGapFreeSequencesThatSurviveReopening() throws Exception {
        Path file = dir.resolve("journal.db");
        VehicleSimulator sim = new VehicleSimulator("s-1", "f", "v", "d", T0, 0);
        List<String> ids = new ArrayList<>();
        try (EdgeJournal journal = EdgeJournal.open(file, 64L << 20)) {
            List<EventEnvelope> started = journal.append("s-1", sim.start());
            assertThat(started).extracting(EventEnvelope::sequence).containsExactly(0L, 1L);
            journal.append("other", "other/0", T0, new FrameCaptured("x", 0, 0, 1, 1, "s"));
            for (int i = 0; i < 20; i++) {
                journal.append("s-1", sim.nextFrame());
            }
            journal.acknowledge("s-1", 40);
            ids.addAll(journal.eventIds("s-1"));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); var st = c.createStatement();
             ResultSet rs = st.executeQuery("pragma journal_mode")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("wal");
        }
        try (EdgeJournal journal = EdgeJournal.open(file, 64L << 20)) {
            EdgeJournal.SessionState s = journal.session("s-1");
            assertThat(s.nextSequence()).isEqualTo(ids.size());
            assertThat(s.ackedSequence()).isEqualTo(40);
            assertThat(journal.session("other").nextSequence()).isEqualTo(1);
            EventEnvelope next = journal.append("s-1", sim.nextFrame()).get(0);
            assertThat(next.sequence()).isEqualTo(ids.size());
            // The stored wire JSON is exactly what EventCodec decodes back into the event.
            List<EdgeJournal.StoredEvent> read = journal.read("s-1", 40, 1_000, 1 << 20);
            assertThat(read.get(0).sequence()).isEqualTo(40);
            assertThat(read).extracting(EdgeJournal.StoredEvent::eventId).startsWith(ids.get(40), ids.get(41));
            EventCodec codec = new EventCodec();
            EventEnvelope decoded = codec.decodeBatch("[" + read.get(read.size() - 1).wireJson() + "]").get(0);
            assertThat(decoded.eventId()).isEqualTo(journal.eventIds("s-1").get((int) decoded.sequence()));
            // Acks never move back: a late, stale ack cannot re-open retention.
            journal.acknowledge("s-1", 10);
            assertThat(journal.session("s-1").ackedSequence()).isEqualTo(40);
        }
    }

    @Test
    void theTraceparentOfAnEventTravelsInItsWireFormAndAMalformedOneStoresNothing() {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("t.db"), 64L << 20)) {
            List<EventEnvelope> stored = journal.append("s", List.of(
                    new NewEvent("with", T0, new FrameCaptured("f0", 0, 0, 1, 1, "s"), traceparent),
                    new NewEvent("without", T0, new FrameCaptured("f1", 1, 0, 1, 1, "s"))));
            assertThat(stored).extracting(EventEnvelope::traceparent).containsExactly(traceparent, null);
            EventCodec codec = new EventCodec();
            List<EdgeJournal.StoredEvent> read = journal.read("s", 0, 10, 1 << 20);
            assertThat(codec.decodeBatch("[" + read.get(0).wireJson() + "," + read.get(1).wireJson() + "]"))
                    .extracting(EventEnvelope::traceparent).containsExactly(traceparent, null);
            assertThat(read.get(1).wireJson()).doesNotContain("traceparent");

            assertThatThrownBy(() -> journal.append("s", List.of(
                    new NewEvent("ok", T0, new FrameCaptured("f2", 2, 0, 1, 1, "s"), traceparent),
                    new NewEvent("bad", T0, new FrameCaptured("f3", 3, 0, 1, 1, "s"), "00-not-a-trace-01"))))
                    .isInstanceOf(JournalException.class).hasMessageContaining("traceparent")
                    .hasMessageContaining("Nothing from this append was stored");
            assertThat(journal.eventIds("s")).containsExactly("with", "without");
        }
    }

    @Test
    void aFailedAppendStoresNothingAndUsesNoSequence() {
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("j.db"), 64L << 20)) {
            // Listeners hear of committed appends only (an uploader is woken by them).
            java.util.concurrent.atomic.AtomicInteger committed = new java.util.concurrent.atomic.AtomicInteger();
            journal.addAppendListener(committed::incrementAndGet);
            journal.append("s", "a", T0, new FrameCaptured("f0", 0, 0, 1, 1, "s"));
            assertThat(committed).hasValue(1);
            assertThatThrownBy(() -> journal.append("s", List.of(
                    new NewEvent("b", T0, new FrameCaptured("f1", 1, 0, 1, 1, "s")),
                    new NewEvent("a", T0, new FrameCaptured("f2", 2, 0, 1, 1, "s")))))
                    .isInstanceOf(JournalException.class)
                    .hasMessageContaining("already in the journal").hasMessageContaining("Nothing from this append was stored");
            assertThat(journal.eventIds("s")).containsExactly("a");
            assertThat(committed).as("a failed append tells no listener").hasValue(1);
            assertThat(journal.append("s", "b", T0, new FrameCaptured("f1", 1, 0, 1, 1, "s")).sequence()).isEqualTo(1);
            assertThat(committed).hasValue(2);
            assertThatThrownBy(() -> journal.acknowledge("s", 5)).hasMessageContaining("only assigned sequences below 2");
        }
    }

    @Test
    void retentionDeletesAcknowledgedEventsOutsideAlertWindowsFirstAndNeverUnacknowledgedOnes() {
        long budget = 1L << 20;
        // One frame per second: an alert's 40 s window is 41 frames; alerts at frames 170 and 370.
        VehicleSimulator sim = new VehicleSimulator("s-ret", "f", "v", "d", T0, 200, 1_000_000_000L);
        Map<String, Long> occurred = new HashMap<>();
        List<Long> alertTimes = new ArrayList<>();
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("ret.db"), budget)) {
            journal.append("s-ret", sim.start());
            long unackedTail = 0;
            for (int chunk = 0; chunk < 60; chunk++) {
                List<NewEvent> events = sim.frames(10);
                for (NewEvent e : events) {
                    occurred.put(e.eventId(), e.occurredAtNanos());
                    if (e.payload() instanceof AlertRaised) {
                        alertTimes.add(e.occurredAtNanos());
                    }
                }
                journal.append("s-ret", events);
                // The cloud acknowledges all but the newest 100 events.
                EdgeJournal.SessionState s = journal.session("s-ret");
                unackedTail = Math.min(100, s.nextSequence());
                journal.acknowledge("s-ret", s.nextSequence() - unackedTail);
            }
            EdgeJournal.Stats stats = journal.stats();
            EdgeJournal.SessionState s = journal.session("s-ret");
            assertThat(alertTimes).hasSize(3);
            assertThat(stats.deletedOutsideWindows()).as("acknowledged events outside windows deleted: %s", stats).isPositive();
            assertThat(stats.deletedInsideWindows()).as("windows kept while other acknowledged events remained").isZero();
            assertThat(stats.usedBytes()).isLessThanOrEqualTo(budget + (64 << 10));
            List<String> kept = journal.eventIds("s-ret");
            // Every unacknowledged event is still there.
            List<EdgeJournal.StoredEvent> tail = journal.read("s-ret", s.ackedSequence(), 10_000, Long.MAX_VALUE);
            assertThat(tail).hasSize((int) (s.nextSequence() - s.ackedSequence()));
            // Every event inside the first two alert windows survived; the oldest events outside did not.
            for (Map.Entry<String, Long> e : occurred.entrySet()) {
                if (inWindow(e.getValue(), alertTimes.subList(0, 2))) {
                    assertThat(kept).as("event %s in an alert window", e.getKey()).contains(e.getKey());
                }
            }
            assertThat(kept).doesNotContain("s-ret/e2", "s-ret/e3");

            journal.acknowledge("s-ret", s.nextSequence());
        }
        // Reopened with a budget smaller than the three windows: windows go last, oldest first.
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("ret.db"), 128L << 10)) {
            RetentionReport report = journal.enforceRetention();
            assertThat(report.deletedInsideWindows()).as("%s", report).isPositive();
            assertThat(report.usedBytesAfter()).isLessThanOrEqualTo(128L << 10);
            List<String> keptLater = journal.eventIds("s-ret");
            long firstWindowLeft = occurred.entrySet().stream()
                    .filter(e -> inWindow(e.getValue(), alertTimes.subList(0, 1)) && keptLater.contains(e.getKey())).count();
            long thirdWindowLeft = occurred.entrySet().stream()
                    .filter(e -> inWindow(e.getValue(), alertTimes.subList(2, 3)) && keptLater.contains(e.getKey())).count();
            long outsideLeft = occurred.entrySet().stream()
                    .filter(e -> !inWindow(e.getValue(), alertTimes) && keptLater.contains(e.getKey())).count();
            assertThat(outsideLeft).as("events outside windows are deleted before any window event").isZero();
            assertThat(firstWindowLeft).as("oldest window is deleted first").isLessThan(thirdWindowLeft);
        }
    }

    private static boolean inWindow(long t, List<Long> alerts) {
        return alerts.stream().anyMatch(a -> t >= a - EdgeJournal.ALERT_WINDOW_BEFORE_NANOS && t <= a + EdgeJournal.ALERT_WINDOW_AFTER_NANOS);
    }

    @Test
    void unacknowledgedEventsOverBudgetRefuseTheAppendClearlyAndStoreNothing() {
        VehicleSimulator sim = new VehicleSimulator("s-full", "f", "v", "d", T0, 0);
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("full.db"), 256L << 10)) {
            journal.append("s-full", sim.start());
            JournalFullException full = null;
            for (int i = 0; i < 2_000 && full == null; i++) {
                try {
                    journal.append("s-full", sim.frames(5));
                } catch (JournalFullException e) {
                    full = e;
                }
            }
            assertThat(full).as("journal refused once unacknowledged events filled it").isNotNull();
            assertThat(full.getMessage()).contains("not acknowledged").contains("Restore the uplink").contains("budget");
            long stored = journal.session("s-full").nextSequence();
            assertThat(full.unackedEvents()).isEqualTo(stored);
            assertThat(journal.eventIds("s-full")).hasSize((int) stored);
            // Once the cloud acknowledges, retention makes room and appends work again.
            journal.acknowledge("s-full", stored);
            List<EventEnvelope> more = journal.append("s-full", sim.frames(1));
            assertThat(more.get(0).sequence()).isEqualTo(stored);
            assertThat(journal.stats().usedBytes()).isLessThanOrEqualTo(256L << 10);
        }
    }
}
