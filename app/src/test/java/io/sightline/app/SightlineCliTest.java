package io.sightline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SightlineCliTest {

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = SightlineCli.execute(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void versionPrintsTheBuildVersion() {
        Run r = run("version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("sightline 0.1.0").doesNotContain("${");
    }

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("version", "demo", "bench");
    }

    @Test
    void badArgumentsExitNonZeroWithOneClearLineAndNoStackTrace() {
        Run r = run("demo", "ingest", "--events", "1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("sightline: error: --events must be >= 3").doesNotContain("\tat ");
        Run unknown = run("frobnicate");
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.err()).contains("frobnicate");
    }
}
