package io.sightline.inference.bench;

import io.sightline.inference.TestData;
import io.sightline.inference.internal.PlanarPreprocessor;
import org.bytedeco.opencv.opencv_core.Mat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;

/** 720p BGR frame → planar float blob (resize, split, convertTo into the aliased direct buffer). */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PreprocessBenchmark {
    private Mat frame;
    private PlanarPreprocessor yolox;
    private PlanarPreprocessor fastestArea;
    private PlanarPreprocessor fastestLinear;

    @Setup(Level.Trial)
    public void setup() {
        frame = TestData.readImage("test1.jpg"); // 1280×720
        yolox = new PlanarPreprocessor(416, 416, PlanarPreprocessor.Fit.LETTERBOX_TOP_LEFT, INTER_LINEAR, 1.0, 114);
        fastestArea = new PlanarPreprocessor(352, 352, PlanarPreprocessor.Fit.STRETCH, INTER_AREA, 1 / 255.0, 0);
        fastestLinear = new PlanarPreprocessor(352, 352, PlanarPreprocessor.Fit.STRETCH, INTER_LINEAR, 1 / 255.0, 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        yolox.close();
        fastestArea.close();
        fastestLinear.close();
        frame.close();
    }

    @Benchmark
    public Object yoloxLetterbox416() {
        yolox.run(frame);
        return yolox.blob();
    }

    /** The repository example's resize, selectable in the manifest (ADR-0013). */
    @Benchmark
    public Object fastestDet352InterArea() {
        fastestArea.run(frame);
        return fastestArea.blob();
    }

    /** The shipped FastestDet resize, as the model was trained (ADR-0013). */
    @Benchmark
    public Object fastestDet352InterLinear() {
        fastestLinear.run(frame);
        return fastestLinear.blob();
    }
}
