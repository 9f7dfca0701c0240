package io.sightline.inference;

import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.FrameCaptured;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Real clip → FrameCaptured + DetectionObserved events. */
class VideoDetectionTest {

    @Test
    void firstFramesOfTheSampleProduceLinkedEvents() {
        List<ProducedEvent> events = new ArrayList<>();
        ActivatedModel m = ModelLoader.activate(TestData.model("fastestdet"), "primary", SessionConfig.defaults());
        try (FrameSource src = FrameSource.open(TestData.sample("udacity_vd_test_video.mp4").toString());
             Detector d = m.detector()) {
            VideoDetection.Summary s = VideoDetection.run(src, d, 5, events::add, null);
            assertThat(s.frames()).isEqualTo(5);
            assertThat(s.endedEarly()).isNull();
            assertThat(s.stats().histogram(StageStats.INFERENCE).getTotalCount()).isEqualTo(5);
            assertThat(s.detections()).isPositive();
        }
        List<FrameCaptured> frames = events.stream().map(ProducedEvent::payload)
                .filter(FrameCaptured.class::isInstance).map(FrameCaptured.class::cast).toList();
        assertThat(frames).hasSize(5);
        FrameCaptured f1 = frames.get(1);
        assertThat(f1.frameIndex()).isEqualTo(1);
        assertThat(f1.captureTimeNanos()).isEqualTo(40_000_000L);
        assertThat(f1.widthPx()).isEqualTo(1280);
        assertThat(f1.heightPx()).isEqualTo(720);
        assertThat(f1.sourceId()).endsWith("udacity_vd_test_video.mp4");

        ProducedEvent frameEvent = events.get(0);
        assertThat(((FrameCaptured) frameEvent.payload()).frameId()).isEqualTo(frameEvent.eventId());
        List<ProducedEvent> dets = events.stream().filter(e -> e.payload() instanceof DetectionObserved).toList();
        assertThat(dets).isNotEmpty();
        for (ProducedEvent e : dets) {
            DetectionObserved d = (DetectionObserved) e.payload();
            assertThat(d.detectionId()).isEqualTo(e.eventId());
            assertThat(d.causes()).containsExactly(d.frameId());
            assertThat(frames).anySatisfy(f -> assertThat(f.frameId()).isEqualTo(d.frameId()));
            assertThat(d.modelName()).isEqualTo("fastestdet");
            assertThat(d.modelSha256()).isEqualTo("31cb14c017fce347cb4c846ec62fdf00d76bb3beecdf4be21e7116ac67feb880");
            assertThat(d.boxPx().x1()).isBetween(0.0, 1280.0);
            assertThat(d.boxPx().x2()).isBetween(d.boxPx().x1(), 1280.0);
            assertThat(d.score()).isGreaterThan(0.65);
        }
        assertThat(events.stream().map(ProducedEvent::eventId).distinct().count()).isEqualTo(events.size());
    }
}
