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
 * (score ±0.01, box ±1.5 px), on the project's shipped models and test stills. FastestDet's
 * documented result comes from its repository's runtime.py, which resizes with INTER_AREA; the
 * shipped manifest resizes with INTER_LINEAR, as the model was trained (ADR-0013), so that result
 * is reproduced exactly in INTER_AREA mode and within the stated preprocessing difference in the
 * shipped mode.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GoldenDetectionTest {
    private ActivatedModel yolox;
    private ActivatedModel fastest;
    private ActivatedModel fastestArea;

    @BeforeAll
    void load(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws java.io.IOException {
        yolox = ModelLoader.activate(TestData.model("yolox_nano"), "primary", SessionConfig.defaults());
        fastest = ModelLoader.activate(TestData.model("fastestdet"), "fallback", SessionConfig.defaults());
        // The reference example's preprocessing: the shipped files with the manifest switched to INTER_AREA.
        java.nio.file.Path area = tmp.resolve("fastestdet-area");
        java.nio.file.Files.createDirectories(area);
        try (var files = java.nio.file.Files.list(TestData.model("fastestdet"))) {
            for (java.nio.file.Path f : files.toList()) {
                java.nio.file.Files.copy(f, area.resolve(f.getFileName()));
            }
        }
        java.nio.file.Path manifest = area.resolve("manifest.json");
        String json = java.nio.file.Files.readString(manifest);
        assertThat(json).contains("\"interpolation\": \"INTER_LINEAR\"");
        java.nio.file.Files.writeString(manifest, json.replace("\"interpolation\": \"INTER_LINEAR\"", "\"interpolation\": \"INTER_AREA\""));
        fastestArea = ModelLoader.activate(area, "fallback", SessionConfig.defaults());
    }

    @AfterAll
    void close() {
        if (yolox != null) yolox.detector().close();
        if (fastest != null) fastest.detector().close();
        if (fastestArea != null) fastestArea.detector().close();
    }

    record Golden(String cls, double score, double x1, double y1, double x2, double y2) {
    }

    private static List<Detection> detect(Detector d, String image) {
        try (Mat m = TestData.readImage(image)) {
            return d.detect(m).toList().stream().sorted(Comparator.comparingDouble(Detection::score).reversed()).toList();
        }
    }

    private static void assertMatches(List<Detection> actual, Golden... expected) {
        assertMatches(actual, 0.01, 1.5, expected);
    }

    private static void assertMatches(List<Detection> actual, double scoreTolerance, double boxTolerancePx, Golden... expected) {
        assertThat(actual).as("detections %s", actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            Detection a = actual.get(i);
            Golden e = expected[i];
            assertThat(a.className()).as("class of #%d %s", i, a).isEqualTo(e.cls());
            assertThat((double) a.score()).as("score of #%d %s", i, a).isCloseTo(e.score(), within(scoreTolerance));
            assertThat((double) a.x1()).as("x1 of #%d %s", i, a).isCloseTo(e.x1(), within(boxTolerancePx));
            assertThat((double) a.y1()).as("y1 of #%d %s", i, a).isCloseTo(e.y1(), within(boxTolerancePx));
            assertThat((double) a.x2()).as("x2 of #%d %s", i, a).isCloseTo(e.x2(), within(boxTolerancePx));
            assertThat((double) a.y2()).as("y2 of #%d %s", i, a).isCloseTo(e.y2(), within(boxTolerancePx));
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

    /** shared/data/README.md: FastestDet on test1.jpg, from runtime.py (INTER_AREA). */
    private static final Golden[] FASTESTDET_TEST1_DOCUMENTED = {
            new Golden("car", 0.873, 1038.5, 404.8, 1279.9, 511.4),
            new Golden("car", 0.833, 827.9, 415.8, 937.6, 492.5)};

    @Test
    void fastestDetTest1TwoCarsWithTheReferenceExamplesInterArea() {
        assertMatches(detect(fastestArea.detector(), "test1.jpg"), FASTESTDET_TEST1_DOCUMENTED);
    }

    /**
     * The shipped INTER_LINEAR finds the same two cars; measured against the INTER_AREA result:
     * scores 0.011 and 0.016 lower, boxes within 3.2 px (x1 of the near car). That is the two
     * resizes' difference, bounded here at 0.02 and 3.5 px; the next test pins the shipped output.
     */
    @Test
    void fastestDetTest1TwoCarsAsShipped() {
        assertMatches(detect(fastest.detector(), "test1.jpg"), 0.02, 3.5, FASTESTDET_TEST1_DOCUMENTED);
    }

    /** The shipped configuration's own result (measured 2026-11-27), at the golden tolerance: a change to it is a regression. */
    @Test
    void fastestDetShippedResultsAtTheGoldenTolerance() {
        assertMatches(detect(fastest.detector(), "test1.jpg"),
                new Golden("car", 0.8625, 1035.3, 403.6, 1278.6, 511.1),
                new Golden("car", 0.8172, 828.1, 416.2, 938.1, 493.7));
        assertMatches(detect(fastest.detector(), "test3.jpg"),
                new Golden("car", 0.8031, 869.3, 411.9, 966.8, 468.8));
        assertMatches(detect(fastest.detector(), "test4.jpg"),
                new Golden("car", 0.8875, 1044.5, 400.8, 1265.9, 502.5),
                new Golden("car", 0.8439, 826.2, 416.4, 939.4, 495.4));
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
