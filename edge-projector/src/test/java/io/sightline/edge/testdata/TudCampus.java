package io.sightline.edge.testdata;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the TUD-Campus MOTChallenge files. The copies under {@code src/test/resources} are
 * preferred so the tests are self-contained; otherwise the shared data directory
 * ({@code $SIGHTLINE_SHARED_DIR}, else {@code <project root>/../shared}) is used. A missing file is
 * a test failure, never a skip: silently skipping would hide that the checks against the reference
 * values stopped running.
 */
public final class TudCampus {

    private TudCampus() {
    }

    public static Path gt() {
        return file("gt.txt");
    }

    public static Path test() {
        return file("test.txt");
    }

    public static Path det() {
        return file("det.txt");
    }

    public static Path file(String name) {
        URL resource = TudCampus.class.getResource("/mot/TUD-Campus/" + name);
        if (resource != null && "file".equals(resource.getProtocol())) {
            try {
                return Path.of(resource.toURI());
            } catch (URISyntaxException e) {
                throw new IllegalStateException("bad resource URL " + resource, e);
            }
        }
        Path shared = sharedDir().resolve("data/mot/TUD-Campus").resolve(name);
        if (!Files.isRegularFile(shared)) {
            throw new AssertionError("TUD-Campus file '" + name + "' is missing: not in test resources "
                    + "(/mot/TUD-Campus/) and not at " + shared.toAbsolutePath()
                    + ". Set SIGHTLINE_SHARED_DIR to the directory holding data/mot/TUD-Campus.");
        }
        return shared;
    }

    private static Path sharedDir() {
        String env = System.getenv("SIGHTLINE_SHARED_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String projectDir = System.getProperty("sightline.project.dir");
        Path root = projectDir != null ? Path.of(projectDir) : Path.of("").toAbsolutePath().getParent();
        return root.resolve("../shared").normalize();
    }
}
