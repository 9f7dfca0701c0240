package io.sightline.app.mining;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.mining.SecondStageLowScoreTrigger;
import io.sightline.edge.tracking.TrackerConfig;
import org.junit.jupiter.api.Test;

/** The cloud's mining copies an edge threshold it cannot depend on; this is where the two meet. */
class MiningTriggerThresholdsTest {

    @Test
    void theSecondStageTriggerUsesTheEdgeTrackersHighScoreThreshold() {
        assertThat(SecondStageLowScoreTrigger.TRACKER_HIGH_SCORE).isEqualTo(TrackerConfig.defaults().highScoreThreshold());
    }
}
