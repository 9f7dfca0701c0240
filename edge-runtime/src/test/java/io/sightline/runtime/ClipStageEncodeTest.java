package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.EvidenceClipRecorded;
import io.sightline.inference.ProducedEvent;
import io.sightline.inference.StageStats;
import io.sightline.runtime.clip.ClipEncoder;
import io.sightline.runtime.clip.FrameRing;
import io.sightline.uplink.evidence.EvidenceStore;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The encode path's clip stage (ADR-0041) on its own thread with a real {@link FrameRing}, H.264
 * encoder and evidence store, the test playing the decode thread (keeping frames, a live source:
 * it never waits) and the journal thread (posting each frame and its alerts). The encoder is held,
 * its window pinned, while frames arrive: they are not kept, counted, named in the next window's
 * {@code EvidenceClipRecorded}, and that clip starts after the gap. Flat grey frames whose level
 * names their index say which frame a decoded clip frame is.
 */
class ClipStageEncodeTest {

    static final int W = 64;
    static final int H = 48;
    static final long FRAME_NANOS = 40_000_000L;
    /** Frames the ring holds: the first window (frames 0…255) and a few more. */
    static final int CAPACITY = 260;

    @TempDir
    Path dir;

    static int level(long i) {
        return (int) (16 + (i * 7) % 224);
    }

    @Test
    void framesArrivingWhileAWindowIsEncodedAreNotKeptCountedInTheNextClipWhichStartsAfterTheGap() throws Exception {
        FrameRing ring = new FrameRing(CAPACITY * (long) W * H * 3 / 2);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<ProducedEvent> events = new ArrayList<>();
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES);
             EvidenceStore store = EvidenceStore.open(journal, 64L << 20)) {
            ClipStage stage = new ClipStage(ring, ClipEncoder.open(ClipEncoder.PREFERRED_ENCODERS), 25.0, store, "s-gap", dir.resolve("tmp"),
                    new StageStats(ClipStage.STAGE, ClipStage.RING_STAGE));
            stage.beforeEncode(r -> {
                if (holding.getCount() > 0) {
                    holding.countDown();
                    try {
                        assertThat(release.await(30, TimeUnit.SECONDS)).as("the test releases the encoder").isTrue();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            Thread thread = new Thread(() -> {
                try {
                    stage.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "evidence-clip");
            thread.start();

            // Window A: an alert at frame 5 (0.2 s), T-30 s … T+10.2 s: frames 0…255; frame 256 (10.24 s) closes it.
            for (long i = 0; i <= 256; i++) {
                keepAndJournal(ring, stage, i, i == 5 ? List.of("alert-a") : List.of());
            }
            assertThat(holding.await(30, TimeUnit.SECONDS)).as("the stage encodes window A").isTrue();
            // The encoder holds frames 0…255: three more fit, then ten arrive with no slot to go to.
            for (long i = 257; i < 270; i++) {
                keepAndJournal(ring, stage, i, List.of());
            }
            assertThat(ring.framesNotKept()).isEqualTo(10);
            release.countDown();
            // A live source goes on meanwhile; here the next frames wait until window A's encode unpinned the ring, so which
            // frames were not kept does not depend on the encoder's speed.
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (stage.cuts().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(stage.cuts()).as("window A encoded").hasSize(1);
            // Window B: an alert at frame 300 (12 s): its window reaches back past the gap; the session ends at frame 310.
            for (long i = 270; i <= 310; i++) {
                keepAndJournal(ring, stage, i, i == 300 ? List.of("alert-b") : List.of());
            }
            stage.close();
            thread.join(60_000);
            assertThat(thread.isAlive()).isFalse();
            stage.drainTo(events);
            assertThat(stage.priority()).as("the stage's thread ran at the lowest OS priority").satisfies(p -> {
                assertThat(p.nice()).isEqualTo(ThreadNice.LOWEST);
                assertThat(p.describe()).isEqualTo("nice 19");
            });

            List<EvidenceClipRecorded> clips = events.stream().map(ProducedEvent::payload).map(EvidenceClipRecorded.class::cast).toList();
            assertThat(clips).hasSize(2);
            EvidenceClipRecorded a = clips.get(0);
            assertThat(a.alertIds()).containsExactly("alert-a");
            assertThat(a.method()).isEqualTo(EvidenceClipRecorded.ENCODE);
            assertThat(a.windowFirstFrameIndex()).isZero();
            assertThat(a.windowLastFrameIndex()).isEqualTo(255);
            assertThat(a.firstFrameIndex()).isZero();
            assertThat(a.frameCount()).isEqualTo(256);
            assertThat(a.windowFramesNotKept()).as("the gap came after window A").isZero();

            EvidenceClipRecorded b = clips.get(1);
            assertThat(b.alertIds()).containsExactly("alert-b");
            assertThat(b.windowFirstFrameIndex()).as("T-30 s reaches the session's start").isZero();
            assertThat(b.windowLastFrameIndex()).isEqualTo(310);
            assertThat(b.windowFramesNotKept()).as("frames 260…269, not kept while window A was encoded").isEqualTo(10);
            assertThat(b.firstFrameIndex()).as("the clip starts after the gap").isEqualTo(270);
            assertThat(b.frameCount()).isEqualTo(41);
            assertThat(b.offsetOf(300)).isEqualTo(30);
            assertThat(b.stillOf("alert-b")).as("the deciding frame's still").isNotNull();

            List<Integer> levels = EvidenceClipsTest.eachFrame(store.path(b.clipSha256()).toString(),
                    m -> (int) Math.round(opencv_core.mean(m).get(0)));
            assertThat(levels).as("a playable clip of 41 frames").hasSize(41);
            for (int k = 0; k < levels.size(); k++) {
                assertThat(levels.get(k)).as("clip frame %d is source frame %d", k, 270 + k).isBetween(level(270 + k) - 3, level(270 + k) + 3);
            }
            List<Integer> levelsA = EvidenceClipsTest.eachFrame(store.path(a.clipSha256()).toString(),
                    m -> (int) Math.round(opencv_core.mean(m).get(0)));
            assertThat(levelsA).hasSize(256);
            assertThat(levelsA.get(255)).isBetween(level(255) - 3, level(255) + 3);
        } finally {
            ring.free();
        }
    }

    /** The decode thread's keep (a live source: never waits), then the journal thread's post. */
    private static void keepAndJournal(FrameRing ring, ClipStage stage, long i, List<String> alerts) throws InterruptedException {
        try (Mat m = new Mat(H, W, opencv_core.CV_8UC3, new Scalar(level(i), level(i), level(i), 0))) {
            ring.put(m, i, false);
        }
        long at = i * FRAME_NANOS;
        stage.frameJournaled(i, at, alerts, at);
    }
}
