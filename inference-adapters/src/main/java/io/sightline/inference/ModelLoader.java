package io.sightline.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.ModelRejected;
import io.sightline.inference.internal.OrtDetector;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Activates a model directory ({@code manifest.json} + weights): the sha256 of the weights is
 * checked before anything is loaded, then the ONNX session's real input name and shape are checked
 * against the manifest, and the model runs {@value #WARM_UP_RUNS} times on a grey
 * {@value #WARM_UP_WIDTH_PX}×{@value #WARM_UP_HEIGHT_PX} frame before it serves. Any failure
 * produces a {@link ModelRejected} event inside a {@link ModelRejectedException}; success produces a
 * {@link ModelActivated} carrying the manifest.
 *
 * <p>The warm-up runs through the same adapter as every frame (preprocess, pinned output, decode),
 * so a graph that loads and matches the manifest's names and shapes but cannot run is refused at
 * activation instead of failing the first frame, and ONNX Runtime's first-run cost (allocating its
 * arena and picking kernels: YOLOX-nano 23–25 ms against 18.5 ms once warm with one intra-op thread,
 * docs/benchmarks.md) is not a frame's.
 */
public final class ModelLoader {
    public static final String MANIFEST = "manifest.json";
    /** Runs before a model serves: the first pays ONNX Runtime's allocations, the rest settle its caches. */
    public static final int WARM_UP_RUNS = 3;
    /** A dashcam frame's size, so the preprocessor's resize path is the one real frames take. */
    public static final int WARM_UP_WIDTH_PX = 1280;
    public static final int WARM_UP_HEIGHT_PX = 720;

    private ModelLoader() {
    }

    public static ActivatedModel activate(Path modelDir, String role, SessionConfig config) {
        Path manifestFile = modelDir.resolve(MANIFEST);
        ModelManifest m = ModelManifest.read(manifestFile);
        Path weights = modelDir.resolve(m.file());
        if (!Files.isRegularFile(weights)) {
            throw reject(m, weights, null, "model file not found: " + weights.toAbsolutePath());
        }
        // Hash the very bytes the session is built from: no window to swap the file in between.
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(weights);
        } catch (IOException e) {
            throw reject(m, weights, null, "cannot read model file " + weights.toAbsolutePath() + ": " + e.getMessage());
        }
        String actual = sha256(bytes);
        if (!actual.equals(m.sha256())) {
            throw reject(m, weights, actual, "model file " + weights.toAbsolutePath()
                    + ": sha256 mismatch: expected " + m.sha256() + " (from " + manifestFile + "), actual " + actual);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(config.intraOpThreads());
            opts.setInterOpNumThreads(config.interOpThreads());
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.valueOf(config.optimisation()));
            session = env.createSession(bytes, opts);
        } catch (OrtException | IllegalArgumentException e) {
            throw reject(m, weights, actual, "model file " + weights.toAbsolutePath() + ": ONNX Runtime cannot load it: " + e.getMessage());
        }
        try {
            checkIo(m, weights, actual, session);
            OrtDetector detector = new OrtDetector(m, env, session, true);
            long[] warmUpInferenceNanos;
            try {
                warmUpInferenceNanos = warmUp(detector);
            } catch (InferenceException e) {
                // Closing the detector closes the session it owns.
                detector.close();
                throw reject(m, weights, actual, "model file " + weights.toAbsolutePath() + ": loads but cannot run on a "
                        + WARM_UP_WIDTH_PX + "x" + WARM_UP_HEIGHT_PX + " frame: " + e.getMessage()
                        + "; check that every input of the graph is the manifest's input and that the graph runs in ONNX Runtime "
                        + OrtEnvironment.getEnvironment().getVersion());
            }
            ModelActivated event = new ModelActivated(m.name(), m.version(), m.sha256(), role,
                    m.input().name(), List.copyOf(m.input().shape()), m.input().layout(), m.input().normalisation(),
                    m.decoder().kind(), List.copyOf(m.classes()), m.licence(), String.valueOf(m.source()), Clocks.epochNanos());
            return new ActivatedModel(detector, event, modelDir, warmUpInferenceNanos);
        } catch (OrtException e) {
            closeQuietly(session);
            throw reject(m, weights, actual, "model file " + weights.toAbsolutePath() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            closeQuietly(session);
            throw e;
        }
    }

    private static long[] warmUp(OrtDetector detector) {
        long[] inferenceNanos = new long[WARM_UP_RUNS];
        try (Mat grey = new Mat(WARM_UP_HEIGHT_PX, WARM_UP_WIDTH_PX, org.bytedeco.opencv.global.opencv_core.CV_8UC3,
                new Scalar(114, 114, 114, 0))) {
            for (int i = 0; i < WARM_UP_RUNS; i++) {
                detector.detect(grey);
                inferenceNanos[i] = detector.lastTimes().inferenceNanos;
            }
        }
        return inferenceNanos;
    }

    private static void checkIo(ModelManifest m, Path weights, String actual, OrtSession session) throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        NodeInfo in = inputs.get(m.input().name());
        if (in == null) {
            throw reject(m, weights, actual, "model file " + weights.toAbsolutePath() + ": manifest input name '" + m.input().name()
                    + "' not in the ONNX graph, whose inputs are " + inputs.keySet());
        }
        long[] real = ((TensorInfo) in.getInfo()).getShape();
        long[] declared = m.input().shape().stream().mapToLong(Integer::longValue).toArray();
        if (!Arrays.equals(real, declared)) {
            throw reject(m, weights, actual, "model file " + weights.toAbsolutePath() + ": input '" + m.input().name()
                    + "' has shape " + Arrays.toString(real) + " in the ONNX graph but " + Arrays.toString(declared) + " in the manifest");
        }
        NodeInfo out = session.getOutputInfo().get(m.output().name());
        if (out == null) {
            throw reject(m, weights, actual, "model file " + weights.toAbsolutePath() + ": manifest output name '" + m.output().name()
                    + "' not in the ONNX graph, whose outputs are " + session.getOutputInfo().keySet());
        }
        long[] realOut = ((TensorInfo) out.getInfo()).getShape();
        long[] declOut = m.output().shape().stream().mapToLong(Integer::longValue).toArray();
        if (!Arrays.equals(realOut, declOut)) {
            throw reject(m, weights, actual, "model file " + weights.toAbsolutePath() + ": output '" + m.output().name()
                    + "' has shape " + Arrays.toString(realOut) + " in the ONNX graph but " + Arrays.toString(declOut) + " in the manifest");
        }
    }

    private static ModelRejectedException reject(ModelManifest m, Path weights, String actual, String message) {
        ModelRejected event = new ModelRejected(m.name(), m.version(), weights.toAbsolutePath().toString(),
                m.sha256(), actual, message, Clocks.epochNanos());
        return new ModelRejectedException(message, event);
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new ModelRejectedException("cannot read model file " + file.toAbsolutePath() + ": " + e.getMessage(), null);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException | RuntimeException ignored) {
            // already failing; a session the detector closed refuses a second close
        }
    }
}
