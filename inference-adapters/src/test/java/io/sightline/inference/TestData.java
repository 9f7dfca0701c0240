package io.sightline.inference;

import org.bytedeco.opencv.opencv_core.Mat;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

/** Locates the project's shipped models, samples and test stills; fails loudly when missing. */
public final class TestData {
    private TestData() {
    }

    public static Path projectDir() {
        String p = System.getProperty("sightline.project.dir");
        Path start = p != null ? Path.of(p) : Path.of("").toAbsolutePath();
        for (Path d = start.toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("models")) && Files.isDirectory(d.resolve("inference-adapters"))) {
                return d;
            }
        }
        throw new AssertionError("cannot find the project directory (with models/ and inference-adapters/) from " + start);
    }

    public static Path model(String folder) {
        return require(projectDir().resolve("models").resolve(folder));
    }

    public static Path sample(String file) {
        return require(projectDir().resolve("samples").resolve(file));
    }

    public static Path image(String name) {
        return require(projectDir().resolve("inference-adapters/src/test/resources/images").resolve(name));
    }

    public static Mat readImage(String name) {
        Path p = image(name);
        Mat m = imread(p.toString(), IMREAD_COLOR);
        if (m.empty()) {
            throw new AssertionError("OpenCV cannot decode test image " + p);
        }
        return m;
    }

    public static Path require(Path p) {
        if (!Files.exists(p)) {
            throw new AssertionError("required test data missing: " + p.toAbsolutePath()
                    + " (shipped with the project; see models/*/PROVENANCE.md and samples/PROVENANCE.md)");
        }
        return p;
    }
}
