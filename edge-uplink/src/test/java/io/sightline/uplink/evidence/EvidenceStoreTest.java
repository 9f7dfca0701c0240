package io.sightline.uplink.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.evidence.AlertWindow;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real evidence store beside a real SQLite journal: content addressing, alert windows, retention order. */
class EvidenceStoreTest {

    static final long T = 1_764_000_000_000_000_000L;
    static final long S = 1_000_000_000L;
    static final int BLOB = 100 * 1024;

    @TempDir
    Path dir;

    private final Random random = new Random(42);

    private byte[] blob() {
        byte[] b = new byte[BLOB];
        random.nextBytes(b);
        return b;
    }

    private static void alertAt(EdgeJournal journal, String session, long at) {
        journal.append(session, "alert-" + at, at, new AlertRaised(session + "/alert/" + at, "FORWARD_COLLISION", "WARNING", "t1", "p1",
                at, List.of("r1")));
    }

    @Test
    void theJournalsAlertWindowIsTheSharedOne() {
        assertThat(EdgeJournal.ALERT_WINDOW_BEFORE_NANOS).isEqualTo(AlertWindow.BEFORE_NANOS);
        assertThat(EdgeJournal.ALERT_WINDOW_AFTER_NANOS).isEqualTo(AlertWindow.AFTER_NANOS);
    }

    @Test
    void storesContentAddressedAndIdempotently() throws Exception {
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), 64L << 20);
             EvidenceStore store = EvidenceStore.open(journal, 64L << 20)) {
            byte[] jpeg = blob();
            String sha = store.put("s", "f1", T, jpeg);
            assertThat(sha).isEqualTo(EvidenceStore.sha256Hex(jpeg)).matches("[0-9a-f]{64}");
            assertThat(FrameCaptured.isSha256Hex(sha)).isTrue();
            assertThat(store.path(sha)).isEqualTo(dir.resolve("evidence").resolve(sha.substring(0, 2)).resolve(sha + ".jpg"));
            assertThat(Files.readAllBytes(store.path(sha))).isEqualTo(jpeg);
            // The same bytes for another frame (a covered lens) share one file and count once.
            assertThat(store.put("s", "f2", T + S, jpeg)).isEqualTo(sha);
            assertThat(store.put("s", "f1", T, jpeg)).isEqualTo(sha);
            assertThat(store.stats().usedBytes()).isEqualTo(BLOB);
            assertThat(store.frames("s")).extracting(EvidenceStore.Frame::frameId).containsExactly("f1", "f2");
            try (var tmp = Files.list(store.path(sha).getParent())) {
                assertThat(tmp).as("no temporaries left").hasSize(1);
            }
        }
    }

    @Test
    void onlyFramesInsideAnAlertWindowAreOfferedForUpload() {
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), 64L << 20);
             EvidenceStore store = EvidenceStore.open(journal, 64L << 20)) {
            store.put("s", "before", T - 31 * S, blob());
            store.put("s", "first", T - 30 * S, blob());
            store.put("s", "at", T, blob());
            store.put("s", "last", T + 10 * S, blob());
            store.put("s", "after", T + 11 * S, blob());
            store.put("other", "other-at", T, blob());
            assertThat(store.pendingUploads(10)).isEmpty();
            alertAt(journal, "s", T);
            assertThat(store.pendingUploads(10)).extracting(EvidenceStore.Frame::frameId).containsExactly("first", "at", "last");
            assertThat(store.pendingUploads("s")).isEqualTo(3);
            assertThat(store.pendingUploads("other")).isZero();
            store.markUploaded("s", "at");
            store.markRefused("s", "first", "BAD_SIGNATURE: test");
            assertThat(store.pendingUploads(10)).extracting(EvidenceStore.Frame::frameId).containsExactly("last");
            assertThat(store.pendingUploads("s")).as("a refused frame is still missing in the cloud").isEqualTo(2);
            store.retryRefused();
            assertThat(store.pendingUploads(10)).extracting(EvidenceStore.Frame::frameId).containsExactly("first", "last");
        }
    }

    @Test
    void retentionDeletesFramesOutsideWindowsFirstAndNeverAnUnuploadedOneInside() throws Exception {
        long budget = 1L << 20; // room for 10 blobs; retention brings it back to 90 %
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), 64L << 20);
             EvidenceStore store = EvidenceStore.open(journal, budget)) {
            alertAt(journal, "s", T);
            List<String> inside = new ArrayList<>();
            List<String> outside = new ArrayList<>();
            // Interleaved in time: old frames outside, the window's frames, frames after it.
            for (int i = 0; i < 4; i++) {
                outside.add(store.put("s", "old-" + i, T - (60 - i) * S, blob()));
            }
            for (int i = 0; i < 4; i++) {
                inside.add(store.put("s", "in-" + i, T - (20 - i) * S, blob()));
            }
            assertThat(store.stats().deletedOutsideWindows()).isZero();
            // Frames after the window push the store over budget.
            for (int i = 0; i < 6; i++) {
                assertThat(store.put("s", "late-" + i, T + (20 + i) * S, blob())).isNotNull();
            }
            EvidenceStore.Stats stats = store.stats();
            assertThat(stats.usedBytes()).isLessThanOrEqualTo(budget);
            assertThat(stats.deletedOutsideWindows()).isPositive();
            assertThat(stats.deletedInsideWindows()).isZero();
            for (String sha : inside) {
                assertThat(store.path(sha)).as("frame inside the alert window").exists();
            }
            // Oldest first: the first old frame went before any later one.
            assertThat(store.path(outside.get(0))).doesNotExist();
            List<String> kept = store.frames("s").stream().map(EvidenceStore.Frame::frameId).toList();
            assertThat(kept).containsAll(List.of("in-0", "in-1", "in-2", "in-3"));

            // Once the cloud holds the window's frames they may go, oldest first, and only when no frame
            // outside a window is left: a second alert puts every remaining late frame inside a window.
            for (int i = 0; i < 4; i++) {
                store.markUploaded("s", "in-" + i);
            }
            alertAt(journal, "s", T + 40 * S);
            List<String> lateKept = store.frames("s").stream().map(EvidenceStore.Frame::frameId).filter(id -> id.startsWith("late-"))
                    .toList();
            assertThat(lateKept).isNotEmpty();
            assertThat(store.put("s", "second-0", T + 30 * S, blob())).isNotNull();
            assertThat(store.put("s", "second-1", T + 31 * S, blob())).isNotNull();
            stats = store.stats();
            assertThat(stats.usedBytes()).isLessThanOrEqualTo(budget);
            assertThat(stats.deletedInsideWindows()).isPositive();
            List<String> now = store.frames("s").stream().map(EvidenceStore.Frame::frameId).toList();
            assertThat(now).doesNotContain("in-0").containsAll(lateKept).contains("second-0", "second-1");
        }
    }

    @Test
    void whenUnuploadedWindowFramesFillTheBudgetANewFrameIsNotKept() {
        long budget = 1L << 20;
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), 64L << 20);
             EvidenceStore store = EvidenceStore.open(journal, budget)) {
            alertAt(journal, "s", T);
            List<String> window = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                window.add(store.put("s", "in-" + i, T - (25 - i) * S, blob()));
            }
            assertThat(window).doesNotContainNull();
            assertThat(store.put("s", "late", T + 30 * S, blob())).isNull();
            assertThat(store.stats().notKeptFull()).isEqualTo(1);
            for (String sha : window) {
                assertThat(store.path(sha)).exists();
            }
        }
    }

    @Test
    void reopeningRestoresUsageAndSweepsFilesNoRowNames() throws Exception {
        Path orphan;
        String sha;
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), 64L << 20)) {
            try (EvidenceStore store = EvidenceStore.open(journal, 64L << 20)) {
                sha = store.put("s", "f1", T, blob());
                orphan = store.path("ab".repeat(32));
                Files.createDirectories(orphan.getParent());
                Files.write(orphan, new byte[] {1, 2, 3});
                Files.write(orphan.resolveSibling(orphan.getFileName() + ".tmp-1234"), new byte[] {1});
            }
            try (EvidenceStore store = EvidenceStore.open(journal, 64L << 20)) {
                assertThat(store.stats().usedBytes()).isEqualTo(BLOB);
                assertThat(store.path(sha)).exists();
                assertThat(orphan).doesNotExist();
                assertThat(orphan.resolveSibling(orphan.getFileName() + ".tmp-1234")).doesNotExist();
            }
        }
    }

    /** An MP4 of {@code size} bytes as the store sees one: an {@code ftyp} box first. */
    private byte[] clip(int size) {
        byte[] b = blob();
        b = java.util.Arrays.copyOf(b, size);
        System.arraycopy(new byte[] {0, 0, 0, 32, 'f', 't', 'y', 'p'}, 0, b, 0, 8);
        return b;
    }

    @Test
    void aClipIsEvidenceOfItsWindowUnderTheSameBudgetAndRetention() throws Exception {
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), 64L << 20);
             EvidenceStore store = EvidenceStore.open(journal, 1L << 20)) {
            alertAt(journal, "s", T);
            byte[] mp4 = clip(600 * 1024);
            String sha = store.putClip("s", "clip:s/alert/1", T, mp4);
            assertThat(store.path(sha).getFileName().toString()).isEqualTo(sha + ".mp4");
            assertThat(Files.readAllBytes(store.path(sha))).isEqualTo(mp4);
            assertThat(EvidenceStore.contentTypeOf(store.read(sha))).isEqualTo(EvidenceStore.CLIP_CONTENT_TYPE);
            assertThat(store.pendingUploads(10)).extracting(EvidenceStore.Frame::frameId).containsExactly("clip:s/alert/1");
            // Frames outside every window go first when room is needed; the clip of a window not uploaded yet stays.
            for (int i = 0; i < 3; i++) {
                assertThat(store.put("s", "later-" + i, T + (60 + i) * S, blob())).isNotNull();
            }
            assertThat(store.put("s", "later-3", T + 63 * S, clip(300 * 1024))).isNotNull();
            assertThat(store.stats().deletedOutsideWindows()).isEqualTo(3);
            assertThat(store.path(sha)).exists();
            // When only the un-uploaded clip is left to delete, the new blob is not kept, the clip is.
            assertThat(store.put("s", "later-4", T + 64 * S, clip(500 * 1024))).isNull();
            assertThat(store.path(sha)).exists();
            // Uploaded: retention may now delete it like any uploaded frame inside a window, and does when room is needed.
            store.markUploaded("s", "clip:s/alert/1");
            assertThat(store.put("s", "later-4", T + 64 * S, clip(500 * 1024))).isNotNull();
            assertThat(store.stats().usedBytes()).isLessThanOrEqualTo(store.stats().budgetBytes());
            assertThat(store.path(sha)).doesNotExist();
            assertThat(store.stats().deletedInsideWindows()).isEqualTo(1);
        }
    }
}
