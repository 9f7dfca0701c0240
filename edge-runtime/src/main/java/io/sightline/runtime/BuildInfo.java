package io.sightline.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version, recorded in every DriveSessionStarted as the edge's software version. */
public final class BuildInfo {

    private BuildInfo() {
    }

    public static String version() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/sightline-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // Fall through to "unknown": the version file is part of the jar, never user input.
        }
        return p.getProperty("version", "unknown");
    }

    /** What {@code --version} prints: the program and build, the Java runtime, the OS. */
    public static String[] versionLines(String program) {
        return new String[] {
                program + " " + version(),
                "java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
                "os " + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
    }
}
