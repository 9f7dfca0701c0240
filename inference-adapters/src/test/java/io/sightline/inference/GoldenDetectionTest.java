package io.sightline.inference;

import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The adapters reproduce the reference pipelines' golden detections from shared/data/README.md
 * (score ±0.01, box ±1.5 px), on the project's shipped models and test stills.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GoldenDetectionTest {
    private ActivatedModel yolox;
    private ActivatedModel fastest;

    @BeforeAll
    void load() {
        yolox = ModelLoader.activate(TestData.model("yolox_nano"), "primary", SessionConfig.defaults());
        fastest = ModelLoader.activate(TestData.model("fastestdet"), "fallback", SessionConfig.defaults());
    }

    @AfterAll
    void close() {
        if (yolox != null) yolox.detector().close();
        if (fastest != null) fastest.detector().close();
    }

    record Golden(String cls, double score, double x1, double y1, double x2, double y2) {
    }

    private static List<Detection> detect(Detector d, String image) {
        try (Mat m = TestData.readImage(image)) {
            return d.detect(m).toList().stream().sorted(Comparator.comparingDouble(Detection::score).reversed()).toList();
        }
    }

    private static void assertMatches(List<Detection> actual, Golden... expected) {
        assertThat(actual).as("detections %s", actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            Detection a = actual.get(i);
            Golden e = expected[i];
            assertThat(a.className()).as("class of #%d %s", i, a).isEqualTo(e.cls());
            assertThat((double) a.score()).as("score of #%d %s", i, a).isCloseTo(e.score(), within(0.01));
            assertThat((double) a.x1()).as("x1 of #%d %s", i, a).isCloseTo(e.x1(), within(1.5));
            assertThat((double) a.y1()).as("y1 of #%d %s", i, a).isCloseTo(e.y1(), within(1.5));
            assertThat((double) a.x2()).as("x2 of #%d %s", i, a).isCloseTo(e.x2(), within(1.5));
            assertThat((double) a.y2()).as("y2 of #%d %s", i, a).isCloseTo(e.y2(), within(1.5));
        }
    }

    @Test
    void yoloxTest1TwoCars() {
        assertMatches(detect(yolox.detector(), "test1.jpg"),
                new Golden("car", 0.884, 1050.1, 404.3, 1274.8, 508.1),
                new Golden("car", 0.822, 813.0, 408.1, 942.8, 493.0));
    }

    @Test
    void yoloxTest2Nothing() {
        assertThat(detect(yolox.detector(), "test2.jpg")).isEmpty();
    }

    @Test
    void yoloxTest3OneCar() {
        assertMatches(detect(yolox.detector(), "test3.jpg"),
                new Golden("car", 0.706, 865.4, 418.0, 964.6, 469.9));
    }

    @Test
    void yoloxTest4TwoCars() {
        assertMatches(detect(yolox.detector(), "test4.jpg"),
                new Golden("car", 0.784, 813.8, 407.3, 942.8, 495.5),
                new Golden("car", 0.782, 1046.5, 402.7, 1246.9, 501.5));
    }

    @Test
    void fastestDetTest1TwoCars() {
        assertMatches(detect(fastest.detector(), "test1.jpg"),
                new Golden("car", 0.873, 1038.5, 404.8, 1279.9, 511.4),
                new Golden("car", 0.833, 827.9, 415.8, 937.6, 492.5));
    }

    @Test
    void sameDetectorIsStableAcrossCallsAndSizes() {
        List<Detection> first = detect(yolox.detector(), "test1.jpg");
        detect(yolox.detector(), "test2.jpg");
        List<Detection> again = detect(yolox.detector(), "test1.jpg");
        assertThat(again).isEqualTo(first);
    }

    @Test
    void sourceSizeChangesAreHandled() {
        List<Detection> first = detect(yolox.detector(), "test1.jpg");
        List<Detection> small;
        try (Mat img = TestData.readImage("test1.jpg"); Mat half = new Mat()) {
            org.bytedeco.opencv.global.opencv_imgproc.resize(img, half, new org.bytedeco.opencv.opencv_core.Size(640, 360),
                    0, 0, org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA);
            small = yolox.detector().detect(half).toList();
        }
        // same cars, boxes in the smaller frame's pixels
        assertThat(small).isNotEmpty();
        Detection big = first.get(0);
        assertThat(small).anySatisfy(d -> {
            assertThat(d.className()).isEqualTo("car");
            assertThat((double) d.x1()).isCloseTo(big.x1() / 2, within(6.0));
            assertThat((double) d.x2()).isCloseTo(big.x2() / 2, within(6.0));
            assertThat(d.x2()).isLessThanOrEqualTo(640f);
        });
        assertThat(detect(yolox.detector(), "test1.jpg")).isEqualTo(first);
    }

    @Test
    void activationEventCarriesTheWholeManifest() {
        var e = yolox.event();
        assertThat(e.modelName()).isEqualTo("yolox-nano");
        assertThat(e.modelSha256()).isEqualTo("695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14");
        assertThat(e.inputName()).isEqualTo("images");
        assertThat(e.inputShape()).containsExactly(1, 3, 416, 416);
        assertThat(e.classes()).hasSize(80).startsWith("person", "bicycle", "car");
        assertThat(e.licence()).isEqualTo("Apache-2.0");
        assertThat(e.decoderKind()).isEqualTo("yolox-anchor-free");
        assertThat(fastest.event().normalisation()).isEqualTo("BGR /255");
    }
}
