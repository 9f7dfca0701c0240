package io.sightline.edge.testdata;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/**
 * Locates the TUD-Campus MOTChallenge files in the test resources (MOT15 is CC BY-NC-SA: it stays
 * a test fixture, see {@code mot/ATTRIBUTION.md}). A missing file is a test failure, never a skip:
 * silently skipping would hide that the checks against the reference values stopped running.
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
        throw new AssertionError("TUD-Campus file '" + name + "' is missing from the test resources (/mot/TUD-Campus/,"
                + " edge-projector/src/test/resources/mot/TUD-Campus in the repository)");
    }
}
