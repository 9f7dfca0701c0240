package io.sightline.domain.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.monitoring.LatencySessionP95.Window;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencySessionP95Test {

    @Test
    void theCountWeightedMedianOfTheWindowP95s() {
        // sorted: 900 (1500 frames), 1000 (1500), 5000 (1500): half of 4500 is covered at 1000
        assertThat(LatencySessionP95.of(List.of(new Window("a", 1500, 5000), new Window("b", 1500, 900), new Window("c", 1500, 1000))))
                .isEqualTo(new LatencySessionP95.Result(1000, 4500, 3));
    }

    @Test
    void aShortPartialWindowWeighsLittleAndADisturbedWindowIsOutvoted() {
        // a minute with a build beside the vehicle (p95 x3) and a 4-frame tail do not move the session
        assertThat(LatencySessionP95.of(List.of(new Window("a", 1500, 3000), new Window("b", 1500, 1000),
                new Window("c", 1500, 1010), new Window("d", 4, 9000))).p95Micros()).isEqualTo(1010);
        // but a window with most of the frames decides
        assertThat(LatencySessionP95.of(List.of(new Window("a", 10, 800), new Window("b", 1000, 1200))).p95Micros()).isEqualTo(1200);
    }

    @Test
    void windowsWithoutFramesAreLeftOutAndNoFramesIsNoP95() {
        assertThat(LatencySessionP95.of(List.of(new Window("a", 0, 0), new Window("b", 12, 700)))).isEqualTo(new LatencySessionP95.Result(700, 12, 1));
        assertThat(LatencySessionP95.of(List.of(new Window("a", 0, 0)))).isNull();
        assertThat(LatencySessionP95.of(List.of())).isNull();
    }
}
