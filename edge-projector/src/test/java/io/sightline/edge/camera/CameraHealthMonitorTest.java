package io.sightline.edge.camera;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.domain.event.CameraObstructed;
import io.sightline.domain.event.CameraRestored;
import io.sightline.domain.event.SightlineEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Camera-health episodes from per-frame statistics at 25 frames/s, with the default policy (confirm 1 s, restore 2 s). */
class CameraHealthMonitorTest {

    static final long FRAME_NANOS = 40_000_000L;
    static final double[] ROAD = {120, 45, 900};
    static final double[] NIGHT_BLIND = {8, 12, 200};
    static final double[] CAP_ON = {30, 0.5, 0.1};
    static final double[] FOG = {130, 20, 15};

    private final CameraHealthMonitor monitor = new CameraHealthMonitor("s1", CameraHealthPolicy.defaults());
    private final List<SightlineEvent> events = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();
    private long frame;

    private void frames(int n, double[] stats) {
        for (int i = 0; i < n; i++, frame++) {
            monitor.onFrame("s1/f" + frame, frame, frame * FRAME_NANOS, stats[0], stats[1], stats[2], (id, t, e) -> {
                ids.add(id);
                events.add(e);
            });
        }
    }

    @Test
    void aDarkCameraIsReportedAfterTheConfirmationTimeWithItsMarginAndRestored() {
        frames(50, ROAD);
        frames(30, NIGHT_BLIND);
        assertThat(events).singleElement().isInstanceOfSatisfying(CameraObstructed.class, o -> {
            assertThat(o.condition()).isEqualTo("DARK");
            assertThat(o.sinceFrameIndex()).isEqualTo(50);
            // 1.0 s after frame 50 at 25 frames/s
            assertThat(o.confirmedAtFrameIndex()).isEqualTo(75);
            assertThat(o.statistic()).isEqualTo("meanLuma");
            assertThat(o.meanLuma()).isEqualTo(8);
            assertThat(o.thresholdValue()).isEqualTo(20);
            assertThat(o.margin()).isEqualTo(12);
            assertThat(o.causes()).containsExactly("s1/f75");
            assertThat(o.policyVersion()).isEqualTo("camera-health-1");
            assertThat(o.thresholds()).containsEntry("darkMeanLumaBelow", 20.0).containsEntry("confirmAfterS", 1.0);
        });
        assertThat(monitor.activeObstructionEventId()).isEqualTo(ids.get(0));

        frames(49, ROAD);
        assertThat(events).hasSize(1);
        frames(2, ROAD);
        assertThat(events).hasSize(2).last().isInstanceOfSatisfying(CameraRestored.class, r -> {
            assertThat(r.restoredAtFrameIndex()).isEqualTo(130);
            assertThat(r.obstructedForNanos()).isEqualTo((130 - 75) * FRAME_NANOS);
            assertThat(r.causes()).containsExactly(ids.get(0), "s1/f130");
            assertThat(r.meanLuma()).isEqualTo(120);
        });
        assertThat(monitor.activeObstructionEventId()).isNull();
    }

    @Test
    void aCoveredLensIsCoveredNotDarkAndFogIsBlurred() {
        frames(26, CAP_ON);
        frames(30, ROAD);
        frames(60, ROAD);
        frames(26, FOG);
        assertThat(events).filteredOn(CameraObstructed.class::isInstance).extracting(e -> ((CameraObstructed) e).condition())
                .containsExactly("COVERED", "BLURRED");
        // Two episodes: two obstruction ids, and the first one's recovery in between.
        assertThat(events).extracting(e -> e.getClass().getSimpleName()).containsExactly("CameraObstructed", "CameraRestored", "CameraObstructed");
        assertThat(ids).doesNotHaveDuplicates();
    }

    @Test
    void aShortShadowOrAFlickerNeverReports() {
        for (int k = 0; k < 20; k++) {
            frames(20, NIGHT_BLIND);
            frames(1, ROAD);
        }
        frames(24, NIGHT_BLIND);
        assertThat(events).isEmpty();
        // Nor does a gap in the statistics (NaN: not measured) end an episode or start one.
        monitor.onFrame("s1/x", frame, frame * FRAME_NANOS, Double.NaN, Double.NaN, Double.NaN, (id, t, e) -> events.add(e));
        assertThat(events).isEmpty();
    }

    @Test
    void aReturnOfTheConditionWhileRecoveringKeepsTheEpisode() {
        frames(30, CAP_ON);
        frames(40, ROAD);
        frames(3, CAP_ON);
        frames(40, ROAD);
        assertThat(events).hasSize(1);
        frames(20, ROAD);
        assertThat(events).hasSize(2);
    }

    @Test
    void aPolicyWithoutAVersionOrWithANegativeThresholdIsRefused() {
        assertThatThrownBy(() -> new CameraHealthPolicy(" ", 1, 1, 1, 1, 1)).hasMessageContaining("version");
        assertThatThrownBy(() -> new CameraHealthPolicy("v", -1, 1, 1, 1, 1)).hasMessageContaining(">= 0");
    }
}
