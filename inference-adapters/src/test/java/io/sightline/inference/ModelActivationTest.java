package io.sightline.inference;

import io.sightline.domain.event.ModelRejected;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Pre-activation checks on copies of the real shipped models. */
class ModelActivationTest {
    @TempDir
    Path tmp;

    private Path copyModel(String folder) throws IOException {
        Path src = TestData.model(folder);
        Path dst = tmp.resolve(folder);
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        return dst;
    }

    @Test
    void shippedManifestsMatchTheirFiles() {
        for (String folder : new String[] {"yolox_nano", "fastestdet"}) {
            ModelManifest m = ModelManifest.read(TestData.model(folder).resolve("manifest.json"));
            Path weights = TestData.model(folder).resolve(m.file());
            assertThat(ModelLoader.sha256(weights)).as(folder).isEqualTo(m.sha256());
            assertThat(weights).as(folder).hasSize(m.bytes());
            assertThat(m.classes()).as(folder).hasSize(80);
            assertThat(TestData.model(folder).resolve("LICENSE")).exists();
            assertThat(TestData.model(folder).resolve("PROVENANCE.md")).exists();
        }
    }

    @Test
    void sha256MismatchIsRefusedNamingFileAndBothHashes() throws IOException {
        Path dir = copyModel("yolox_nano");
        Path onnx = dir.resolve("yolox_nano.onnx");
        byte[] bytes = Files.readAllBytes(onnx);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(onnx, bytes);
        String actual = ModelLoader.sha256(onnx);

        ModelRejectedException e = catchThrowableOfType(ModelRejectedException.class,
                () -> ModelLoader.activate(dir, "primary", SessionConfig.defaults()));
        assertThat(e.getMessage())
                .contains(onnx.toAbsolutePath().toString())
                .contains("sha256 mismatch")
                .contains("expected 695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14")
                .contains("actual " + actual);
        ModelRejected event = e.event();
        assertThat(event.modelName()).isEqualTo("yolox-nano");
        assertThat(event.expectedSha256()).isEqualTo("695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14");
        assertThat(event.actualSha256()).isEqualTo(actual);
        assertThat(event.modelPath()).isEqualTo(onnx.toAbsolutePath().toString());
        assertThat(event.reason()).isEqualTo(e.getMessage());
    }

    @Test
    void inputShapeDifferentFromTheManifestIsRefused() throws IOException {
        Path dir = copyModel("fastestdet");
        Path manifest = dir.resolve("manifest.json");
        String json = Files.readString(manifest, StandardCharsets.UTF_8);
        // the manifest claims YOLOX's 416×416 input for FastestDet's 352×352 graph
        String edited = json.replaceFirst("(?s)(\"input\"\\s*:\\s*\\{.*?\"shape\"\\s*:\\s*\\[)[^\\]]*\\]", "$11, 3, 416, 416]");
        assertThat(edited).isNotEqualTo(json);
        Files.writeString(manifest, edited, StandardCharsets.UTF_8);

        ModelRejectedException e = catchThrowableOfType(ModelRejectedException.class,
                () -> ModelLoader.activate(dir, "fallback", SessionConfig.defaults()));
        assertThat(e.getMessage())
                .contains(dir.resolve("FastestDet.onnx").toAbsolutePath().toString())
                .contains("input 'input.1' has shape [1, 3, 352, 352] in the ONNX graph but [1, 3, 416, 416] in the manifest");
        assertThat(e.event().actualSha256()).isEqualTo(e.event().expectedSha256());
    }

    @Test
    void activationRunsTheModelBeforeItServes() throws IOException {
        ActivatedModel activated = ModelLoader.activate(copyModel("yolox_nano"), "primary", SessionConfig.defaults());
        try (Detector detector = activated.detector()) {
            assertThat(activated.warmUpInferenceNanos()).hasSize(ModelLoader.WARM_UP_RUNS);
            assertThat(java.util.stream.LongStream.of(activated.warmUpInferenceNanos()).min().orElseThrow()).isPositive();
            StageTimes times = detector.lastTimes();
            assertThat(times.inferenceNanos).as("the warm-up ran the session").isPositive();
            assertThat(times.preprocessNanos).as("through the adapter's preprocessing").isPositive();
        }
    }

    @Test
    void aModelThatLoadsButCannotRunIsRefusedAtActivation() throws IOException {
        Path dir = copyModel("yolox_nano");
        Path onnx = dir.resolve("yolox_nano.onnx");
        Files.write(onnx, TinyOnnx.yoloxShapedWithAnInputTheAdapterNeverFeeds());
        Path manifest = dir.resolve("manifest.json");
        Files.writeString(manifest, Files.readString(manifest)
                .replace("695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14", ModelLoader.sha256(onnx))
                .replaceFirst("\"bytes\"\\s*:\\s*\\d+", "\"bytes\": " + Files.size(onnx)));

        ModelRejectedException e = catchThrowableOfType(ModelRejectedException.class,
                () -> ModelLoader.activate(dir, "primary", SessionConfig.defaults()));
        assertThat(e).as("a graph that loads and matches the manifest but cannot run").isNotNull();
        assertThat(e.getMessage())
                .contains(onnx.toAbsolutePath().toString())
                .contains("loads but cannot run on a 1280x720 frame")
                .contains("unused")
                .contains("check that every input of the graph is the manifest's input");
        assertThat(e.event().actualSha256()).isEqualTo(ModelLoader.sha256(onnx));
        assertThat(e.event().reason()).isEqualTo(e.getMessage());
    }

    @Test
    void wrongInputNameIsRefused() throws IOException {
        Path dir = copyModel("fastestdet");
        Path manifest = dir.resolve("manifest.json");
        Files.writeString(manifest, Files.readString(manifest).replace("\"input.1\"", "\"images\""));
        assertThatThrownBy(() -> ModelLoader.activate(dir, "fallback", SessionConfig.defaults()))
                .isInstanceOf(ModelRejectedException.class)
                .hasMessageContaining("manifest input name 'images' not in the ONNX graph, whose inputs are [input.1]");
    }

    @Test
    void missingModelFileAndManifestAreNamed() throws IOException {
        Path dir = copyModel("fastestdet");
        Files.delete(dir.resolve("FastestDet.onnx"));
        assertThatThrownBy(() -> ModelLoader.activate(dir, "fallback", SessionConfig.defaults()))
                .isInstanceOf(ModelRejectedException.class)
                .hasMessageContaining("model file not found: " + dir.resolve("FastestDet.onnx").toAbsolutePath());
        assertThatThrownBy(() -> ModelLoader.activate(tmp.resolve("nowhere"), "fallback", SessionConfig.defaults()))
                .isInstanceOf(ModelRejectedException.class)
                .hasMessageContaining("model manifest not found");
    }

    @Test
    void anInterpolationTheAdapterDoesNotImplementIsRefusedNotReplaced() throws IOException {
        Path dir = copyModel("fastestdet");
        Path manifest = dir.resolve("manifest.json");
        Files.writeString(manifest, Files.readString(manifest).replace("\"INTER_LINEAR\"", "\"INTER_CUBIC\""));
        assertThatThrownBy(() -> ModelLoader.activate(dir, "fallback", SessionConfig.defaults()))
                .isInstanceOf(ModelRejectedException.class)
                .hasMessageContaining(manifest.toString())
                .hasMessageContaining("input.interpolation (one of INTER_LINEAR, INTER_AREA, or absent for INTER_LINEAR)");
    }
}
