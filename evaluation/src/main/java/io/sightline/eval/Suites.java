package io.sightline.eval;

import io.sightline.edge.scenario.ScenarioSpecException;
import io.sightline.eval.family.FamilyParser;
import io.sightline.eval.family.ScenarioFamily;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The shipped suites: each is a folder of family files under {@code scenarios/families/}, named
 * like the suite; {@code all} is every suite in this order.
 */
public final class Suites {

    public static final List<String> NAMES = List.of("nhtsa-fcw", "euro-ncap-ccr", "hazards", "benign", "rolling-stop");
    public static final String ALL = "all";

    /** A suite name that is none of {@link #NAMES} nor {@link #ALL}. */
    public static final class UnknownSuiteException extends Exception {
        UnknownSuiteException(String name) {
            super("unknown suite '" + name + "' (known: " + String.join(", ", NAMES) + ", " + ALL + ")");
        }
    }

    private Suites() {
    }

    /** The families folder: {@code scenarios/families} under the launcher's home, else under the working directory. */
    public static Path defaultDir() {
        String home = System.getProperty("sightline.home");
        Path base = home == null ? Path.of("") : Path.of(home);
        return base.resolve("scenarios").resolve("families");
    }

    public static void check(String suite) throws UnknownSuiteException {
        if (!suite.equals(ALL) && !NAMES.contains(suite)) {
            throw new UnknownSuiteException(suite);
        }
    }

    /** The family files of a suite, sorted by name within each suite folder. */
    public static List<Path> files(Path familiesDir, String suite) throws IOException, UnknownSuiteException {
        check(suite);
        List<Path> files = new ArrayList<>();
        for (String s : suite.equals(ALL) ? NAMES : List.of(suite)) {
            Path dir = familiesDir.resolve(s);
            if (!Files.isDirectory(dir)) {
                throw new IOException(dir + ": no such folder (the suite's families live there)");
            }
            try (Stream<Path> st = Files.list(dir)) {
                files.addAll(st.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList());
            }
        }
        return files;
    }

    /** Parses every family of a suite before anything runs. */
    public static List<ScenarioFamily> load(Path familiesDir, String suite)
            throws IOException, UnknownSuiteException, ScenarioSpecException {
        List<ScenarioFamily> families = new ArrayList<>();
        for (Path f : files(familiesDir, suite)) {
            families.add(FamilyParser.parse(f, f.getParent().getFileName().toString(), displayName(f)));
        }
        checkUniqueIds(families);
        return families;
    }

    /**
     * How reports name a shipped family: relative to the project (the launcher's home) or the working
     * directory when it lies inside them, so that report.json does not depend on where the project is.
     */
    static String displayName(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        String home = System.getProperty("sightline.home");
        for (Path base : home == null ? List.of(Path.of("").toAbsolutePath())
                : List.of(Path.of(home).toAbsolutePath().normalize(), Path.of("").toAbsolutePath())) {
            if (abs.startsWith(base)) {
                return base.relativize(abs).toString().replace('\\', '/');
            }
        }
        return file.toString();
    }

    public static void checkUniqueIds(List<ScenarioFamily> families) throws ScenarioSpecException {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (ScenarioFamily f : families) {
            if (!ids.add(f.id())) {
                throw new ScenarioSpecException(f.file(), "id", "'" + f.id() + "' is the id of another family in this evaluation");
            }
        }
    }
}
