package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.EdgeWindowSummarized;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.inference.ProjectHome;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import io.sightline.testkit.ProjectHomeExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Window summaries from a real run: the bundled Udacity clip decoded by FFmpeg, detected by
 * FastestDet, journaled in SQLite. Every frame is in exactly one window, each window's summary
 * follows its last frame, and its figures are those of the journaled frames.
 */
@ExtendWith(ProjectHomeExtension.class)
class WindowSummariesTest {

    static final String CLIP = "samples/udacity_vd_test_video.mp4";
    static final int FRAMES = 30;
    /**
     * The clip runs at 25 frames/s (40 ms apart): a window of 0.5 s takes the frames at 0–480 ms, the
     * frame at 520 ms opens the next, so 30 frames make windows of 13, 13 and 4.
     */
    static final double WINDOW_S = 0.5;

    @TempDir
    Path dir;

    static EdgePipeline.Options options() {
        return new EdgePipeline.Options(ProjectHome.get().resolve(CLIP).toString(), "fastestdet", null, false, false,
                AssumedDrive.EGO_SPEED_MPS, 1, FRAMES, "fleet-t", "vehicle-t", "device-t", "test");
    }

    private List<EventEnvelope> run(double windowSeconds) throws Exception {
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal-" + windowSeconds + ".db"), 64L << 20);
             EdgePipeline pipeline = EdgePipeline.open(options())) {
            RunReport report = pipeline.summaryWindow(windowSeconds).run(journal, EdgePipeline.ProgressListener.NONE);
            EventCodec codec = new EventCodec();
            List<EventEnvelope> out = new ArrayList<>();
            for (EdgeJournal.StoredEvent e : journal.read(report.sessionId(), 0, 100_000, Long.MAX_VALUE)) {
                out.add(codec.decode(codec.mapper().readTree(e.wireJson())));
            }
            return out;
        }
    }

    @Test
    void everyFrameIsInOneWindowWhoseSummaryFollowsItsLastFrame() throws Exception {
        List<EventEnvelope> events = run(WINDOW_S);
        ModelActivated primary = events.stream().map(EventEnvelope::payload).filter(ModelActivated.class::isInstance)
                .map(ModelActivated.class::cast).findFirst().orElseThrow();
        List<EdgeWindowSummarized> summaries = new ArrayList<>();
        // The journal, read in order: frames accumulate into a window until its summary closes it.
        List<FrameCaptured> open = new ArrayList<>();
        List<DetectionObserved> openDetections = new ArrayList<>();
        for (EventEnvelope e : events) {
            if (e.payload() instanceof FrameCaptured f) {
                open.add(f);
            } else if (e.payload() instanceof DetectionObserved d) {
                openDetections.add(d);
            } else if (e.payload() instanceof EdgeWindowSummarized s) {
                assertThat(e.eventId()).isEqualTo(EventIds.of(s.sessionId(), "EdgeWindowSummarized", s.windowIndex()));
                assertThat(s.windowIndex()).isEqualTo(summaries.size());
                assertThat(s.causes()).containsExactly(EventIds.of(s.sessionId(), "ModelActivated", "primary"));
                assertThat(s.modelSha256()).isEqualTo(primary.modelSha256());
                assertThat(s.frames()).as("window %d", s.windowIndex()).isEqualTo(open.size());
                assertThat(s.firstFrameIndex()).isEqualTo(open.get(0).frameIndex());
                assertThat(s.lastFrameIndex()).isEqualTo(open.get(open.size() - 1).frameIndex());
                assertThat(s.windowEndNanos() - s.windowStartNanos()).isLessThan(Math.round(WINDOW_S * 1e9));
                long withDetections = openDetections.stream().map(DetectionObserved::frameId).distinct().count();
                assertThat(s.framesWithoutDetections()).isEqualTo(open.size() - withDetections);
                assertThat(s.detectionsPerFrame()).isCloseTo((double) openDetections.size() / open.size(), org.assertj.core.data.Offset.offset(1e-9));
                assertThat(s.classScores().stream().mapToLong(EdgeWindowSummarized.ClassScores::detections).sum())
                        .isEqualTo(openDetections.size());
                for (EdgeWindowSummarized.ClassScores c : s.classScores()) {
                    assertThat(c.scoreBinCounts()).hasSize(EdgeWindowSummarized.SCORE_BINS);
                    assertThat(c.scoreBinCounts().stream().mapToLong(Long::longValue).sum()).isEqualTo(c.detections());
                    assertThat(c.detections()).isEqualTo(openDetections.stream().filter(d -> d.className().equals(c.className())).count());
                }
                assertThat(s.boxAreaFractionBinCounts()).hasSize(EdgeWindowSummarized.BOX_AREA_FRACTION_EDGES.size() + 1);
                assertThat(s.boxAreaFractionBinCounts().stream().mapToLong(Long::longValue).sum()).isEqualTo(openDetections.size());
                // Frames measured at most every 100 ms of source time (every third frame at 25 Hz): a daytime road is
                // neither black nor flat.
                assertThat(s.image().framesMeasured()).isBetween((long) open.size() / 3, (long) open.size() / 3 + 1);
                assertThat(s.image().meanLuma()).isBetween(40.0, 220.0);
                assertThat(s.image().rmsContrast()).isCloseTo(s.image().lumaStdDev() / 255.0, org.assertj.core.data.Offset.offset(1e-12));
                assertThat(s.image().laplacianVariance()).isPositive();
                assertThat(s.stageLatencies()).extracting(EdgeWindowSummarized.StageLatency::stage)
                        .containsExactlyElementsOf(WindowSummarizer.STAGES);
                for (EdgeWindowSummarized.StageLatency l : s.stageLatencies()) {
                    assertThat(l.p50Micros()).isLessThanOrEqualTo(l.p95Micros());
                    assertThat(l.p95Micros()).isLessThanOrEqualTo(l.p99Micros());
                    assertThat(l.p99Micros()).isLessThanOrEqualTo(l.maxMicros());
                }
                summaries.add(s);
                open.clear();
                openDetections.clear();
            }
        }
        assertThat(open).as("no frame after the last summary").isEmpty();
        assertThat(summaries).extracting(EdgeWindowSummarized::frames).containsExactly(13L, 13L, 4L);
        // Latencies count every frame once over the session: none censored, none counted twice.
        for (String stage : List.of(StageBudgets.DETECT, StageBudgets.DECIDE, StageBudgets.JOURNAL)) {
            assertThat(summaries.stream().flatMap(s -> s.stageLatencies().stream()).filter(l -> l.stage().equals(stage))
                    .mapToLong(EdgeWindowSummarized.StageLatency::count).sum()).as(stage).isEqualTo(FRAMES);
        }
    }

    @Test
    void zeroTurnsSummariesOff() throws Exception {
        assertThat(run(0).stream().map(EventEnvelope::payload)).noneMatch(EdgeWindowSummarized.class::isInstance);
    }
}
