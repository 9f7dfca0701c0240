package io.sightline.app.clip;

import io.sightline.testkit.ProjectHomeExtension;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.runtime.AssumedDrive;
import io.sightline.runtime.EdgePipeline;
import io.sightline.runtime.RunReport;
import io.sightline.edge.range.CameraModel;
import io.sightline.inference.ProjectHome;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled forward-collision clip scored against its ground truth, through the real decoder,
 * YOLOX-nano, tracker, range filter, risk policy and actuator: the warning must come at a true TTC
 * of at least NHTSA's 2.0 s for a slower lead, and the unmodified road clip must raise nothing.
 */
@ExtendWith(ProjectHomeExtension.class)
class HazardClipEvaluationTest {


    @TempDir
    Path dir;



    @Test
    void theProjectedLeadSitsWhereTheEstimatorsGeometryPutsIt() {
        CameraModel camera = AssumedDrive.camera(960, 540);
        LeadVehicleScript script = LeadVehicleScript.slowerLeadChangingLanes(25.0, 1.8, 1.18);
        for (double t = 0; t < 2.5; t += 0.25) {
            HazardClip.BoxPx box = HazardClip.project(camera, script, t);
            assertThat(box).as("drawn at t=%.2f", t).isNotNull();
            // The ground-plane cue inverts the box bottom to the scripted gap exactly.
            assertThat(camera.groundRangeM(box.y2())).as("ground range at t=%.2f", t).isCloseTo(script.gapM(t), within(1e-6));
            double depthM = camera.depthM(camera.mountingHeightM(), script.gapM(t));
            assertThat(box.x2() - box.x1()).isCloseTo(camera.fxPx() * 1.8 / depthM, within(1e-6));
        }
        assertThat(HazardClip.project(camera, script, 4.2)).as("beside the ego: not drawn").isNull();
        assertThat(script.ttcS(2.6)).isCloseTo((40 - 9 * 2.6) / 9, within(1e-9));
    }

    @Test
    void theBundledClipIsTheOneItsGroundTruthDescribes() throws Exception {
        Path clip = ProjectHome.get().resolve(HazardClipCommand.DEFAULT_OUT);
        JsonNode truth = GroundTruthScore.truthFor(clip.toString()).orElseThrow();
        assertThat(truth.path("videoSha256").asText()).as("regenerate the truth with the clip: ./sightline hazard-clip")
                .isEqualTo(HazardClipCommand.sha256(clip));
        assertThat(truth.path("frames").size()).isEqualTo(221);
    }

    @Test
    void theForwardCollisionWarningComesInTimeAndOnlyOnce() throws Exception {
        String clip = ProjectHome.get().resolve(HazardClipCommand.DEFAULT_OUT).toString();
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES);
             EdgePipeline pipeline = EdgePipeline.open(options(clip))) {
            RunReport report = pipeline.run(journal, EdgePipeline.ProgressListener.NONE);
            GroundTruthScore.Score score = GroundTruthScore.score(GroundTruthScore.truthFor(clip).orElseThrow(), journal,
                    report.sessionId());
            assertThat(score.expected()).as(score.format()).isNotNull();
            assertThat(score.expected().kind()).isEqualTo("FORWARD_COLLISION");
            assertThat(score.expected().trueTtcS()).as(score.format()).isGreaterThanOrEqualTo(2.0);
            // The estimate the policy acted on agrees with the truth it is scored against.
            assertThat(score.expected().estimatedRangeM()).isCloseTo(score.expected().trueGapM(), within(2.0));
            assertThat(score.others()).as(score.format()).isEmpty();
            assertThat(score.passed()).isTrue();
            // The lead leaves the ego lane, so the warning must also end.
            assertThat(report.count("AlertCleared")).isEqualTo(1);
        }
    }

    @Test
    void theUnmodifiedRoadClipRaisesNothing() throws Exception {
        String clip = ProjectHome.get().resolve(HazardClipCommand.DEFAULT_BACKGROUND).toString();
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES);
             EdgePipeline pipeline = EdgePipeline.open(options(clip))) {
            RunReport report = pipeline.run(journal, EdgePipeline.ProgressListener.NONE);
            assertThat(report.count("RiskAssessed")).as("cars were seen and assessed").isPositive();
            assertThat(report.count("AlertRaised")).as("its cars are one or two lanes away").isZero();
        }
    }

    private static EdgePipeline.Options options(String clip) {
        return new EdgePipeline.Options(clip, "yolox-nano", null, false, false, AssumedDrive.EGO_SPEED_MPS, 1, 0,
                "fleet-eval", "vehicle-eval", "device-eval", "test");
    }
}
