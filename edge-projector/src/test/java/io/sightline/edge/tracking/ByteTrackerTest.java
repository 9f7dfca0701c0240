package io.sightline.edge.tracking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class ByteTrackerTest {

    private static final double HZ = 10.0;

    private final Detections dets = new Detections(8);
    private final TrackerOutput out = new TrackerOutput(8);

    private static TrackerConfig config() {
        // 0.3 s at 10 Hz: a lost track survives 3 frames without a detection
        return TrackerConfig.defaults().withMaxLostSeconds(0.3);
    }

    private int rowOf(long id) {
        for (int r = 0; r < out.size(); r++) {
            if (out.trackId(r) == id) {
                return r;
            }
        }
        return -1;
    }

    @Test
    void firstFrameTracksStartAtOnceAndKeepTheirIdsWhileMoving() {
        ByteTracker tracker = new ByteTracker(config(), HZ);
        dets.clear();
        dets.add(100, 100, 50, 100, 0.9);
        dets.add(400, 100, 50, 100, 0.8);
        tracker.update(dets, out);
        assertThat(out.size()).isEqualTo(2);
        assertThat(out.event(0)).isEqualTo(TrackEvent.STARTED);
        assertThat(out.event(1)).isEqualTo(TrackEvent.STARTED);
        assertThat(out.trackId(0)).isNotEqualTo(out.trackId(1));

        long idOfLeft = out.detectionIndex(0) == 0 ? out.trackId(0) : out.trackId(1);
        for (int f = 1; f <= 20; f++) {
            dets.clear();
            // detections given in swapped order: the tracker must follow boxes, not indices
            dets.add(400 - 2 * f, 100, 50, 100, 0.8);
            dets.add(100 + 5 * f, 100, 50, 100, 0.9);
            tracker.update(dets, out);
            assertThat(out.size()).isEqualTo(2);
            int r = rowOf(idOfLeft);
            assertThat(r).isNotNegative();
            assertThat(out.event(r)).isEqualTo(TrackEvent.UPDATED);
            assertThat(out.detectionIndex(r)).isEqualTo(1);
            assertThat(out.isReported(r)).isTrue();
        }
        int r = rowOf(idOfLeft);
        assertThat(out.vxPxPerFrame(r)).isCloseTo(5.0, within(0.5));
        assertThat(out.leftPx(r)).isCloseTo(200.0, within(2.0));
        assertThat(out.frameIndex()).isEqualTo(21);
    }

    @Test
    void laterTrackIsTentativeUntilSecondHitAndADroppedTentativeNeverGetsAnId() {
        ByteTracker tracker = new ByteTracker(config(), HZ);
        dets.clear();
        tracker.update(dets, out); // frame 1: empty, so "first frame" confirmation does not apply

        dets.clear();
        dets.add(10, 10, 20, 40, 0.95);
        tracker.update(dets, out);
        assertThat(out.size()).as("tentative tracks are not listed").isZero();
        assertThat(tracker.liveTrackCount()).isEqualTo(1);

        dets.clear();
        dets.add(11, 10, 20, 40, 0.95);
        tracker.update(dets, out);
        assertThat(out.size()).isEqualTo(1);
        assertThat(out.event(0)).isEqualTo(TrackEvent.STARTED);
        assertThat(out.trackId(0)).isEqualTo(1L);
        assertThat(out.detectionIndex(0)).isZero();

        // a one-frame blip elsewhere: tentative, then dropped silently
        dets.clear();
        dets.add(12, 10, 20, 40, 0.95);
        dets.add(300, 300, 20, 40, 0.95);
        tracker.update(dets, out);
        assertThat(out.size()).isEqualTo(1);
        dets.clear();
        dets.add(13, 10, 20, 40, 0.95);
        tracker.update(dets, out);
        assertThat(out.size()).isEqualTo(1);
        assertThat(tracker.liveTrackCount()).isEqualTo(1);

        // the next confirmed track gets id 2: the blip consumed no id
        dets.clear();
        dets.add(14, 10, 20, 40, 0.95);
        dets.add(500, 300, 20, 40, 0.95);
        tracker.update(dets, out);
        dets.clear();
        dets.add(15, 10, 20, 40, 0.95);
        dets.add(500, 300, 20, 40, 0.95);
        tracker.update(dets, out);
        assertThat(out.trackId(rowOf(2L))).isEqualTo(2L);
        assertThat(out.event(rowOf(2L))).isEqualTo(TrackEvent.STARTED);
        assertThat(out.detectionIndex(rowOf(2L))).isEqualTo(1);
    }

    @Test
    void lostTrackIsReFoundWithItsIdThenRemovedAfterTheBudget() {
        ByteTracker tracker = new ByteTracker(config(), HZ);
        assertThat(tracker.maxFramesLost()).isEqualTo(3);
        for (int f = 0; f < 5; f++) {
            dets.clear();
            dets.add(100 + f, 100, 40, 80, 0.9);
            tracker.update(dets, out);
        }
        long id = out.trackId(0);

        dets.clear();
        tracker.update(dets, out); // occluded
        assertThat(out.size()).isEqualTo(1);
        assertThat(out.event(0)).isEqualTo(TrackEvent.LOST);
        assertThat(out.state(0)).isEqualTo(TrackState.LOST);
        assertThat(out.isReported(0)).isFalse();
        assertThat(out.detectionIndex(0)).isEqualTo(-1);
        assertThat(out.framesSinceUpdate(0)).isEqualTo(1);
        tracker.update(dets, out);
        assertThat(out.event(0)).isEqualTo(TrackEvent.NONE);

        dets.clear();
        dets.add(107, 100, 40, 80, 0.9); // where it would be after moving on at 1 px/frame
        tracker.update(dets, out);
        assertThat(out.size()).isEqualTo(1);
        assertThat(out.trackId(0)).isEqualTo(id);
        assertThat(out.event(0)).isEqualTo(TrackEvent.UPDATED);
        assertThat(out.state(0)).isEqualTo(TrackState.CONFIRMED);

        dets.clear();
        tracker.update(dets, out); // lost, 1 frame
        tracker.update(dets, out); // 2
        tracker.update(dets, out); // 3: still within the 3-frame budget
        assertThat(out.event(0)).isEqualTo(TrackEvent.NONE);
        tracker.update(dets, out); // 4: over budget
        assertThat(out.size()).isEqualTo(1);
        assertThat(out.event(0)).isEqualTo(TrackEvent.REMOVED);
        assertThat(out.state(0)).isEqualTo(TrackState.REMOVED);
        assertThat(out.trackId(0)).isEqualTo(id);
        tracker.update(dets, out);
        assertThat(out.size()).isZero();
        assertThat(tracker.liveTrackCount()).isZero();
    }

    @Test
    void lowScoreDetectionKeepsAConfirmedTrackButStartsNothing() {
        ByteTracker tracker = new ByteTracker(config(), HZ);
        for (int f = 0; f < 3; f++) {
            dets.clear();
            dets.add(100, 100, 40, 80, 0.9);
            tracker.update(dets, out);
        }
        dets.clear();
        dets.add(400, 100, 40, 80, 0.3); // low score, far away: must not start a track
        dets.add(101, 100, 40, 80, 0.3); // low score, on the track: second association
        for (int f = 0; f < 3; f++) {
            tracker.update(dets, out);
            assertThat(out.size()).isEqualTo(1);
            assertThat(out.event(0)).isEqualTo(TrackEvent.UPDATED);
            assertThat(out.detectionIndex(0)).isEqualTo(1);
            assertThat(out.score(0)).isEqualTo(0.3);
        }
        assertThat(tracker.liveTrackCount()).isEqualTo(1);

        dets.clear();
        dets.add(101, 100, 40, 80, 0.05); // below the low threshold: ignored, so the track is lost
        tracker.update(dets, out);
        assertThat(out.event(0)).isEqualTo(TrackEvent.LOST);
    }

    @Test
    void invalidBoxesAreIgnored() {
        ByteTracker tracker = new ByteTracker(config(), HZ);
        dets.clear();
        dets.add(0, 0, 0, 10, 0.9);
        dets.add(0, 0, 10, Double.NaN, 0.9);
        dets.add(0, 0, 10, 10, Double.NaN);
        tracker.update(dets, out);
        assertThat(out.size()).isZero();
        assertThat(tracker.liveTrackCount()).isZero();
    }

    @Test
    void poolGrowsBeyondItsInitialCapacity() {
        ByteTracker tracker = new ByteTracker(config().withCapacities(2, 2), HZ);
        for (int f = 0; f < 3; f++) {
            dets.clear();
            for (int k = 0; k < 9; k++) {
                dets.add(k * 100, 50, 40, 80, 0.9);
            }
            tracker.update(dets, out);
        }
        assertThat(out.size()).isEqualTo(9);
        for (int r = 0; r < 9; r++) {
            assertThat(out.event(r)).isEqualTo(TrackEvent.UPDATED);
            assertThat(out.leftPx(r)).isCloseTo(out.detectionIndex(r) * 100.0, within(1e-6));
        }
    }

    @Test
    void steadyStateUpdateAllocatesNothing() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
        threads.setThreadAllocatedMemoryEnabled(true);
        ByteTracker tracker = new ByteTracker(config(), HZ);
        Detections d = new Detections(16);
        TrackerOutput o = new TrackerOutput(16);
        // people walking, some flickering, appearing and disappearing: every code path runs
        long tid = Thread.currentThread().getId();
        long before = 0;
        for (int f = 0; f < 3000; f++) {
            if (f == 1000) {
                before = threads.getThreadAllocatedBytes(tid);
            }
            d.clear();
            for (int k = 0; k < 8; k++) {
                if ((f / 40 + k) % 5 == 0) {
                    continue; // object k absent for a while: lost, then removed or re-found
                }
                double score = (f + k) % 7 == 0 ? 0.3 : 0.9;
                d.add(50 + k * 90 + (f % 100) * 0.7, 100 + k * 3, 40, 90, score);
            }
            if (f % 13 == 0) {
                d.add(700, 500, 30, 30, 0.95); // one-frame blip: tentative, then dropped
            }
            tracker.update(d, o);
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertThat(tracker.frameCount()).isEqualTo(3000);
        assertThat(allocated).as("bytes allocated over 2000 steady-state frames").isZero();
    }
}
