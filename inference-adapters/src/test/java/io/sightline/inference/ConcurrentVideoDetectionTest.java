package io.sightline.inference;

import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.FramesDropped;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Decoder thread + detection on the caller's thread, with the real clip and the real FastestDet. */
class ConcurrentVideoDetectionTest {
    @TempDir
    Path tmp;
    private ActivatedModel fastest;
    private final List<ProducedEvent> events = new ArrayList<>();

    @BeforeEach
    void load() {
        fastest = ModelLoader.activate(TestData.model("fastestdet"), "primary", SessionConfig.defaults());
    }

    @AfterEach
    void close() {
        fastest.detector().close();
    }

    private List<FrameCaptured> frames() {
        return events.stream().map(ProducedEvent::payload).filter(FrameCaptured.class::isInstance).map(FrameCaptured.class::cast).toList();
    }

    @Test
    void backPressureKeepsEveryFrameInOrder() {
        try (FrameSource src = FrameSource.open(TestData.sample("udacity_vd_test_video.mp4").toString())) {
            var r = ConcurrentVideoDetection.run(src, ConcurrentVideoDetection.Step.of(fastest.detector()), 0, false, events::add, null);
            assertThat(r.framesDropped()).isZero();
            assertThat(r.summary().frames()).isEqualTo(38);
            assertThat(r.summary().endedEarly()).isNull();
        }
        assertThat(frames()).extracting(FrameCaptured::frameIndex).containsExactlyElementsOf(
                java.util.stream.LongStream.range(0, 38).boxed().toList());
    }

    @Test
    void latestFrameWinsUnderOverloadAndDropsAreReported() {
        // A detector slower than the 25 fps clip: the real model plus 100 ms of extra work per frame.
        ConcurrentVideoDetection.Step slow = new ConcurrentVideoDetection.Step() {
            @Override
            public Detections detect(Mat bgr, String frameEventId) {
                Detections d = fastest.detector().detect(bgr);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return d;
            }

            @Override
            public Detector lastUsed() {
                return fastest.detector();
            }
        };
        ConcurrentVideoDetection.Result r;
        try (FrameSource src = FrameSource.open(TestData.sample("udacity_vd_test_video.mp4").toString(),
                new FrameSource.Options(true, 1, 5000))) {
            r = ConcurrentVideoDetection.run(src, slow, 0, true, events::add, null);
        }
        long processed = r.summary().frames();
        assertThat(r.framesDropped()).isPositive();
        assertThat(processed + r.framesDropped()).isEqualTo(38);
        long reported = events.stream().map(ProducedEvent::payload).filter(FramesDropped.class::isInstance)
                .map(FramesDropped.class::cast).mapToLong(FramesDropped::droppedCount).sum();
        // drops after the last processed frame have no later frame to be reported before
        assertThat(reported).isBetween(r.framesDropped() - 2, r.framesDropped());
        List<Long> idx = frames().stream().map(FrameCaptured::frameIndex).toList();
        assertThat(idx).isSorted().doesNotHaveDuplicates();
        assertThat(idx.get(0)).isZero();
    }

    @Test
    void truncatedFileEndsEarlyAfterItsFrames() throws Exception {
        byte[] all = Files.readAllBytes(TestData.sample("udacity_vd_test_video.mp4"));
        Path cut = tmp.resolve("cut.mp4");
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        try (FrameSource src = FrameSource.open(cut.toString())) {
            var r = ConcurrentVideoDetection.run(src, ConcurrentVideoDetection.Step.of(fastest.detector()), 0, false, events::add, null);
            assertThat(r.summary().endedEarly()).isNotNull();
            assertThat(r.summary().endedEarly().framesDecoded()).isEqualTo(r.summary().frames()).isLessThan(38);
        }
    }

    @Test
    void maxFramesStopsTheDecoder() {
        try (FrameSource src = FrameSource.open(TestData.sample("udacity_ll_solidWhiteRight.mp4").toString())) {
            var r = ConcurrentVideoDetection.run(src, ConcurrentVideoDetection.Step.of(fastest.detector()), 3, false, events::add, null);
            assertThat(r.summary().frames()).isEqualTo(3);
        }
        assertThat(frames()).hasSize(3);
    }
}
