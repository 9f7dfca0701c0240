package io.sightline.inference;

import io.sightline.inference.internal.FastestDetDecoder;
import io.sightline.inference.internal.OrtDetector;
import io.sightline.inference.internal.YoloxDecoder;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_dnn.Net;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_dnn.readNetFromONNX;

/**
 * Independent check of the ORT path: the same ONNX file and the same preprocessed blob run through
 * OpenCV DNN. Raw outputs agree within 1e-3 on box terms and 1e-4 on obj/class scores (FIELD-NOTES
 * measured max |Δ|: YOLOX 2.9e-4 box, 3e-5 scores; FastestDet 6.9e-5), and the decoded detections
 * agree: same classes, score within 1e-3, corners within 0.05 px.
 */
class OpenCvDnnCrossCheckTest {

    @Test
    void yoloxOrtAndOpenCvDnnAgree() {
        crossCheck("yolox_nano", 1e-3, 1e-4);
    }

    @Test
    void fastestDetOrtAndOpenCvDnnAgree() {
        crossCheck("fastestdet", 1e-3, 1e-4);
    }

    private static void crossCheck(String folder, double rawTolerance, double scoreTolerance) {
        Path dir = TestData.model(folder);
        ActivatedModel m = ModelLoader.activate(dir, "primary", SessionConfig.defaults());
        OrtDetector ort = (OrtDetector) m.detector();
        ModelManifest man = ort.manifest();
        Net net = readNetFromONNX(dir.resolve(man.file()).toString());
        try (Mat img = TestData.readImage("test1.jpg")) {
            List<Detection> ortDets = ort.detect(img).toList();
            FloatBuffer blob = ort.preprocessor().blob();
            int[] shape = man.input().shape().stream().mapToInt(Integer::intValue).toArray();
            FloatBuffer ortOut = ort.outputBuffer();
            try (FloatPointer blobPtr = new FloatPointer(blob);
                 Mat blob4d = new Mat(shape, CV_32F, blobPtr)) {
                net.setInput(blob4d);
                Mat cvOut = net.forward(man.output().name());
                long n = cvOut.total();
                assertThat(n).isEqualTo(ortOut.capacity());
                FloatBuffer cv = ByteBuffer.allocateDirect((int) n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
                FloatPointer cvPtr = new FloatPointer(cvOut.data());
                float[] tmp = new float[(int) n];
                cvPtr.get(tmp);
                cv.put(tmp).flip();
                boolean yolox = ModelManifest.YOLOX.equals(man.decoder().kind());
                double maxBox = 0;
                double maxScore = 0;
                for (int i = 0; i < n; i++) {
                    double dlt = Math.abs(cv.get(i) - ortOut.get(i));
                    // YOLOX rows [tx,ty,tw,th,obj,cls…]; FastestDet channel-major [obj,4 box,cls…] of 22×22
                    boolean box = yolox ? (i % 85) < 4 : (i / 484) >= 1 && (i / 484) <= 4;
                    if (box) maxBox = Math.max(maxBox, dlt); else maxScore = Math.max(maxScore, dlt);
                }
                System.out.printf("cross-check %s: max |ORT - OpenCV DNN| box terms %.2e, scores %.2e%n", folder, maxBox, maxScore);
                assertThat(maxBox).as("max |ORT − OpenCV DNN| on box terms of %s", folder).isLessThan(rawTolerance);
                assertThat(maxScore).as("max |ORT − OpenCV DNN| on obj/class scores of %s", folder).isLessThan(scoreTolerance);

                Detections cvDets = new Detections(300, man.classes());
                var dec = man.decoder();
                if (ModelManifest.YOLOX.equals(dec.kind())) {
                    new YoloxDecoder(man.input().width(), man.input().height(), new int[] {8, 16, 32}, 80,
                            (float) dec.candidateScore(), (float) dec.reportScore(), (float) dec.nmsIou())
                            .decode(cv, img.cols(), img.rows(), ort.preprocessor().ratio(), cvDets);
                } else {
                    new FastestDetDecoder(22, 22, 80, (float) dec.reportScore(), (float) dec.nmsIou())
                            .decode(cv, img.cols(), img.rows(), 1f, cvDets);
                }
                List<Detection> cvList = cvDets.toList();
                assertThat(cvList).hasSameSizeAs(ortDets).isNotEmpty();
                for (int i = 0; i < cvList.size(); i++) {
                    Detection a = ortDets.get(i);
                    Detection b = cvList.get(i);
                    assertThat(b.classId()).isEqualTo(a.classId());
                    assertThat((double) b.score()).isCloseTo(a.score(), within(1e-3));
                    assertThat((double) b.x1()).isCloseTo(a.x1(), within(0.05));
                    assertThat((double) b.y1()).isCloseTo(a.y1(), within(0.05));
                    assertThat((double) b.x2()).isCloseTo(a.x2(), within(0.05));
                    assertThat((double) b.y2()).isCloseTo(a.y2(), within(0.05));
                }
                cvOut.close();
            }
        } finally {
            net.close();
            ort.close();
        }
    }
}
