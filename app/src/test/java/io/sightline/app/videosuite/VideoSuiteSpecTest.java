package io.sightline.app.videosuite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.sightline.edge.scenario.ScenarioSpecException;
import io.sightline.inference.ProjectHome;
import io.sightline.testkit.ProjectHomeExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.DoubleSummaryStatistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The suite format's checks, the shipped suites, and the lead's kinematics; no clip is made here. */
@ExtendWith(ProjectHomeExtension.class)
class VideoSuiteSpecTest {

    @TempDir
    Path dir;

    private static final String GOOD = """
            {"suite": "t", "groups": [{"id": "g", "expect": {"alert": "FORWARD_COLLISION", "minTtcS": 2.0, "maxTtcS": 4.0},
              "clips": ["udacity_ll_solidWhiteRight.mp4"], "durationS": 3.0, "egoSpeedMps": 25,
              "lead": {"widthM": WIDTH, "speedMps": 16, "initialTtcS": 3.8, "lateralM": 0.3}}]}
            """;

    private static VideoSuite parse(String json) throws ScenarioSpecException {
        return VideoSuite.parse(json, "t.json", "0", ProjectHome.get().resolve(VideoSuite.SAMPLES));
    }

    @Test
    void aNegativeWidthIsRefusedNamingTheField() {
        assertThatThrownBy(() -> parse(GOOD.replace("WIDTH", "{\"uniform\": [-0.5, 2.0]}")))
                .isInstanceOf(ScenarioSpecException.class)
                .hasMessage("t.json: field 'groups[0].lead.widthM' must be positive at every draw, but uniform(-0.5, 2) reaches -0.5");
        assertThatThrownBy(() -> parse(GOOD.replace("WIDTH", "-1.8")))
                .hasMessageContaining("field 'groups[0].lead.widthM' must be positive");
    }

    @Test
    void aMinimumAboveTheMaximumIsRefusedNamingTheField() {
        assertThatThrownBy(() -> parse(GOOD.replace("WIDTH", "{\"uniform\": [2.0, 1.6]}")))
                .hasMessage("t.json: field 'groups[0].lead.widthM.uniform' min 2 must be below max 1.6");
    }

    @Test
    void anUnknownClipIsRefusedNamingTheFieldAndTheBundledClips() {
        assertThatThrownBy(() -> parse(GOOD.replace("WIDTH", "1.8").replace("udacity_ll_solidWhiteRight.mp4", "dashcam.mp4")))
                .hasMessageStartingWith("t.json: field 'groups[0].clips[0]' unknown clip 'dashcam.mp4' (bundled: ")
                .hasMessageContaining("udacity_vd_test_video.mp4");
        assertThatThrownBy(() -> parse(GOOD.replace("WIDTH", "1.8").replace("udacity_ll_solidWhiteRight.mp4", "../pom.xml")))
                .hasMessageContaining("field 'groups[0].clips[0]' unknown clip");
    }

    @Test
    void otherImpossibleScriptsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> parse(GOOD.replace("WIDTH", "1.8").replace("\"speedMps\": 16", "\"speedMps\": 30")))
                .as("a TTC needs a lead the ego closes on").hasMessageContaining("field 'groups[0].lead.initialTtcS' needs the ego faster");
        assertThatThrownBy(() -> parse(GOOD.replace("WIDTH", "1.8").replace("\"lateralM\": 0.3", "\"lateralM\": 0.3, \"decelMps2\": 3")))
                .hasMessageContaining("field 'groups[0].lead.brakeAtS' is required with decelMps2");
        assertThatThrownBy(() -> parse(GOOD.replace("WIDTH", "1.8").replace("\"lateralM\": 0.3", "\"lateralM\": 0.3, \"wheels\": 4")))
                .hasMessageContaining("field 'groups[0].lead.wheels' is not a field here");
        assertThatThrownBy(() -> parse(GOOD.replace("WIDTH", "1.8").replace("\"minTtcS\": 2.0, \"maxTtcS\": 4.0", "\"minTtcS\": 4.0, \"maxTtcS\": 2.0")))
                .hasMessageContaining("field 'groups[0].expect.maxTtcS' min 4 must be below max 2");
    }

    @Test
    void anImpossibleSuiteIsOneLineOnTheCommandLineAndNothingRuns() throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, GOOD.replace("WIDTH", "{\"uniform\": [2.0, 1.6]}"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path report = dir.resolve("report");
        int code = new CommandLine(new VideoSuiteCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(file.toString(), "--out", report.toString());
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().strip()).doesNotContain("\n")
                .isEqualTo("video-suite: " + file + ": field 'groups[0].lead.widthM.uniform' min 2 must be below max 1.6");
        assertThat(out.toString()).isEmpty();
        assertThat(report).as("nothing ran, nothing was written").doesNotExist();
    }

    @Test
    void anUnknownSuiteNamesTheShippedOnes() {
        StringWriter err = new StringWriter();
        int code = new CommandLine(new VideoSuiteCommand()).setErr(new PrintWriter(err)).execute("nightly");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("video-suite: scenarios/video-suites/nightly.json: no video suite 'nightly';"
                + " shipped: ci, full");
    }

    @Test
    void theShippedSuitesParseAndTheFullOneVariesTheLeadsWidthAroundTheRangePrior() throws Exception {
        Path home = ProjectHome.get();
        VideoSuite ci = VideoSuite.load("ci", home);
        VideoSuite full = VideoSuite.load("full", home);
        assertThat(ci.groups()).hasSize(3);
        VideoSuiteRunner runner = new VideoSuiteRunner(home);
        DoubleSummaryStatistics widths = new DoubleSummaryStatistics();
        int benign = 0;
        for (int g = 0; g < full.groups().size(); g++) {
            VideoSuite.Group group = full.groups().get(g);
            benign += group.family().kind() == io.sightline.eval.family.ScenarioFamily.Kind.BENIGN ? 1 : 0;
            for (int c = 0; c < group.clips().size(); c++) {
                for (long s = full.seed(); s < full.seed() + full.casesPerClip(); s++) {
                    VideoSuiteRunner.Case k = runner.resolve(full, g, c, s);
                    widths.accept(k.script().widthM());
                    assertThat(k.id()).isEqualTo(group.family().id() + "/c" + c + "/s" + s);
                    // The same id draws the same case: what --rerun relies on.
                    assertThat(runner.resolve(full, g, c, s).values()).containsExactly(k.values());
                }
            }
        }
        assertThat(widths.getMin()).isBetween(1.6, 1.7);
        assertThat(widths.getMax()).isBetween(1.9, 2.0);
        assertThat(benign).isGreaterThanOrEqualTo(4);
        assertThat(full.groups().stream().flatMap(g -> g.clips().stream()).distinct())
                .containsExactlyInAnyOrder("udacity_ll_solidWhiteRight.mp4", "udacity_vd_test_video.mp4");
    }

    @Test
    void theLeadsSpeedProfileAndLaneChangeAreExact() {
        // 25 m/s ego, lead at 25 m/s 30 m ahead braking at 3 m/s² from 1 s: the gap shrinks by 1.5 τ² until the lead stops.
        LeadScript s = new LeadScript(25, 25, 30, 0.3, 1.0, 3.0, 2.0, -3.4, 2.5, 1.8, 1.2);
        assertThat(s.gapM(1.0)).isCloseTo(30, within(1e-9));
        assertThat(s.gapM(3.0)).isCloseTo(30 - 1.5 * 4, within(1e-9));
        // True TTC as the scenario runner's: the time left until the gap closes on the script, here
        // 1.5 τ² = 30 at τ = √20 after the braking starts (the lead is still moving then).
        double collisionAt = 1.0 + Math.sqrt(20);
        assertThat(s.gapM(collisionAt)).isCloseTo(0, within(1e-9));
        assertThat(s.ttcS(3.0)).isCloseTo(collisionAt - 3.0, within(1e-9));
        assertThat(s.ttcS(0.5)).isCloseTo(collisionAt - 0.5, within(1e-9));
        // Constant speeds: gap over closing speed, as hazard-clip's truth.
        LeadScript slower = new LeadScript(25, 16, 40, 0.3, Double.POSITIVE_INFINITY, 0, Double.POSITIVE_INFINITY, 0.3, 1, 1.8, 1.2);
        assertThat(slower.ttcS(1.0)).isCloseTo(31.0 / 9, within(1e-9));
        // A lead that stops before the ego reaches it: braking phase, then a standing target.
        LeadScript stops = new LeadScript(25, 10, 60, 0.3, 0, 5, Double.POSITIVE_INFINITY, 0.3, 1, 1.8, 1.2);
        double gapAtStop = 60 + (10 * 2 - 5 * 2 * 2 / 2.0) - 25 * 2;
        assertThat(stops.gapM(2.0)).isCloseTo(gapAtStop, within(1e-9));
        assertThat(stops.ttcS(0)).isCloseTo(2.0 + gapAtStop / 25, within(1e-9));
        assertThat(new LeadScript(25, 28, 20, 0.3, Double.POSITIVE_INFINITY, 0, Double.POSITIVE_INFINITY, 0.3, 1, 1.8, 1.2).ttcS(1))
                .as("pulling away").isInfinite();
        // Stopped after 25/3 s of braking: from then on the ego closes at its own speed.
        double stop = 1.0 + 25.0 / 3.0;
        assertThat(s.gapM(stop + 1) - s.gapM(stop + 2)).isCloseTo(25, within(1e-9));
        assertThat(s.lateralM(2.0)).isEqualTo(0.3);
        assertThat(s.lateralM(3.0)).isCloseTo(0.3 - 2.5, within(1e-9));
        assertThat(s.lateralM(10.0)).isEqualTo(-3.4);
        assertThat(s.inEgoPath(2.0, 0.9)).isTrue();
        assertThat(s.inEgoPath(10.0, 0.9)).isFalse();
    }
}
