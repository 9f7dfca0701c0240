package io.sightline.cloud.registry;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Checks an uploaded model the way the edge's {@code ModelLoader} will before it activates it: the
 * manifest (the format of {@code models/*}{@code /manifest.json}) names these bytes, ONNX Runtime
 * loads them, the graph's input and output names and shapes are the manifest's, and the output
 * has room for exactly the manifest's classes. A model that would be rejected at every vehicle is
 * rejected here, before it is stored.
 */
public final class ModelArtifactCheck {

    public static final String YOLOX = "yolox-anchor-free";
    public static final String FASTESTDET = "fastestdet-stride16";
    /** Box (4) and objectness (1) before the class scores, in both decoders' output layout. */
    static final int BOX_AND_OBJECTNESS = 5;

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** The manifest fields the registry checks and records; the rest travels untouched in the signed manifest bytes. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Manifest(int manifestVersion, String name, String version, String file, String sha256, long bytes, Tensor input,
                           Tensor output, Decoder decoder, List<String> classes, String licence) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Tensor(String name, List<Integer> shape) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Decoder(String kind) {
    }

    private ModelArtifactCheck() {
    }

    /** The manifest, with the fields a registration needs; refuses one that is not the model manifest format. */
    public static Manifest readManifest(byte[] manifestJson) {
        Manifest m;
        try {
            m = JSON.readValue(manifestJson, Manifest.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("the manifest is not valid JSON of the model manifest format (models/yolox_nano/manifest.json"
                    + " is an example): " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        StringBuilder bad = new StringBuilder();
        if (m.name() == null || m.name().isBlank()) bad.append(" name;");
        if (m.version() == null || m.version().isBlank()) bad.append(" version;");
        if (m.sha256() == null || !m.sha256().matches("[0-9a-f]{64}")) bad.append(" sha256 (64 lower-case hex digits);");
        if (m.input() == null || m.input().name() == null || m.input().shape() == null || m.input().shape().size() != 4) {
            bad.append(" input.name/shape [1,3,H,W];");
        }
        if (m.output() == null || m.output().name() == null || m.output().shape() == null) bad.append(" output.name/shape;");
        if (m.decoder() == null || !(YOLOX.equals(m.decoder().kind()) || FASTESTDET.equals(m.decoder().kind()))) {
            bad.append(" decoder.kind (one of " + YOLOX + ", " + FASTESTDET + ");");
        }
        if (m.classes() == null || m.classes().isEmpty()) bad.append(" classes;");
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("the manifest is missing or has invalid:" + bad);
        }
        return m;
    }

    /** Refuses, with what to fix, a model whose bytes or graph disagree with its manifest. */
    public static void check(Manifest m, byte[] model, String modelSha256) {
        if (!m.sha256().equals(modelSha256)) {
            throw new IllegalArgumentException("the manifest says sha256 " + m.sha256() + " but the uploaded model's is " + modelSha256
                    + "; upload the file the manifest describes, or fix its sha256");
        }
        if (m.bytes() > 0 && m.bytes() != model.length) {
            throw new IllegalArgumentException("the manifest says " + m.bytes() + " bytes but the uploaded model has " + model.length);
        }
        checkClasses(m);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model, options)) {
                checkTensor("input", m.input(), session.getInputInfo());
                checkTensor("output", m.output(), session.getOutputInfo());
            }
        } catch (OrtException e) {
            throw new IllegalArgumentException("the uploaded model is not an ONNX model that ONNX Runtime " + env.getVersion() + " loads: "
                    + e.getMessage());
        }
    }

    /** Both decoders read 4 box values, 1 objectness and one score per class along one output axis. */
    private static void checkClasses(Manifest m) {
        List<Integer> shape = m.output().shape();
        int axis = YOLOX.equals(m.decoder().kind()) ? shape.size() - 1 : 1;
        if (shape.size() < 2 || (FASTESTDET.equals(m.decoder().kind()) && shape.size() != 4)) {
            throw new IllegalArgumentException("output.shape " + shape + " is not a " + m.decoder().kind() + " output");
        }
        int expected = BOX_AND_OBJECTNESS + m.classes().size();
        if (shape.get(axis) != expected) {
            throw new IllegalArgumentException("the manifest lists " + m.classes().size() + " classes, so a " + m.decoder().kind()
                    + " output needs " + expected + " values (4 box, 1 objectness, 1 per class) on axis " + axis + ", but output.shape is "
                    + shape + "; list the classes the model was trained on");
        }
    }

    private static void checkTensor(String which, Tensor declared, Map<String, NodeInfo> graph) throws OrtException {
        NodeInfo node = graph.get(declared.name());
        if (node == null) {
            throw new IllegalArgumentException("the manifest's " + which + " '" + declared.name() + "' is not in the ONNX graph, whose "
                    + which + "s are " + graph.keySet());
        }
        if (!(node.getInfo() instanceof TensorInfo tensor)) {
            throw new IllegalArgumentException("the ONNX graph's " + which + " '" + declared.name() + "' is not a tensor");
        }
        long[] real = tensor.getShape();
        long[] manifest = declared.shape().stream().mapToLong(Integer::longValue).toArray();
        if (!Arrays.equals(real, manifest)) {
            throw new IllegalArgumentException("the ONNX graph's " + which + " '" + declared.name() + "' has shape " + Arrays.toString(real)
                    + " but the manifest says " + Arrays.toString(manifest));
        }
    }
}
