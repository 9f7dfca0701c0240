package io.sightline.edge.bench;

import io.sightline.edge.mot.MotCsv;
import io.sightline.edge.mot.MotDetectionSequence;
import io.sightline.edge.mot.MotEvaluator;
import io.sightline.edge.mot.MotRow;
import io.sightline.edge.mot.MotSummary;
import io.sightline.edge.mot.MotTrackRunner;
import io.sightline.edge.testdata.TudCampus;
import io.sightline.edge.tracking.TrackerConfig;
import java.util.List;
import java.util.Locale;

/**
 * Reproduces the threshold sweep behind {@link TrackerConfig#mot15PublicDetections()}: prints
 * MOTA, IDF1 and HOTA on TUD-Campus for a grid around ByteTrack's defaults, sorted by nothing
 * (pipe through {@code sort -rn}). Not a test: a tool to re-check the preset after model changes.
 */
public final class TrackerTuningGrid {

    private TrackerTuningGrid() {
    }

    public static void main(String[] args) throws Exception {
        List<MotRow> gt = MotCsv.read(TudCampus.gt());
        MotDetectionSequence seq = MotDetectionSequence.of(MotCsv.read(TudCampus.det()));
        MotEvaluator evaluator = new MotEvaluator(0.5, false);
        TrackerConfig base = TrackerConfig.defaults();
        for (double high : new double[] {0.5, 0.7, 0.8, 0.9}) {
            for (double newTrack : new double[] {0.6, 0.8, 0.9, 0.95}) {
                for (int minHits : new int[] {1, 2, 3}) {
                    for (double lostSeconds : new double[] {0.2, 0.5, 1.0}) {
                        for (double firstIou : new double[] {0.1, 0.2, 0.3}) {
                            TrackerConfig c = base.withHighScoreThreshold(high)
                                    .withNewTrackScoreThreshold(Math.max(high, newTrack))
                                    .withMinHitsToConfirm(minHits).withMaxLostSeconds(lostSeconds)
                                    .withMatchMinIou(firstIou, 0.5, firstIou + 0.1);
                            MotSummary s = evaluator.evaluate(gt, MotTrackRunner.run(seq, c, 25).rows());
                            System.out.printf(Locale.ROOT,
                                    "%.4f %.4f %.4f high=%.2f new=%.2f hits=%d lost=%.1fs firstIou=%.1f fp=%d fn=%d idsw=%d%n",
                                    s.mota(), s.idf1(), s.hota(), high, Math.max(high, newTrack), minHits,
                                    lostSeconds, firstIou, s.fp(), s.fn(), s.idsw());
                        }
                    }
                }
            }
        }
    }
}
