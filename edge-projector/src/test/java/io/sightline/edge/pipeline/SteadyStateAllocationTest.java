package io.sightline.edge.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.edge.range.CameraModel;
import io.sightline.edge.range.MonocularRange;
import io.sightline.edge.range.ObjectClass;
import io.sightline.edge.range.RangeKalman;
import io.sightline.edge.range.RangeMeasurement;
import io.sightline.edge.risk.ObjectKinematics;
import io.sightline.edge.risk.RiskEvaluator;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.risk.RuleEvaluation;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The per-frame math of the safety core (range geometry, range filter, the three rules) allocates
 * nothing: counted with the JVM's per-thread allocation counter, not timed.
 */
class SteadyStateAllocationTest {

    private static final int FRAMES = 50_000;
    /** Slack for the counter's own bookkeeping; one allocation per frame would be ≥ 16 bytes × FRAMES. */
    private static final long SLACK_BYTES = 4096;

    private final CameraModel cam = new CameraModel(1000, 1000, 640, 360, 1280, 720, 1.3, 0.01);
    private final MonocularRange mono = new MonocularRange(cam, 1.5, 0.002, 2.0);
    private final RangeMeasurement m = new RangeMeasurement();
    private final RangeKalman filter = new RangeKalman(2.0, 15.0, 0.5, 5.0);
    private final RiskEvaluator risk = new RiskEvaluator(RiskPolicy.defaults());
    private final RuleEvaluation ev = new RuleEvaluation();
    private final ObjectKinematics o = new ObjectKinematics();
    private double sink;

    private void frames(int n, int offset) {
        for (int k = offset; k < offset + n; k++) {
            long t = k * 33_333_333L;
            double z = 80 - 0.0005 * (k % 100_000);
            mono.measure(640 - 900 / z, 360 - 200 / z, 640 + 900 / z, 360 + 1300 / z, ObjectClass.CAR, m);
            filter.updateRange(t, m.rangeM(), m.sigmaM());
            o.rangeM = filter.rangeM();
            o.rangeSigmaM = filter.rangeSigmaM();
            o.rangeRateMps = filter.rangeRateMps();
            o.rangeRateSigmaMps = filter.rangeRateSigmaMps();
            o.rangeAccelMps2 = filter.rangeAccelMps2();
            o.rangeAccelSigmaMps2 = filter.rangeAccelSigmaMps2();
            o.covRangeRate = filter.covRangeRate();
            o.covRangeAccel = filter.covRangeAccel();
            o.covRateAccel = filter.covRateAccel();
            o.halfWidthM = 0.9;
            o.trackAgeS = filter.ageS();
            risk.forwardCollision(o, 20, ev);
            sink += ev.factorMargin(0);
            risk.followingDistance(o, 20, t, ev);
            sink += ev.factorMargin(0);
            risk.vulnerableRoadUser(o, 20, ev);
            sink += ev.factorMargin(1);
        }
    }

    @Test
    void perFrameMathAllocatesNothing() {
        o.trackKey = "trk-1";
        o.objectClass = ObjectClass.CAR;
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        frames(FRAMES, 0); // warm-up, so the measured pass runs compiled code
        long before = threads.getThreadAllocatedBytes(self);
        frames(FRAMES, FRAMES);
        long allocated = threads.getThreadAllocatedBytes(self) - before;
        assertThat(sink).isFinite();
        assertThat(allocated).as("bytes allocated over %d frames", FRAMES).isLessThan(SLACK_BYTES);
    }
}
