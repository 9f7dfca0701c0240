package io.sightline.runtime;

import io.sightline.inference.cli.InferenceCli;

import io.sightline.inference.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DetectCommandTest {
    @TempDir
    Path tmp;
    private String oldHome;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void home() {
        oldHome = System.getProperty("sightline.home");
        System.setProperty("sightline.home", TestData.projectDir().toString());
    }

    @AfterEach
    void restore() {
        if (oldHome == null) System.clearProperty("sightline.home");
        else System.setProperty("sightline.home", oldHome);
    }

    private int run(String... args) {
        CommandLine cl = InferenceCli.commandLine(new DetectCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void imageJson() {
        int rc = run("--image", TestData.image("test1.jpg").toString(), "--json");
        assertThat(rc).isZero();
        assertThat(out.toString().trim())
                .startsWith("[{\"class\":\"car\",\"score\":0.88")
                .contains("\"box\":[1050.")
                .endsWith("]}]");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void videoNdjsonWithSummary() throws Exception {
        Path nd = tmp.resolve("out.ndjson");
        int rc = run("--video", TestData.sample("udacity_vd_test_video.mp4").toString(), "--model", "fastestdet",
                "--max-frames", "4", "--out", nd.toString());
        assertThat(rc).as(err.toString()).isZero();
        List<String> lines = Files.readAllLines(nd);
        assertThat(lines).hasSize(4);
        assertThat(lines.get(1)).startsWith("{\"frameIndex\":1,\"captureTimeNanos\":40000000,\"detections\":[{\"class\":\"car\"");
        assertThat(out.toString()).contains("4 frames").contains("decode").contains("preprocess")
                .contains("inference").contains("postprocess").contains("p99");
    }

    @Test
    void errorsAreOneLineNonZeroWithoutStackTrace() throws Exception {
        Path random = tmp.resolve("random.mp4");
        Files.write(random, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        String[][] cases = {
                {"--image", tmp.resolve("missing.jpg").toString()},
                {"--video", tmp.resolve("missing.mp4").toString()},
                {"--video", random.toString()},
                {"--image", TestData.image("test1.jpg").toString(), "--model", "no-such-model"},
        };
        for (String[] c : cases) {
            err.getBuffer().setLength(0);
            int rc = run(c);
            assertThat(rc).as(Arrays.toString(c)).isEqualTo(DetectCommand.EXIT_ERROR);
            String e = err.toString().trim();
            assertThat(e).as(Arrays.toString(c)).startsWith("error: ").doesNotContain("\n").doesNotContain("\tat ");
        }
    }

    @Test
    void truncatedVideoWritesWhatItGotAndExitsThree() throws Exception {
        byte[] all = Files.readAllBytes(TestData.sample("udacity_vd_test_video.mp4"));
        Path cut = tmp.resolve("cut.mp4");
        Files.write(cut, Arrays.copyOf(all, all.length / 3));
        Path nd = tmp.resolve("cut.ndjson");
        int rc = run("--video", cut.toString(), "--model", "fastestdet", "--out", nd.toString());
        assertThat(rc).isEqualTo(DetectCommand.EXIT_TRUNCATED);
        long lines = Files.readAllLines(nd).size();
        assertThat(lines).isPositive().isLessThan(38);
        assertThat(err.toString()).contains("ended early: decoded " + lines + " of 38");
    }
}
