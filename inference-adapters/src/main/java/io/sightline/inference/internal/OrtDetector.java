package io.sightline.inference.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.sightline.inference.Detections;
import io.sightline.inference.DetectionInterrupted;
import io.sightline.inference.Detector;
import io.sightline.inference.InferenceException;
import io.sightline.inference.ModelManifest;
import io.sightline.inference.StageTimes;
import org.bytedeco.opencv.opencv_core.Mat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;

/**
 * ONNX Runtime detector: reused direct input blob wrapped once by the input tensor, a pinned
 * (pre-allocated) output tensor so no per-run native {@code Result} memory is created, and an
 * allocation-free decoder. One instance per thread.
 */
public final class OrtDetector implements Detector {
    private final ModelManifest manifest;
    private final OrtSession session;
    private final boolean ownsSession;
    private final PlanarPreprocessor pre;
    private final OnnxTensor input;
    private final OnnxTensor output;
    private final FloatBuffer outBuf;
    private final Map<String, OnnxTensor> inputs;
    private final Map<String, OnnxTensor> pinned;
    private final OutputDecoder decoder;
    private final Detections detections;
    private final StageTimes times = new StageTimes();
    private volatile boolean closed;
    /** Set by {@link #enableInterrupt}: the run options {@link #interrupt} raises the terminate flag of. */
    private OrtSession.RunOptions interruptible;
    private volatile boolean interruptRequested;

    public OrtDetector(ModelManifest manifest, OrtEnvironment env, OrtSession session, boolean ownsSession) throws OrtException {
        this.manifest = manifest;
        this.session = session;
        this.ownsSession = ownsSession;
        ModelManifest.Input in = manifest.input();
        // The manifest was validated against ModelManifest.INTERPOLATIONS; absent means INTER_LINEAR.
        int interpolation = "INTER_AREA".equals(in.interpolation()) ? INTER_AREA : INTER_LINEAR;
        PlanarPreprocessor.Fit fit = in.resize() != null && in.resize().startsWith("letterbox")
                ? PlanarPreprocessor.Fit.LETTERBOX_TOP_LEFT : PlanarPreprocessor.Fit.STRETCH;
        this.pre = new PlanarPreprocessor(in.width(), in.height(), fit, interpolation, in.scale(), in.padValue());
        long[] inShape = in.shape().stream().mapToLong(Integer::longValue).toArray();
        this.input = OnnxTensor.createTensor(env, pre.blob(), inShape);
        long[] outShape = manifest.output().shape().stream().mapToLong(Integer::longValue).toArray();
        long outCount = 1;
        for (long d : outShape) outCount *= d;
        this.outBuf = ByteBuffer.allocateDirect((int) outCount * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        this.output = OnnxTensor.createTensor(env, outBuf, outShape);
        this.inputs = Map.of(in.name(), input);
        this.pinned = Map.of(manifest.output().name(), output);
        ModelManifest.Decoder d = manifest.decoder();
        int numClasses = manifest.classes().size();
        if (ModelManifest.YOLOX.equals(d.kind())) {
            int[] strides = d.strides().stream().mapToInt(Integer::intValue).toArray();
            this.decoder = new YoloxDecoder(in.width(), in.height(), strides, numClasses,
                    (float) d.candidateScore(), (float) d.reportScore(), (float) d.nmsIou());
        } else {
            int mapH = (int) outShape[2];
            int mapW = (int) outShape[3];
            this.decoder = new FastestDetDecoder(mapW, mapH, numClasses, (float) d.reportScore(), (float) d.nmsIou());
        }
        this.detections = new Detections(300, manifest.classes());
    }

    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    @Override
    public Detections detect(Mat bgr) {
        if (closed) {
            throw new InferenceException(manifest.name() + ": detector is closed", null);
        }
        if (interruptible != null) {
            resetInterrupt();
        }
        long t0 = System.nanoTime();
        try {
            pre.run(bgr);
        } catch (RuntimeException e) {
            throw new InferenceException(manifest.name() + ": cannot preprocess frame: " + e.getMessage(), e);
        }
        long t1 = System.nanoTime();
        runInference();
        long t2 = System.nanoTime();
        decodeOnly();
        long t3 = System.nanoTime();
        times.preprocessNanos = t1 - t0;
        times.inferenceNanos = t2 - t1;
        times.postprocessNanos = t3 - t2;
        return detections;
    }

    /** Runs the session on the current blob into the pinned output (benchmarks use it directly). */
    public void runInference() {
        if (interruptible != null) {
            runInterruptible();
            return;
        }
        try (OrtSession.Result ignored = session.run(inputs, pinned)) {
            // pinned output: the Result does not own it, closing it frees nothing of ours
        } catch (OrtException | IllegalStateException e) {
            throw new InferenceException(manifest.name() + ": inference failed: " + e.getMessage(), e);
        }
    }

    /** At the start of a detection: an interrupt meant for the previous one, which ended before it came, must not stop this one. */
    private void resetInterrupt() {
        try {
            interruptible.setTerminate(false);
            interruptRequested = false;
        } catch (OrtException e) {
            throw new InferenceException(manifest.name() + ": cannot reset the run's terminate flag: " + e.getMessage(), e);
        }
    }

    private void runInterruptible() {
        if (interruptRequested) {
            throw new DetectionInterrupted(manifest.name() + ": interrupted before inference", null);
        }
        try (OrtSession.Result ignored = session.run(inputs, java.util.Set.of(), pinned, interruptible)) {
            // pinned output, as above
        } catch (OrtException | IllegalStateException e) {
            if (interruptRequested) {
                throw new DetectionInterrupted(manifest.name() + ": interrupted", e);
            }
            throw new InferenceException(manifest.name() + ": inference failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized boolean enableInterrupt() {
        if (interruptible == null && !closed) {
            try {
                interruptible = new OrtSession.RunOptions();
            } catch (OrtException e) {
                throw new InferenceException(manifest.name() + ": cannot create run options: " + e.getMessage(), e);
            }
        }
        return interruptible != null;
    }

    @Override
    public void interrupt() {
        OrtSession.RunOptions options = interruptible;
        if (options == null || closed) {
            return;
        }
        interruptRequested = true;
        try {
            options.setTerminate(true);
        } catch (OrtException e) {
            // The run goes on to its end: the caller overlaps it for once, nothing is lost.
        }
    }

    /** Decodes the current output buffer into the reused detections. */
    public Detections decodeOnly() {
        decoder.decode(outBuf, pre.sourceWidth(), pre.sourceHeight(), pre.ratio(), detections);
        return detections;
    }

    public PlanarPreprocessor preprocessor() {
        return pre;
    }

    public OnnxTensor inputTensor() {
        return input;
    }

    public FloatBuffer outputBuffer() {
        return outBuf;
    }

    public OrtSession session() {
        return session;
    }

    @Override
    public StageTimes lastTimes() {
        return times;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (interruptible != null) {
            interruptible.close();
        }
        input.close();
        output.close();
        pre.close();
        if (ownsSession) {
            try {
                session.close();
            } catch (OrtException e) {
                throw new IllegalStateException("closing ORT session of " + manifest.name(), e);
            }
        }
    }
}
