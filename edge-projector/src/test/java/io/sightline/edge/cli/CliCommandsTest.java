package io.sightline.edge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.edge.mot.MotCsv;
import io.sightline.edge.mot.MotEvaluator;
import io.sightline.edge.mot.MotSummary;
import io.sightline.edge.testdata.TudCampus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliCommandsTest {

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

    private static double jsonNumber(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":([-0-9.eE]+)").matcher(json);
        assertThat(m.find()).as("key %s in %s", key, json).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void motEvalPrintsEveryPromisedKeyWithTheReferenceValues() {
        int code = run(new MotEvalCommand(), "--gt", TudCampus.gt().toString(),
                "--res", TudCampus.test().toString(), "--iou", "0.5");
        assertThat(code).as(err.toString()).isZero();
        String json = out.toString().strip();
        assertThat(json).startsWith("{").endsWith("}");
        for (String key : new String[] {"mota", "motp", "idf1", "idp", "idr", "recall", "precision",
            "fp", "fn", "idsw", "fm", "gt", "mt", "pt", "ml", "hota", "deta", "assa"}) {
            jsonNumber(json, key);
        }
        assertThat(jsonNumber(json, "mota")).isBetween(0.5255, 0.5275);
        assertThat(jsonNumber(json, "idf1")).isBetween(0.5567, 0.5587);
        assertThat(jsonNumber(json, "hota")).isBetween(0.3904, 0.3924);
        assertThat(jsonNumber(json, "fp")).isEqualTo(13);
        assertThat(jsonNumber(json, "idsw")).isEqualTo(7);
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void dropZeroFlagRemovesFlaggedGroundTruth() throws IOException {
        Path gt = dir.resolve("gt.txt");
        Files.writeString(gt, "1,1,0,0,10,10,1\n1,2,50,50,10,10,0\n");
        Path res = dir.resolve("res.txt");
        Files.writeString(res, "1,7,0,0,10,10,-1\n");
        assertThat(run(new MotEvalCommand(), "--gt", gt.toString(), "--res", res.toString())).isZero();
        assertThat(jsonNumber(out.toString(), "fn")).isEqualTo(1);
        out.getBuffer().setLength(0);
        assertThat(run(new MotEvalCommand(), "--gt", gt.toString(), "--res", res.toString(),
                "--drop-zero-flag")).isZero();
        assertThat(jsonNumber(out.toString(), "fn")).isZero();
        assertThat(jsonNumber(out.toString(), "mota")).isEqualTo(1.0);
    }

    @Test
    void trackWritesResultsThatBeatSortAndReportsSpeed() throws IOException {
        Path res = dir.resolve("res.txt");
        int code = run(new TrackCommand(), "--det", TudCampus.det().toString(), "--out", res.toString(),
                "--frame-rate", "25");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("tracked 71 frames").containsPattern("[0-9]+ frames/s");
        MotSummary s = new MotEvaluator(0.5, false).evaluate(MotCsv.read(TudCampus.gt()), MotCsv.read(res));
        assertThat(s.mota()).isGreaterThan(0.6267);
        assertThat(s.idf1()).isGreaterThan(0.6065);
    }

    @Test
    void malformedInputGivesOneLineNamingFileAndLineAndNonZeroExit() throws IOException {
        Path det = dir.resolve("det.txt");
        Files.writeString(det, "1,-1,1,2,3,4,0.9\n2,-1,1,2,three,4,0.9\n");
        int code = run(new TrackCommand(), "--det", det.toString(), "--out", dir.resolve("o.txt").toString());
        assertThat(code).isNotZero();
        String msg = err.toString();
        assertThat(msg.lines().count()).as(msg).isEqualTo(1);
        assertThat(msg).contains(det + ":2:").contains("width is not a number: 'three'")
                .doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(Files.exists(dir.resolve("o.txt"))).isFalse();
    }

    @Test
    void missingFileGivesOneLineAndNonZeroExit() {
        Path missing = dir.resolve("nope.txt");
        int code = run(new MotEvalCommand(), "--gt", missing.toString(), "--res", missing.toString());
        assertThat(code).isNotZero();
        assertThat(err.toString().strip()).isEqualTo("mot-eval: " + missing + ": no such file");
    }

    @Test
    void badOptionValueIsAUsageError() {
        int code = run(new MotEvalCommand(), "--gt", "a", "--res", "b", "--iou", "1.5");
        assertThat(code).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--iou must be in (0, 1], got 1.5").doesNotContain("\tat ");
    }
}
