package io.sightline.edge.mot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sightline.edge.testdata.TudCampus;
import java.io.IOException;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * Reproduces py-motmetrics 1.4.0 {@code test_motchallenge_files} and TrackEval's HOTA on
 * TUD-Campus (reference values in shared/data/README.md).
 */
class MotEvaluatorReferenceTest {

    private static final Offset<Double> TOL = within(1e-3);

    @Test
    void testTxtAgainstGtReproducesEveryReferenceNumber() throws IOException {
        List<MotRow> gt = MotCsv.read(TudCampus.gt());
        List<MotRow> res = MotCsv.read(TudCampus.test());

        MotSummary s = new MotEvaluator(0.5, false).evaluate(gt, res);

        assertThat(s.idf1()).isCloseTo(0.557659, TOL);
        assertThat(s.idp()).isCloseTo(0.729730, TOL);
        assertThat(s.idr()).isCloseTo(0.451253, TOL);
        assertThat(s.recall()).isCloseTo(0.582173, TOL);
        assertThat(s.precision()).isCloseTo(0.941441, TOL);
        assertThat(s.gt()).isEqualTo(8);
        assertThat(s.mt()).isEqualTo(1);
        assertThat(s.pt()).isEqualTo(6);
        assertThat(s.ml()).isEqualTo(1);
        assertThat(s.fp()).isEqualTo(13);
        assertThat(s.fn()).isEqualTo(150);
        assertThat(s.idsw()).isEqualTo(7);
        assertThat(s.fm()).isEqualTo(7);
        assertThat(s.mota()).isCloseTo(0.526462, TOL);
        assertThat(s.motp()).isCloseTo(0.277201, TOL);

        assertThat(s.idtp()).isEqualTo(162);
        assertThat(s.idfp()).isEqualTo(60);
        assertThat(s.idfn()).isEqualTo(197);
        assertThat(s.numObjects()).isEqualTo(359);
        assertThat(s.numPredictions()).isEqualTo(222);
        assertThat(s.numFrames()).isEqualTo(71);

        assertThat(s.hota()).isCloseTo(0.3913974, TOL);
        assertThat(s.deta()).isCloseTo(0.4180470, TOL);
        assertThat(s.assa()).isCloseTo(0.3691207, TOL);
    }

    @Test
    void perfectTrackerScoresOneEverywhere() throws IOException {
        List<MotRow> gt = MotCsv.read(TudCampus.gt());
        MotSummary s = new MotEvaluator(0.5, false).evaluate(gt, gt);
        assertThat(s.mota()).isEqualTo(1.0);
        assertThat(s.idf1()).isEqualTo(1.0);
        assertThat(s.motp()).isCloseTo(0.0, within(1e-12));
        assertThat(s.hota()).isCloseTo(1.0, within(1e-12));
        assertThat(s.mt()).isEqualTo(s.gt());
        assertThat(s.fp() + s.fn() + s.idsw() + s.fm()).isZero();
    }
}
