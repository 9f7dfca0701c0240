package io.sightline.edge.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.edge.mot.MotCsv;
import io.sightline.edge.mot.MotDetectionSequence;
import io.sightline.edge.mot.MotEvaluator;
import io.sightline.edge.mot.MotRow;
import io.sightline.edge.mot.MotSummary;
import io.sightline.edge.mot.MotTrackRunner;
import io.sightline.edge.testdata.TudCampus;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tracker must beat SORT (defaults max_age 1, min_hits 3, IoU 0.3) on the MOT15 public
 * detections of TUD-Campus, scored the same way: MOTA 0.6267, IDF1 0.6065 (shared/data/README.md).
 */
class TudCampusTrackingTest {

    private static final double SORT_MOTA = 0.6267;
    private static final double SORT_IDF1 = 0.6065;
    /** TUD-Campus is recorded at 25 frames per second. */
    private static final double TUD_CAMPUS_HZ = 25.0;

    @Test
    void beatsSortOnTudCampusPublicDetections() throws IOException {
        List<MotRow> gt = MotCsv.read(TudCampus.gt());
        MotDetectionSequence seq = MotDetectionSequence.of(MotCsv.read(TudCampus.det()));
        MotTrackRunner.Result result =
                MotTrackRunner.run(seq, TrackerConfig.mot15PublicDetections(), TUD_CAMPUS_HZ);
        MotSummary s = new MotEvaluator(0.5, false).evaluate(gt, result.rows());

        assertThat(result.frames()).isEqualTo(71);
        assertThat(s.mota()).as(s.toJson()).isGreaterThan(SORT_MOTA);
        assertThat(s.idf1()).as(s.toJson()).isGreaterThan(SORT_IDF1);
    }

    @Test
    void stillBeatsSortAtTheCliDefaultFrameRate() throws IOException {
        // the track command assumes 30 Hz unless told otherwise; the result must not hinge on it
        List<MotRow> gt = MotCsv.read(TudCampus.gt());
        MotDetectionSequence seq = MotDetectionSequence.of(MotCsv.read(TudCampus.det()));
        MotSummary s = new MotEvaluator(0.5, false).evaluate(gt,
                MotTrackRunner.run(seq, TrackerConfig.mot15PublicDetections(), 30.0).rows());
        assertThat(s.mota()).as(s.toJson()).isGreaterThan(SORT_MOTA);
        assertThat(s.idf1()).as(s.toJson()).isGreaterThan(SORT_IDF1);
    }
}
