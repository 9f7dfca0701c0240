package io.sightline.edge.testdata;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the project's scenario examples ({@code scenarios/}) and the comma2k19 excerpt
 * ({@code samples/vehicle-signals/}): one copy each, in the project, read by the tests, the README's
 * commands and the docs alike. A missing file fails the test with the path it looked at, never skips it.
 */
public final class SafetyTestData {

    private SafetyTestData() {
    }

    /** The example scenarios. */
    public static Path scenarioDir() {
        return projectPath("scenarios", "nhtsa-fcw-lead-stopped.json");
    }

    /** The comma2k19 segment excerpt (processed_log/CAN/{speed,radar}). */
    public static Path comma2k19Segment() {
        return projectPath("samples/vehicle-signals/comma2k19-rav4-seg40", "processed_log/CAN/radar/value");
    }

    /** The project root: Maven's {@code sightline.project.dir}, else the parent of the module directory. */
    public static Path projectDir() {
        String projectDir = System.getProperty("sightline.project.dir");
        Path cwd = Path.of("").toAbsolutePath();
        if (projectDir != null) {
            return Path.of(projectDir);
        }
        return Files.isDirectory(cwd.resolve("scenarios")) ? cwd : cwd.getParent();
    }

    private static Path projectPath(String dir, String probe) {
        Path p = projectDir().resolve(dir);
        if (!Files.isRegularFile(p.resolve(probe))) {
            throw new AssertionError("project data " + p.resolve(probe).toAbsolutePath() + " is missing: it is part of the"
                    + " repository (git checkout -- " + dir + ")");
        }
        return p;
    }
}
