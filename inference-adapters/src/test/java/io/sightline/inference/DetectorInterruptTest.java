package io.sightline.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A shadow's detection stopped from another thread (ADR-0032), on the real YOLOX-nano and ONNX Runtime. */
class DetectorInterruptTest {
    private ActivatedModel yolox;
    private Mat image;

    @BeforeEach
    void load() {
        yolox = ModelLoader.activate(TestData.model("yolox_nano"), "shadow", SessionConfig.defaults());
        image = TestData.readImage("test1.jpg");
    }

    @AfterEach
    void close() {
        image.close();
        yolox.detector().close();
    }

    @Test
    void anInterruptedDetectionThrowsAndTheNextOneRunsWhole() throws Exception {
        Detector d = yolox.detector();
        int expected = d.detect(image).count();
        assertThat(d.enableInterrupt()).isTrue();

        AtomicBoolean done = new AtomicBoolean();
        CompletableFuture<Throwable> run = CompletableFuture.supplyAsync(() -> {
            try {
                d.detect(image);
                return null;
            } catch (RuntimeException e) {
                return e;
            } finally {
                done.set(true);
            }
        });
        // Interrupts keep coming until the detection ends, as champion frames would: one of them lands inside it.
        while (!done.get()) {
            d.interrupt();
            Thread.onSpinWait();
        }
        assertThat(run.get()).isInstanceOf(DetectionInterrupted.class).hasMessageContaining("yolox-nano");

        assertThat(d.detect(image).count()).as("an interrupt of the last run does not stop the next").isEqualTo(expected);
        d.interrupt();
        assertThat(d.detect(image).count()).as("nor one that came between two runs").isEqualTo(expected);
    }

    @Test
    void withoutEnablingItAnInterruptChangesNothing() {
        Detector d = yolox.detector();
        int expected = d.detect(image).count();
        d.interrupt();
        assertThat(d.detect(image).count()).isEqualTo(expected);
        assertThatThrownBy(() -> {
            d.close();
            d.detect(image);
        }).isInstanceOf(InferenceException.class).isNotInstanceOf(DetectionInterrupted.class);
    }
}
