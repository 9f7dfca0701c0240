package io.sightline.inference;

import io.sightline.domain.event.FallbackEngaged;
import io.sightline.domain.event.InferenceFailed;
import io.sightline.domain.event.PrimaryRestored;
import io.sightline.domain.event.StageDeadlineMissed;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The chain with the two real models and real ORT sessions; deadlines the primary cannot meet. */
class FallbackDetectorTest {
    private final List<ProducedEvent> events = new ArrayList<>();
    private ActivatedModel yolox;
    private ActivatedModel fastest;
    private Mat image;

    @BeforeEach
    void load() {
        yolox = ModelLoader.activate(TestData.model("yolox_nano"), "primary", SessionConfig.defaults());
        fastest = ModelLoader.activate(TestData.model("fastestdet"), "fallback", SessionConfig.defaults());
        image = TestData.readImage("test1.jpg");
    }

    @AfterEach
    void close() {
        image.close();
        fastest.detector().close();
        yolox.detector().close();
    }

    private <T> List<T> eventsOf(Class<T> type) {
        return events.stream().map(ProducedEvent::payload).filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void missedDeadlinesEngageTheFallbackAndAHealthyPrimaryIsRestored() {
        // 50 µs: YOLOX-nano (tens of ms per frame) cannot meet it.
        FallbackDetector chain = new FallbackDetector(yolox.detector(), fastest.detector(),
                new FallbackDetector.Policy(50_000, 3, 5, TimeUnit.MILLISECONDS.toNanos(150), 1), events::add);

        for (int i = 0; i < 3; i++) {
            Detections d = chain.detect(image, "frame-" + i);
            assertThat(chain.lastUsed()).isSameAs(yolox.detector());
            assertThat(d.count()).isEqualTo(2); // the late result is still used
        }
        assertThat(chain.onFallback()).isTrue();
        List<StageDeadlineMissed> missed = eventsOf(StageDeadlineMissed.class);
        assertThat(missed).hasSize(3);
        assertThat(missed.get(0).stage()).isEqualTo("detect:yolox-nano");
        assertThat(missed.get(0).causes()).containsExactly("frame-0");
        assertThat(missed.get(0).actualNanos()).isGreaterThan(50_000);

        List<FallbackEngaged> engaged = eventsOf(FallbackEngaged.class);
        assertThat(engaged).hasSize(1);
        assertThat(engaged.get(0).fromModel()).isEqualTo("yolox-nano");
        assertThat(engaged.get(0).toModel()).isEqualTo("fastestdet");
        assertThat(engaged.get(0).reason()).isEqualTo("deadline-missed 3 of 5 frames");
        List<String> missIds = events.stream().filter(e -> e.payload() instanceof StageDeadlineMissed).map(ProducedEvent::eventId).toList();
        assertThat(engaged.get(0).causes()).containsExactlyElementsOf(missIds);

        Detections fb = chain.detect(image, "frame-3");
        assertThat(chain.lastUsed()).isSameAs(fastest.detector());
        assertThat(fb.count()).isEqualTo(2);
        assertThat(fb.className(0)).isEqualTo("car");
        assertThat(eventsOf(PrimaryRestored.class)).isEmpty();

        // The primary becomes able to meet a relaxed deadline: after 150 ms of healthy probes it is restored.
        chain.updatePolicy(new FallbackDetector.Policy(TimeUnit.SECONDS.toNanos(10), 3, 5, TimeUnit.MILLISECONDS.toNanos(150), 1));
        long t0 = System.nanoTime();
        int frames = 0;
        while (chain.onFallback() && frames < 200) {
            chain.detect(image, "frame-r" + frames++);
        }
        assertThat(chain.onFallback()).isFalse();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(150));
        List<PrimaryRestored> restored = eventsOf(PrimaryRestored.class);
        assertThat(restored).hasSize(1);
        assertThat(restored.get(0).fromModel()).isEqualTo("fastestdet");
        assertThat(restored.get(0).toModel()).isEqualTo("yolox-nano");
        assertThat(restored.get(0).healthyForNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(150));

        chain.detect(image, "frame-after");
        assertThat(chain.lastUsed()).isSameAs(yolox.detector());
    }

    @Test
    void failingPrimaryIsCoveredFrameByFrameThenReplaced() {
        FallbackDetector chain = new FallbackDetector(yolox.detector(), fastest.detector(),
                new FallbackDetector.Policy(TimeUnit.SECONDS.toNanos(10), 2, 4, TimeUnit.SECONDS.toNanos(60), 1), events::add);
        yolox.detector().close(); // a real runtime failure: the session is gone

        Detections d = chain.detect(image, "frame-0");
        assertThat(chain.lastUsed()).isSameAs(fastest.detector());
        assertThat(d.count()).isEqualTo(2);
        assertThat(chain.onFallback()).isFalse();
        chain.detect(image, "frame-1");
        assertThat(chain.onFallback()).isTrue();

        List<InferenceFailed> failed = eventsOf(InferenceFailed.class);
        assertThat(failed).hasSize(2);
        assertThat(failed.get(0).frameId()).isEqualTo("frame-0");
        assertThat(failed.get(0).modelName()).isEqualTo("yolox-nano");
        assertThat(failed.get(0).reason()).contains("yolox-nano").contains("closed");
        assertThat(eventsOf(FallbackEngaged.class)).singleElement()
                .satisfies(e -> assertThat(e.reason()).isEqualTo("inference-failed 2 of 4 frames"));

        for (int i = 0; i < 3; i++) {
            chain.detect(image, "frame-x" + i); // probes keep failing: no restore
        }
        assertThat(chain.onFallback()).isTrue();
        assertThat(eventsOf(PrimaryRestored.class)).isEmpty();
    }
}
