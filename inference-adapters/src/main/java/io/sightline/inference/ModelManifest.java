package io.sightline.inference;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The contract of one detector model, read from {@code manifest.json} beside the weights. The
 * sha256 and the input name/shape are checked against the file and the ONNX session before the
 * model is activated ({@link ModelLoader}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelManifest(
        int manifestVersion,
        String name,
        String version,
        String file,
        String sha256,
        long bytes,
        Input input,
        Output output,
        Decoder decoder,
        String classesFile,
        List<String> classes,
        String licence,
        String licenceFile,
        Source source) {

    /** Decoder kinds this module implements. */
    public static final String YOLOX = "yolox-anchor-free";
    public static final String FASTESTDET = "fastestdet-stride16";
    /** OpenCV resize modes an adapter implements; anything else is refused rather than silently replaced. */
    public static final java.util.List<String> INTERPOLATIONS = java.util.List.of("INTER_LINEAR", "INTER_AREA");

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Input(String name, List<Integer> shape, String layout, String colorOrder, String resize,
                        String interpolation, double padValue, double scale, String normalisation) {
        public int height() {
            return shape.get(2);
        }

        public int width() {
            return shape.get(3);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Output(String name, List<Integer> shape) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Decoder(String kind, List<Integer> strides, double candidateScore, double reportScore,
                          double nmsIou, boolean classAgnosticNms) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Source(String repo, String commit, String path, String note) {
        @Override
        public String toString() {
            return repo + "@" + commit + ":" + path;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** Reads and validates a manifest; errors name the file and the problem. */
    public static ModelManifest read(Path manifestFile) {
        if (!Files.isRegularFile(manifestFile)) {
            throw new ModelRejectedException("model manifest not found: " + manifestFile.toAbsolutePath(), null);
        }
        ModelManifest m;
        try {
            m = JSON.readValue(manifestFile.toFile(), ModelManifest.class);
        } catch (IOException e) {
            throw new ModelRejectedException("model manifest " + manifestFile + " is not valid JSON: " + e.getMessage(), null);
        }
        m.validate(manifestFile);
        return m;
    }

    private void validate(Path where) {
        StringBuilder bad = new StringBuilder();
        if (name == null || name.isBlank()) bad.append(" name;");
        if (version == null) bad.append(" version;");
        if (file == null) bad.append(" file;");
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) bad.append(" sha256 (64 lower-case hex digits);");
        if (input == null || input.name() == null || input.shape() == null || input.shape().size() != 4) bad.append(" input.name/shape [1,3,H,W];");
        if (input != null && input.interpolation() != null && !INTERPOLATIONS.contains(input.interpolation())) {
            bad.append(" input.interpolation (one of " + String.join(", ", INTERPOLATIONS) + ", or absent for INTER_LINEAR);");
        }
        if (output == null || output.name() == null) bad.append(" output.name;");
        if (decoder == null || !(YOLOX.equals(decoder.kind()) || FASTESTDET.equals(decoder.kind()))) {
            bad.append(" decoder.kind (one of " + YOLOX + ", " + FASTESTDET + ");");
        }
        if (classes == null || classes.isEmpty()) bad.append(" classes;");
        if (!bad.isEmpty()) {
            throw new ModelRejectedException("model manifest " + where + " is missing or has invalid:" + bad, null);
        }
    }

    public String className(int classId) {
        return classId >= 0 && classId < classes.size() ? classes.get(classId) : "class" + classId;
    }
}
