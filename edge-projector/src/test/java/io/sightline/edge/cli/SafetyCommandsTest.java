package io.sightline.edge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.edge.testdata.SafetyTestData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SafetyCommandsTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Object command, String... args) {
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void scenariosPrintsTheTableWritesTheReportAndExitsZero() throws Exception {
        Path report = dir.resolve("report.json");
        int code = run(new ScenariosCommand(), "--dir", SafetyTestData.scenarioDir().toString(), "--seeds", "2",
                "--out", report.toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("nhtsa-fcw-lead-braking").contains("2/2").contains("8 of 8 scenarios passed");
        String json = Files.readString(report);
        for (String key : new String[] {"\"id\"", "\"seed\"", "\"passed\"", "\"firstAlert\"", "\"kind\"", "\"atS\"",
            "\"ttcTrueS\"", "\"collisionAtS\"", "\"alerts\"", "\"reason\""}) {
            assertThat(json).contains(key);
        }
    }

    @Test
    void failingScenarioExitsNonZero() throws Exception {
        Path f = dir.resolve("wrong.json");
        Files.writeString(f, Files.readString(SafetyTestData.scenarioDir().resolve("benign-safe-following.json"))
                .replace("\"noAlert\": true", "\"alert\": \"FOLLOWING_DISTANCE\", \"withinS\": [0.0, 30.0]"));
        assertThat(run(new ScenariosCommand(), "--file", f.toString())).isEqualTo(ScenariosCommand.SCENARIO_FAILED);
        assertThat(out.toString()).contains("FAIL").contains("no FOLLOWING_DISTANCE alert");
    }

    @Test
    void invalidSpecIsOneLineNamingTheField() throws Exception {
        Path f = dir.resolve("nan.json");
        Files.writeString(f, Files.readString(SafetyTestData.scenarioDir().resolve("vru-pedestrian-crossing.json"))
                .replace("\"widthM\": 0.5", "\"widthM\": NaN"));
        assertThat(run(new ScenariosCommand(), "--file", f.toString())).isEqualTo(CliErrors.INPUT_ERROR);
        assertThat(err.toString().strip()).startsWith("scenarios: ").contains("actors[0].widthM").contains("NaN")
                .doesNotContain("Exception");
        assertThat(run(new ScenariosCommand(), "--dir", "a", "--file", "b")).isEqualTo(CommandLine.ExitCode.USAGE);
    }

    @Test
    void replayComma2k19RaisesNoForwardCollisionWarning() {
        int code = run(new ReplayComma2k19Command(), SafetyTestData.comma2k19Segment().toString(), "--expect-no-fcw");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("FORWARD_COLLISION      0 alert(s)").contains("10100 radar rows");
        assertThat(run(new ReplayComma2k19Command(), dir.toString())).isEqualTo(CliErrors.INPUT_ERROR);
        assertThat(err.toString()).contains("processed_log/CAN");
    }
}
