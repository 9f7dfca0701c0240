package io.sightline.runtime;

import io.sightline.testkit.ProjectHomeExtension;
import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.inference.FrameSource;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.VideoFrame;
import io.sightline.uplink.evidence.EvidenceStore;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evidence frames on a real clip (ADR-0008): real decoding, real detection (FastestDet), boxes
 * drawn with OpenCV, JPEGs kept content-addressed beside the real SQLite journal, and the sha256
 * in each journaled FrameCaptured.
 */
@ExtendWith(ProjectHomeExtension.class)
class EvidenceFramesTest {

    static final String CLIP = "samples/udacity_vd_test_video.mp4";
    static final int FRAMES = 12;

    @TempDir
    Path dir;



    static EdgePipeline.Options options() {
        return new EdgePipeline.Options(ProjectHome.get().resolve(CLIP).toString(), "fastestdet", null, false, false,
                AssumedDrive.EGO_SPEED_MPS, 1, FRAMES, "fleet-t", "vehicle-t", "device-t", "test");
    }

    private static List<EventEnvelope> journaled(EdgeJournal journal, String sessionId) {
        EventCodec codec = new EventCodec();
        List<EventEnvelope> out = new ArrayList<>();
        for (EdgeJournal.StoredEvent e : journal.read(sessionId, 0, 100_000, Long.MAX_VALUE)) {
            out.add(codec.decode(codec.mapper().valueToTree(parse(codec, e.wireJson()))));
        }
        return out;
    }

    private static Object parse(EventCodec codec, String json) {
        try {
            return codec.mapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyFrameNamesAJpegWithItsBoxesDrawnWhoseSha256IsItsName() throws Exception {
        RunReport report;
        List<EventEnvelope> events;
        Map<String, byte[]> jpegs = new HashMap<>();
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), 64L << 20);
             EvidenceStore store = EvidenceStore.open(journal, 64L << 20)) {
            try (EdgePipeline pipeline = EdgePipeline.open(options())) {
                report = pipeline.evidence(store).run(journal, EdgePipeline.ProgressListener.NONE);
            }
            events = journaled(journal, report.sessionId());
            assertThat(store.frames(report.sessionId())).hasSize(FRAMES);
            for (EventEnvelope e : events) {
                if (e.payload() instanceof FrameCaptured f) {
                    assertThat(f.evidenceSha256()).as("evidence of frame %d", f.frameIndex()).isNotNull();
                    Path file = store.path(f.evidenceSha256());
                    assertThat(file).exists().startsWith(dir.resolve("evidence"));
                    assertThat(file.getParent().getFileName().toString()).isEqualTo(f.evidenceSha256().substring(0, 2));
                    byte[] bytes = Files.readAllBytes(file);
                    assertThat(EvidenceStore.sha256Hex(bytes)).isEqualTo(f.evidenceSha256());
                    jpegs.put(f.frameId(), bytes);
                }
            }
        }
        assertThat(jpegs).hasSize(FRAMES);
        assertThat(report.percentileMs(EvidenceStage.STAGE, 50)).as("encode timings recorded").isPositive();

        Map<String, List<DetectionObserved>> boxes = new HashMap<>();
        Map<String, FrameCaptured> frames = new HashMap<>();
        for (EventEnvelope e : events) {
            if (e.payload() instanceof DetectionObserved d) {
                boxes.computeIfAbsent(d.frameId(), k -> new ArrayList<>()).add(d);
            } else if (e.payload() instanceof FrameCaptured f) {
                frames.put(f.frameId(), f);
            }
        }
        assertThat(boxes).as("the clip has cars in its first frames").isNotEmpty();

        // Compare each drawn JPEG with the same frame decoded again, undrawn: on a box's edge the
        // pixels changed far beyond JPEG noise, away from every box they did not.
        Map<Long, Mat> undrawn = new HashMap<>();
        try (FrameSource source = FrameSource.open(ProjectHome.get().resolve(CLIP).toString())) {
            for (int i = 0; i < FRAMES; i++) {
                try (VideoFrame v = source.next()) {
                    undrawn.put(v.index(), v.image().clone());
                }
            }
        }
        int checkedBoxes = 0;
        for (Map.Entry<String, byte[]> e : jpegs.entrySet()) {
            FrameCaptured f = frames.get(e.getKey());
            try (Mat drawn = imdecode(new Mat(new BytePointer(e.getValue())), IMREAD_COLOR)) {
                int expectedWidth = Math.min(EvidenceStage.MAX_WIDTH_PX, f.widthPx());
                double scale = expectedWidth / (double) f.widthPx();
                assertThat(drawn.cols()).as("JPEG width").isEqualTo(expectedWidth);
                assertThat(drawn.rows()).as("JPEG height").isEqualTo((int) Math.round(f.heightPx() * scale));
                Mat original = undrawn.get(f.frameIndex());
                Mat reference = new Mat();
                org.bytedeco.opencv.global.opencv_imgproc.resize(original, reference, new Size(drawn.cols(), drawn.rows()), 0, 0,
                        org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR);
                for (DetectionObserved d : boxes.getOrDefault(f.frameId(), List.of())) {
                    int x = (int) Math.round(d.boxPx().x1() * scale);
                    int y1 = (int) Math.round(d.boxPx().y1() * scale);
                    int y2 = (int) Math.round(d.boxPx().y2() * scale);
                    if (x < 1 || x >= drawn.cols() - 1 || y2 - y1 < 12) {
                        continue;
                    }
                    double edge = meanAbsDiff(drawn, reference, x, x + 1, y1 + 4, y2 - 4);
                    assertThat(edge).as("pixels on the left edge of a %s box in frame %d differ from the undrawn frame",
                            d.className(), f.frameIndex()).isGreaterThan(40);
                    checkedBoxes++;
                }
                // The top-left corner holds no box in this clip: only JPEG noise there.
                assertThat(meanAbsDiff(drawn, reference, 0, 40, 0, 40)).as("away from boxes, frame %d", f.frameIndex())
                        .isLessThan(12);
                reference.close();
            }
        }
        assertThat(checkedBoxes).isPositive();
        undrawn.values().forEach(Mat::close);
    }

    /** Mean absolute difference over the BGR channels of columns [x0, x1) and rows [y0, y1). */
    private static double meanAbsDiff(Mat a, Mat b, int x0, int x1, int y0, int y1) {
        var ia = a.createIndexer();
        var ib = b.createIndexer();
        org.bytedeco.javacpp.indexer.UByteIndexer ua = (org.bytedeco.javacpp.indexer.UByteIndexer) ia;
        org.bytedeco.javacpp.indexer.UByteIndexer ub = (org.bytedeco.javacpp.indexer.UByteIndexer) ib;
        long sum = 0;
        long n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                for (int c = 0; c < 3; c++) {
                    sum += Math.abs(ua.get(y, x, c) - ub.get(y, x, c));
                    n++;
                }
            }
        }
        ua.release();
        ub.release();
        return sum / (double) n;
    }

    @Test
    void withoutAStoreFramesNameNoEvidenceAndNoFileIsWritten() throws Exception {
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("plain.db"), 64L << 20)) {
            RunReport report;
            try (EdgePipeline pipeline = EdgePipeline.open(options())) {
                report = pipeline.run(journal, EdgePipeline.ProgressListener.NONE);
            }
            List<FrameCaptured> frames = journaled(journal, report.sessionId()).stream()
                    .filter(e -> e.payload() instanceof FrameCaptured).map(e -> (FrameCaptured) e.payload()).toList();
            assertThat(frames).hasSize(FRAMES).allSatisfy(f -> assertThat(f.evidenceSha256()).isNull());
            assertThat(dir.resolve("evidence")).doesNotExist();
            assertThat(report.percentileMs(EvidenceStage.STAGE, 50)).isNaN();
        }
    }
}
