package io.sightline.uplink.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.FrameCaptured;
import io.sightline.uplink.tier.TierSelectorTest;
import io.sightline.uplink.tier.UploadTiers;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The windows the journal keeps for the upload tiers, and the window requests it holds across a restart. */
class JournalWindowsTest {

    static final long S = 1_000_000_000L;
    static final long T0 = 1_764_000_000L * S;

    @TempDir
    Path dir;

    @Test
    void aRunOfNearMissesKeepsOneMergedWindowAndAnIsolatedOneItsOwn() {
        UploadTiers tiers = UploadTiers.defaults();
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("j.db"), 64L << 20, tiers::opensWindow)) {
            for (int i = 0; i < 50; i++) {
                // A TTC of 2.3 s against 2.1 s every 100 ms for 5 s: one near miss after another.
                journal.append("s", "n" + i, T0 + i * S / 10, TierSelectorTest.fcw(2.3));
            }
            journal.append("s", "far", T0 + 200 * S, TierSelectorTest.fcw(9.0));
            journal.append("s", "late", T0 + 300 * S, TierSelectorTest.fcw(2.2));
            List<long[]> windows = journal.windows("s");
            assertThat(windows).hasSize(2);
            assertThat(windows.get(0)).containsExactly(T0 - 30 * S, T0 + 49 * S / 10 + 10 * S);
            assertThat(windows.get(1)).containsExactly(T0 + 270 * S, T0 + 310 * S);
        }
    }

    @Test
    void windowRequestsSurviveARestartUntilAnsweredAndARepeatIsIgnored() {
        Path file = dir.resolve("r.db");
        try (EdgeJournal journal = EdgeJournal.open(file, 64L << 20)) {
            journal.append("s", "f0", T0, new FrameCaptured("f0", 0, 0, 1, 1, "x"));
            journal.requestWindow(new EdgeJournal.WindowRequest("r1", "s", T0, T0 + S));
            journal.requestWindow(new EdgeJournal.WindowRequest("r1", "s", T0, T0 + S));
            journal.requestWindow(new EdgeJournal.WindowRequest("r2", "s", T0 + S, T0 + 2 * S));
        }
        try (EdgeJournal journal = EdgeJournal.open(file, 64L << 20)) {
            assertThat(journal.windowRequests()).extracting(EdgeJournal.WindowRequest::requestId).containsExactly("r1", "r2");
            journal.windowRequestAnswered("r1");
            assertThat(journal.windowRequests()).extracting(EdgeJournal.WindowRequest::requestId).containsExactly("r2");
            assertThat(journal.readWindow("s", T0, T0 + S, Long.MAX_VALUE)).extracting(EdgeJournal.StoredEvent::type)
                    .containsExactly("FrameCaptured");
        }
    }
}
