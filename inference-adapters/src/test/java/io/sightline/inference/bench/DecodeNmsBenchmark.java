package io.sightline.inference.bench;

import io.sightline.inference.ActivatedModel;
import io.sightline.inference.ModelLoader;
import io.sightline.inference.SessionConfig;
import io.sightline.inference.TestData;
import io.sightline.inference.internal.OrtDetector;
import org.bytedeco.opencv.opencv_core.Mat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/** Decode + NMS on a real network output (test1.jpg through the real model, computed once). */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DecodeNmsBenchmark {
    @Param({"yolox_nano", "fastestdet"})
    public String model;

    private OrtDetector detector;

    @Setup(Level.Trial)
    public void setup() {
        ActivatedModel m = ModelLoader.activate(TestData.model(model), "primary", SessionConfig.defaults());
        detector = (OrtDetector) m.detector();
        try (Mat img = TestData.readImage("test1.jpg")) {
            detector.detect(img);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        detector.close();
    }

    @Benchmark
    public int decodeAndNms() {
        return detector.decodeOnly().count();
    }
}
