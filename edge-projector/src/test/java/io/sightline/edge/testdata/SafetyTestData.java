package io.sightline.edge.testdata;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the scenario examples and the comma2k19 excerpt: the copies in test resources first, the
 * shared directory ({@code $SIGHTLINE_SHARED_DIR}, else {@code <project root>/../shared}) for the
 * originals. A missing file fails the test with the path it looked at, never skips it.
 */
public final class SafetyTestData {

    private SafetyTestData() {
    }

    /** The test copies of the example scenarios. */
    public static Path scenarioDir() {
        return resourceDir("/scenarios", "nhtsa-fcw-lead-stopped.json");
    }

    /** The comma2k19 segment excerpt (processed_log/CAN/{speed,radar}). */
    public static Path comma2k19Segment() {
        return resourceDir("/comma2k19/rav4-seg40", "processed_log/CAN/radar/value");
    }

    /** The shared originals of the example scenarios. */
    public static Path sharedScenarioDir() {
        Path dir = sharedDir().resolve("scenarios");
        if (!Files.isRegularFile(dir.resolve("README.md"))) {
            throw new AssertionError("shared scenarios are missing at " + dir.toAbsolutePath()
                    + ". Set SIGHTLINE_SHARED_DIR to the directory holding scenarios/ and data/.");
        }
        return dir;
    }

    private static Path resourceDir(String dir, String probe) {
        URL url = SafetyTestData.class.getResource(dir + "/" + probe);
        if (url == null || !"file".equals(url.getProtocol())) {
            throw new AssertionError("test resource " + dir + "/" + probe + " is missing from the test classpath");
        }
        try {
            Path p = Path.of(url.toURI());
            for (String ignored : probe.split("/")) {
                p = p.getParent();
            }
            return p;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path sharedDir() {
        String env = System.getenv("SIGHTLINE_SHARED_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String projectDir = System.getProperty("sightline.project.dir");
        Path root = projectDir != null ? Path.of(projectDir) : Path.of("").toAbsolutePath().getParent();
        return root.resolve("../shared").normalize();
    }
}
