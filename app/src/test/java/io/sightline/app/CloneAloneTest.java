package io.sightline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clone of the project alone passes its tests and runs the README's commands: the tracked files
 * are copied into a folder with nothing beside it (no team data folder next to the project), every
 * {@code SIGHTLINE_*} variable is removed (so no PostgreSQL or broker is named), and the README's
 * test command runs there. Without Docker (as in CI), the tests must then start their servers
 * themselves (Zonky's PostgreSQL, HiveMQ CE for MQTT) and pass. The README's first command runs in
 * {@link ReadmeQuickStartTest}; this test also runs the commands of its "What to look at next" table
 * that work on the project's own data.
 */
class CloneAloneTest {

    /** A whole build with its tests, on two cores, on embedded servers; CI's own build took 4.5 min. */
    static final long VERIFY_TIMEOUT_MIN = 40;
    static final Pattern RESULTS = Pattern.compile("Tests run: (\\d+), Failures: (\\d+), Errors: (\\d+), Skipped: (\\d+)$");

    @TempDir
    Path workspace;

    @Test
    @Timeout(value = VERIFY_TIMEOUT_MIN + 10, unit = TimeUnit.MINUTES)
    void aCloneWithNothingBesideItPassesTheReadmesTestCommandOnEmbeddedServers() throws Exception {
        Path clone = workspace.resolve("sightline");
        ReadmeQuickStartTest.copyCleanCheckout(ReadmeQuickStartTest.root(), clone);
        try (Stream<Path> beside = Files.list(workspace)) {
            assertThat(beside).as("nothing beside the clone").containsExactly(clone);
        }

        String testCommand = ReadmeQuickStartTest.readmeCommands().get(1);
        List<String> command = new ArrayList<>(List.of(testCommand.split(" ")));
        // The two tests that copy the project run the build themselves; inside that build they would recurse. A -Dtest of
        // exclusions alone replaces Surefire's default includes with every class, so benchmarks, which the default run leaves
        // out by their name, are left out here by name too.
        command.add("-Dtest=!ReadmeQuickStartTest,!CloneAloneTest,!*Benchmark");
        command.add("-Dsurefire.failIfNoSpecifiedTests=false");
        Path log = workspace.resolve("verify.log");
        Process verify = start(clone, command, log);
        boolean finished = verify.waitFor(VERIFY_TIMEOUT_MIN, TimeUnit.MINUTES);
        if (!finished) {
            verify.descendants().forEach(ProcessHandle::destroyForcibly);
            verify.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(finished).as("'" + testCommand + "' within " + VERIFY_TIMEOUT_MIN + " min\n" + tail(output)).isTrue();
        assertThat(verify.exitValue()).as("'" + testCommand + "' in a clone alone\n" + failures(output) + tail(output)).isZero();
        assertThat(output).contains("BUILD SUCCESS");

        long run = 0;
        long skipped = 0;
        for (String line : output.split("\n")) {
            Matcher m = RESULTS.matcher(line.strip());
            // Module totals only: the lines without " -- in " sum each module's classes.
            if (m.find() && !line.contains(" -- in ")) {
                run += Long.parseLong(m.group(1));
                assertThat(Long.parseLong(m.group(2)) + Long.parseLong(m.group(3))).as(line).isZero();
                skipped += Long.parseLong(m.group(4));
            }
        }
        assertThat(run).as("tests run in the clone").isGreaterThan(300);
        assertThat(skipped).as("tests skipped in the clone: a test that needs a server never skips").isZero();
        // Where Docker runs, Testcontainers comes before the servers in the JVM; either way none was named.
        assertThat(output).as("PostgreSQL and the MQTT broker were found by the tests themselves, not named")
                .containsAnyOf("Tests use PostgreSQL from embedded PostgreSQL", "Tests use PostgreSQL from Testcontainers")
                .containsAnyOf("Tests use the MQTT broker from embedded HiveMQ CE", "Tests use the MQTT broker from Testcontainers")
                .doesNotContain("Tests use PostgreSQL from SIGHTLINE_TEST_JDBC_URL")
                .doesNotContain("Tests use the MQTT broker from SIGHTLINE_TEST_MQTT_URL");

        // The README's table, on the project's own data (the jar is built by the verify above).
        assertCommand(clone, workspace.resolve("scenarios.log"), "./sightline", "scenarios", "--dir", "scenarios", "--seeds", "2");
        assertCommand(clone, workspace.resolve("comma.log"), "./sightline", "replay-comma2k19",
                "samples/vehicle-signals/comma2k19-rav4-seg40", "--expect-no-fcw");
    }

    static void assertCommand(Path dir, Path log, String... command) throws Exception {
        Process p = start(dir, List.of(command), log);
        boolean finished = p.waitFor(10, TimeUnit.MINUTES);
        if (!finished) {
            p.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(finished && p.exitValue() == 0).as(String.join(" ", command) + " in the clone\n" + tail(output)).isTrue();
    }

    static Process start(Path dir, List<String> command, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("SIGHTLINE_") || k.startsWith("SPRING_") || k.startsWith("OTEL_")
                || k.startsWith("MAVEN_") || k.equals("TESTCONTAINERS_HOST_OVERRIDE") || k.equals("DOCKER_HOST"));
        return pb.start();
    }

    /**
     * Each failed test's report in the nested build, with the lines after it (its stack, or JUnit's thread dump after a
     * timeout): the tail alone shows only the reactor summary, and the clone's reports are gone with its folder.
     */
    static String failures(String output) {
        String[] lines = output.split("\n");
        StringBuilder sb = new StringBuilder();
        int budget = 600;
        for (int i = 0; i < lines.length && budget > 0; i++) {
            if (lines[i].contains("<<< FAILURE!") || lines[i].contains("<<< ERROR!")) {
                sb.append("--- a failure in the clone's build:\n");
                for (int j = i; j < Math.min(lines.length, i + 80) && budget > 0; j++, budget--) {
                    sb.append(lines[j]).append('\n');
                }
            }
        }
        return sb.toString();
    }

    static String tail(String output) {
        String[] lines = output.split("\n");
        int from = Math.max(0, lines.length - 150);
        return String.join("\n", java.util.Arrays.asList(lines).subList(from, lines.length));
    }
}
