package io.sightline.runtime.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link FrameRing} alone (ADR-0041), with real OpenCV frames: flat grey pictures whose level
 * names their frame index, so a frame read back is known to be the one asked for.
 */
class FrameRingTest {

    static final int W = 64;
    static final int H = 48;
    /** 64×48 I420. */
    static final long FRAME_BYTES = W * H * 3 / 2;

    private FrameRing ring;

    @AfterEach
    void free() {
        if (ring != null) {
            ring.free();
        }
    }

    /** Grey level of frame {@code i}: 7 apart, so a neighbour's picture is told apart after I420 and back. */
    static int level(long i) {
        return (int) (16 + (i * 7) % 224);
    }

    static Mat frame(long i, int w, int h) {
        return new Mat(h, w, opencv_core.CV_8UC3, new Scalar(level(i), level(i), level(i), 0));
    }

    private boolean put(long i, boolean block) throws InterruptedException {
        try (Mat m = frame(i, W, H)) {
            return ring.put(m, i, block);
        }
    }

    /** The grey level of frame {@code i} as the ring gives it back, or -1 when it does not hold it. */
    private int levelHeld(long i) {
        try (Mat bgr = new Mat()) {
            if (!ring.copyBgr(i, bgr)) {
                return -1;
            }
            return (int) Math.round(opencv_core.mean(bgr).get(0));
        }
    }

    private void assertHolds(long first, long last) {
        for (long i = first; i <= last; i++) {
            assertThat(levelHeld(i)).as("frame %d", i).isBetween(level(i) - 2, level(i) + 2);
        }
    }

    @Test
    void wrapsAroundKeepingTheNewestFramesAndEvictingTheOldestFirst() throws Exception {
        ring = new FrameRing(4 * FRAME_BYTES);
        for (long i = 0; i < 10; i++) {
            assertThat(put(i, false)).as("frame %d kept", i).isTrue();
        }
        assertThat(ring.capacityFrames()).isEqualTo(4);
        assertThat(ring.newestIndex()).isEqualTo(9);
        assertThat(ring.contiguousFrom()).isEqualTo(6);
        assertHolds(6, 9);
        for (long i = 0; i < 6; i++) {
            assertThat(levelHeld(i)).as("frame %d evicted", i).isEqualTo(-1);
        }
        assertThat(ring.framesNotKept()).as("eviction by the budget is not a frame not kept").isZero();
        assertThat(ring.framesNotKeptBetween(0, 9)).isZero();
    }

    @Test
    void neverAllocatesBeyondItsBudgetAndReusesItsSlots() throws Exception {
        long budget = 4 * FRAME_BYTES + FRAME_BYTES / 2;
        ring = new FrameRing(budget);
        long[] allocated = new long[100];
        for (int i = 0; i < 100; i++) {
            put(i, false);
            allocated[i] = ring.bytesAllocated();
            assertThat(allocated[i]).as("after frame %d", i).isLessThanOrEqualTo(budget);
        }
        assertThat(ring.capacityFrames()).isEqualTo(4);
        assertThat(allocated[0]).isEqualTo(FRAME_BYTES);
        assertThat(allocated[3]).isEqualTo(4 * FRAME_BYTES);
        assertThat(allocated[99]).as("slots allocated once, then reused").isEqualTo(4 * FRAME_BYTES);
        assertHolds(96, 99);
    }

    @Test
    void widerFramesAreKeptDownscaledToTheRingsWidth() throws Exception {
        ring = new FrameRing(8L << 20, 640);
        try (Mat m = frame(3, 1280, 720)) {
            assertThat(ring.put(m, 3, false)).isTrue();
        }
        assertThat(ring.width()).isEqualTo(640);
        assertThat(ring.height()).isEqualTo(360);
        assertThat(ring.bytesAllocated()).isEqualTo(640 * 360 * 3 / 2);
        assertThat(levelHeld(3)).isBetween(level(3) - 2, level(3) + 2);
    }

    /**
     * A live source cannot wait: while the encoder reads a window (pinned from its first frame), a
     * frame that would overwrite a pinned slot is not kept and counted, and the frames held are
     * contiguous again only from the first frame kept after the gap: where the next window's clip starts.
     */
    @Test
    void aLiveSourcesFramesArrivingWhileTheWindowIsPinnedAreNotKeptAndTheNextRunStartsAfterTheGap() throws Exception {
        ring = new FrameRing(4 * FRAME_BYTES);
        for (long i = 0; i < 4; i++) {
            put(i, false);
        }
        ring.pin(1);
        assertThat(put(4, false)).as("frame 0 is older than the window: evicted").isTrue();
        assertThat(ring.contiguousFrom()).isEqualTo(1);
        assertThat(put(5, false)).as("frame 1 is being encoded").isFalse();
        assertThat(put(6, false)).isFalse();
        assertThat(ring.framesNotKept()).isEqualTo(2);
        assertThat(ring.newestIndex()).isEqualTo(4);
        assertHolds(1, 4);
        assertThat(ring.contiguousFrom()).as("what the encoder reads is untouched").isEqualTo(1);

        // The encoder read frames 1 and 2: their slots are free again.
        ring.pin(3);
        assertThat(put(7, false)).isTrue();
        assertThat(ring.contiguousFrom()).as("after the gap").isEqualTo(7);
        ring.unpin();
        assertThat(put(8, false)).isTrue();
        assertThat(put(9, false)).isTrue();
        assertThat(ring.contiguousFrom()).isEqualTo(7);
        assertHolds(7, 9);
        assertThat(levelHeld(5)).isEqualTo(-1);
        assertThat(levelHeld(6)).isEqualTo(-1);

        assertThat(ring.framesNotKept()).isEqualTo(2);
        assertThat(ring.framesNotKeptBetween(0, 9)).isEqualTo(2);
        assertThat(ring.framesNotKeptBetween(6, 6)).isEqualTo(1);
        assertThat(ring.framesNotKeptBetween(0, 4)).as("a window that ended before the gap lost none").isZero();
        assertThat(ring.framesNotKeptBetween(7, 100)).isZero();
    }

    @Test
    void separateGapsAreCountedApart() throws Exception {
        ring = new FrameRing(2 * FRAME_BYTES);
        put(0, false);
        put(1, false);
        ring.pin(0);
        put(2, false);
        put(3, false);
        ring.unpin();
        put(4, false);
        put(5, false);
        ring.pin(4);
        put(6, false);
        ring.unpin();
        assertThat(ring.framesNotKept()).isEqualTo(3);
        assertThat(ring.framesNotKeptBetween(0, 3)).isEqualTo(2);
        assertThat(ring.framesNotKeptBetween(3, 6)).isEqualTo(2);
        assertThat(ring.framesNotKeptBetween(4, 5)).isZero();
        assertThat(ring.contiguousFrom()).isEqualTo(4);
    }

    /** A file can wait: the decode thread blocks on a pinned slot until the encoder has read it, and no frame is lost. */
    @Test
    void aFileSourceWaitsForTheSlotTheEncoderStillReadsAndLosesNoFrame() throws Exception {
        ring = new FrameRing(4 * FRAME_BYTES);
        for (long i = 0; i < 4; i++) {
            put(i, true);
        }
        ring.pin(0);
        AtomicBoolean returned = new AtomicBoolean();
        CompletableFuture<Boolean> writer = CompletableFuture.supplyAsync(() -> {
            try {
                boolean kept = put(4, true);
                returned.set(true);
                return kept;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertThat(returned).as("the writer waits while frame 0 is pinned").isFalse();
        assertThat(ring.newestIndex()).isEqualTo(3);
        ring.pin(1);
        assertThat(writer.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ring.framesNotKept()).isZero();
        assertThat(ring.contiguousFrom()).isEqualTo(1);
        assertHolds(1, 4);
    }

    @Test
    void closingReleasesAWaitingWriterWithoutKeepingItsFrame() throws Exception {
        ring = new FrameRing(2 * FRAME_BYTES);
        put(0, true);
        put(1, true);
        ring.pin(0);
        CompletableFuture<Boolean> writer = CompletableFuture.supplyAsync(() -> {
            try {
                return put(2, true);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertThat(writer).isNotDone();
        ring.close();
        assertThat(writer.get(5, TimeUnit.SECONDS)).isFalse();
        assertThat(ring.newestIndex()).isEqualTo(1);
    }

    @Test
    void aBadBudgetOrWidthIsRefused() {
        assertThatThrownBy(() -> new FrameRing(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("budget");
        assertThatThrownBy(() -> new FrameRing(1 << 20, 8)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("width");
    }

    /** ADR-0041's table: the width that lets the 384 MiB budget hold 46 s of the source at its frame rate. */
    @Test
    void theKeptWidthFitsAWholeWindowAtTheSourcesFrameRateInTheBudget() {
        long budget = 384L << 20;
        assertThat(FrameRing.maxWidthFor(budget, 960, 540, 25, 46, 640, 320)).isEqualTo(640);
        assertThat(FrameRing.maxWidthFor(budget, 960, 540, 30, 46, 640, 320)).isEqualTo(576);
        assertThat(FrameRing.maxWidthFor(budget, 1920, 1080, 30, 46, 640, 320)).isEqualTo(576);
        assertThat(FrameRing.maxWidthFor(budget, 960, 540, 60, 46, 640, 320)).isEqualTo(400);
        assertThat(FrameRing.maxWidthFor(budget, 960, 540, 240, 46, 640, 320)).as("never below the floor").isEqualTo(320);
        assertThat(FrameRing.maxWidthFor(budget, 480, 270, 30, 46, 640, 320)).as("never above the source").isEqualTo(480);
        for (double hz : new double[] {15, 25, 29.97, 30, 50, 60}) {
            int w = FrameRing.maxWidthFor(budget, 960, 540, hz, 46, 640, 320);
            int[] kept = FrameRing.keptSize(960, 540, w);
            long frames = budget / ((long) kept[0] * kept[1] * 3 / 2);
            assertThat(frames / hz).as("seconds held at %s Hz (%d px)", hz, w).isGreaterThanOrEqualTo(46.0);
            assertThat(w % 16).isZero();
        }
    }
}
