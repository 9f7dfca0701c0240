package io.sightline.edge.mot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Small hand-checked cases for the py-motmetrics event rules. */
class MotEvaluatorRulesTest {

    private final MotEvaluator evaluator = new MotEvaluator(0.5, false);

    @Test
    void switchFragmentationAndIdentityOnOneObject() {
        List<MotRow> gt = new ArrayList<>();
        List<MotRow> res = new ArrayList<>();
        for (int f = 1; f <= 5; f++) {
            gt.add(new MotRow(f, 1, 0, 0, 10, 10, 1));
        }
        res.add(new MotRow(1, 10, 0, 0, 10, 10, -1));
        res.add(new MotRow(2, 10, 0, 0, 10, 10, -1));
        // frame 3: missed
        res.add(new MotRow(4, 20, 0, 0, 10, 10, -1));
        res.add(new MotRow(5, 20, 0, 0, 10, 10, -1));

        MotSummary s = evaluator.evaluate(gt, res);

        assertThat(s.fn()).isEqualTo(1);
        assertThat(s.fp()).isZero();
        assertThat(s.idsw()).as("frame 4 changes hypothesis 10 -> 20").isEqualTo(1);
        assertThat(s.fm()).as("tracked -> missed at frame 3, inside the tracked span").isEqualTo(1);
        assertThat(s.mt()).as("4 of 5 frames = 0.8 counts as mostly tracked").isEqualTo(1);
        assertThat(s.mota()).isCloseTo(1.0 - 2.0 / 5.0, within(1e-12));
        // either hypothesis explains 2 frames: idtp 2, idfp 2, idfn 3
        assertThat(s.idtp()).isEqualTo(2);
        assertThat(s.idf1()).isCloseTo(4.0 / 9.0, within(1e-12));
    }

    @Test
    void missesBeforeTheFirstAndAfterTheLastMatchAreNotFragmentations() {
        List<MotRow> gt = new ArrayList<>();
        List<MotRow> res = new ArrayList<>();
        for (int f = 1; f <= 6; f++) {
            gt.add(new MotRow(f, 1, 0, 0, 10, 10, 1));
            if (f >= 3 && f <= 4) {
                res.add(new MotRow(f, 5, 0, 0, 10, 10, -1));
            }
        }
        MotSummary s = evaluator.evaluate(gt, res);
        assertThat(s.fm()).isZero();
        assertThat(s.fn()).isEqualTo(4);
        assertThat(s.pt()).isEqualTo(1);
    }

    @Test
    void previousCorrespondenceIsKeptEvenWhenAnotherHypothesisFitsBetter() {
        List<MotRow> gt = List.of(new MotRow(1, 1, 0, 0, 10, 10, 1), new MotRow(2, 1, 0, 0, 10, 10, 1));
        List<MotRow> res = List.of(
                new MotRow(1, 7, 0, 0, 10, 10, -1),
                new MotRow(2, 7, 0, 0, 10, 7.5, -1), // IoU 0.75: still a valid match for the old id
                new MotRow(2, 8, 0, 0, 10, 10, -1)); // a perfect fit, but it would be a switch
        MotSummary s = evaluator.evaluate(gt, res);
        assertThat(s.idsw()).isZero();
        assertThat(s.fp()).isEqualTo(1);
        assertThat(s.motp()).isCloseTo(0.25 / 2.0, within(1e-12));
    }

    @Test
    void iouBelowTheThresholdIsNoMatch() {
        List<MotRow> gt = List.of(new MotRow(1, 1, 0, 0, 10, 10, 1));
        List<MotRow> res = List.of(new MotRow(1, 2, 0, 0, 10, 4.9, -1)); // IoU 0.49
        MotSummary s = evaluator.evaluate(gt, res);
        assertThat(s.fp()).isEqualTo(1);
        assertThat(s.fn()).isEqualTo(1);
        assertThat(s.ml()).isEqualTo(1);
        // HOTA still credits the overlap at alpha <= 0.49 (9 of 19 thresholds)
        assertThat(s.deta()).isCloseTo(9.0 / 19.0, within(1e-12));
    }
}
