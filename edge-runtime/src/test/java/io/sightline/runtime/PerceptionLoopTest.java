package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.FramesDropped;
import io.sightline.inference.ActivatedModel;
import io.sightline.inference.FrameSource;
import io.sightline.inference.ModelLoader;
import io.sightline.inference.ProducedEvent;
import io.sightline.inference.SessionConfig;
import io.sightline.inference.StageStats;
import io.sightline.inference.TestData;
import io.sightline.runtime.Handover.Perceived;
import io.sightline.runtime.telemetry.EdgeTelemetry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one decode → detect loop, on the real clips and models: events linked frame → detections,
 * back-pressure keeps every frame, latest-wins drops and reports them, a truncated file and
 * --max-frames end it as they should.
 */
class PerceptionLoopTest {

    @TempDir
    Path tmp;
    private ActivatedModel fastest;
    private final List<Perceived> frames = new ArrayList<>();

    @BeforeEach
    void load() {
        fastest = ModelLoader.activate(TestData.model("fastestdet"), "primary", SessionConfig.defaults());
    }

    @AfterEach
    void close() {
        fastest.detector().close();
    }

    private List<ProducedEvent> events() {
        return frames.stream().flatMap(p -> p.events().stream()).toList();
    }

    private PerceptionLoop.Result run(FrameSource src, ActivatedModel model, boolean latestWins, long maxFrames) throws Exception {
        return PerceptionLoop.detectOnly(src, model, null, latestWins, maxFrames, EdgeTelemetry.process(), frames::add);
    }

    @Test
    void framesOfTheSampleProduceLinkedEvents() throws Exception {
        PerceptionLoop.Result r;
        try (FrameSource src = FrameSource.open(TestData.sample("udacity_vd_test_video.mp4").toString())) {
            r = run(src, fastest, false, 5);
        }
        assertThat(r.frames()).isEqualTo(5);
        assertThat(r.endedEarly()).isNull();
        assertThat(r.stats().histogram(StageStats.INFERENCE).getTotalCount()).isEqualTo(5);
        assertThat(r.detections()).isPositive().isEqualTo(frames.stream().mapToLong(p -> p.detections().size()).sum());
        List<FrameCaptured> captured = events().stream().map(ProducedEvent::payload)
                .filter(FrameCaptured.class::isInstance).map(FrameCaptured.class::cast).toList();
        assertThat(captured).hasSize(5);
        FrameCaptured f1 = captured.get(1);
        assertThat(f1.frameIndex()).isEqualTo(1);
        assertThat(f1.captureTimeNanos()).isEqualTo(40_000_000L);
        assertThat(f1.widthPx()).isEqualTo(1280);
        assertThat(f1.heightPx()).isEqualTo(720);
        assertThat(f1.sourceId()).endsWith("udacity_vd_test_video.mp4");
        assertThat(frames.get(1).frameId()).isEqualTo(f1.frameId());
        assertThat(frames.get(1).captureTimeNanos()).isEqualTo(40_000_000L);
        assertThat(frames).allSatisfy(p -> assertThat(p.modelName()).isEqualTo("fastestdet"));

        List<ProducedEvent> dets = events().stream().filter(e -> e.payload() instanceof DetectionObserved).toList();
        assertThat(dets).isNotEmpty();
        for (ProducedEvent e : dets) {
            DetectionObserved d = (DetectionObserved) e.payload();
            assertThat(d.detectionId()).isEqualTo(e.eventId());
            assertThat(d.causes()).containsExactly(d.frameId());
            assertThat(captured).anySatisfy(f -> assertThat(f.frameId()).isEqualTo(d.frameId()));
            assertThat(d.modelName()).isEqualTo("fastestdet");
            assertThat(d.modelSha256()).isEqualTo("31cb14c017fce347cb4c846ec62fdf00d76bb3beecdf4be21e7116ac67feb880");
            assertThat(d.boxPx().x1()).isBetween(0.0, 1280.0);
            assertThat(d.boxPx().x2()).isBetween(d.boxPx().x1(), 1280.0);
            assertThat(d.score()).isGreaterThan(0.65);
        }
        assertThat(events().stream().map(ProducedEvent::eventId).distinct().count()).isEqualTo(events().size());
    }

    @Test
    void backPressureKeepsEveryFrameInOrder() throws Exception {
        PerceptionLoop.Result r;
        try (FrameSource src = FrameSource.open(TestData.sample("udacity_vd_test_video.mp4").toString())) {
            r = run(src, fastest, false, 0);
        }
        assertThat(r.framesDropped()).isZero();
        assertThat(r.frames()).isEqualTo(38);
        assertThat(r.endedEarly()).isNull();
        assertThat(r.endReason()).isEqualTo("end-of-video");
        assertThat(frames).extracting(Perceived::frameIndex).containsExactlyElementsOf(LongStream.range(0, 38).boxed().toList());
    }

    @Test
    void latestFrameWinsUnderOverloadAndDropsAreReported() throws Exception {
        // YOLOX-nano takes 20–50 ms a frame here; paced at 40x the clip's 25 fps, frames arrive every millisecond.
        ActivatedModel yolox = ModelLoader.activate(TestData.model("yolox_nano"), "primary", SessionConfig.defaults());
        PerceptionLoop.Result r;
        try (FrameSource src = FrameSource.open(TestData.sample("udacity_vd_test_video.mp4").toString(),
                new FrameSource.Options(true, 1, 5000, 40.0))) {
            r = run(src, yolox, true, 0);
        } finally {
            yolox.detector().close();
        }
        assertThat(r.framesDropped()).isPositive();
        assertThat(r.frames() + r.framesDropped()).isEqualTo(38);
        long reported = events().stream().map(ProducedEvent::payload).filter(FramesDropped.class::isInstance)
                .map(FramesDropped.class::cast).mapToLong(FramesDropped::droppedCount).sum();
        // drops after the last processed frame have no later frame to be reported before (the pipeline reports them at its end)
        assertThat(reported).isBetween(r.framesDropped() - 2, r.framesDropped());
        List<Long> idx = frames.stream().map(Perceived::frameIndex).toList();
        assertThat(idx).isSorted().doesNotHaveDuplicates();
        assertThat(idx.get(0)).isZero();
    }

    @Test
    void truncatedFileEndsEarlyAfterItsFrames() throws Exception {
        byte[] all = Files.readAllBytes(TestData.sample("udacity_vd_test_video.mp4"));
        Path cut = tmp.resolve("cut.mp4");
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        try (FrameSource src = FrameSource.open(cut.toString())) {
            PerceptionLoop.Result r = run(src, fastest, false, 0);
            assertThat(r.endedEarly()).isNotNull();
            assertThat(r.endReason()).startsWith("stream-ended-early");
            assertThat(r.endedEarly().framesDecoded()).isEqualTo(r.frames()).isLessThan(38);
        }
    }

    @Test
    void maxFramesStopsTheDecoder() throws Exception {
        try (FrameSource src = FrameSource.open(TestData.sample("udacity_ll_solidWhiteRight.mp4").toString())) {
            PerceptionLoop.Result r = run(src, fastest, false, 3);
            assertThat(r.frames()).isEqualTo(3);
            assertThat(r.endReason()).isEqualTo("max-frames");
        }
        assertThat(frames).hasSize(3);
    }
}
