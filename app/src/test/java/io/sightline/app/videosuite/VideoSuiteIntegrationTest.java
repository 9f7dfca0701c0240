package io.sightline.app.videosuite;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.testkit.HeadlessChromium;
import io.sightline.testkit.ProjectHomeExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import picocli.CommandLine;

/**
 * The shipped {@code ci} video suite, end to end as a user runs it: each case composited into the
 * bundled road clip, encoded, then decoded by FFmpeg and run through YOLOX-nano, the tracker,
 * range/TTC, the shipped policy and actuation; the report written with evaluate's builder.
 */
@ExtendWith(ProjectHomeExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VideoSuiteIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private int exitCode;
    private String stdout;
    private JsonNode report;
    private JsonNode cases;

    @BeforeAll
    void runTheCiSuite() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        exitCode = new CommandLine(new VideoSuiteCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("ci", "--out", dir.resolve("report").toString());
        stdout = out.toString();
        assertThat(err.toString()).as("progress").contains("[3/3]");
        report = JSON.readTree(dir.resolve("report/report.json").toFile());
        cases = JSON.readTree(dir.resolve("report/cases.json").toFile());
    }

    private JsonNode caseOf(String group) {
        for (JsonNode c : cases.path("cases")) {
            if (c.path("group").asText().equals(group)) {
                return c;
            }
        }
        throw new AssertionError("no case of " + group + " in " + cases);
    }

    private JsonNode familyOf(String id) {
        for (JsonNode f : report.path("families")) {
            if (f.path("id").asText().equals(id)) {
                return f;
            }
        }
        throw new AssertionError("no family " + id);
    }

    @Test
    void anInPathSlowerLeadIsWarnedOnItsTrackInTime() {
        JsonNode c = caseOf("in-path-slower-lead");
        assertThat(c.path("passed").asBoolean()).as(c.path("reason").asText()).isTrue();
        JsonNode warning = c.path("alerts").get(0);
        assertThat(warning.path("kind").asText()).isEqualTo("FORWARD_COLLISION");
        assertThat(warning.path("onLeadTrack").asBoolean()).isTrue();
        assertThat(warning.path("trueTtcS").asDouble()).isBetween(2.0, 4.0);
        JsonNode hazard = familyOf("in-path-slower-lead").path("hazard");
        assertThat(hazard.path("warned").asInt()).isEqualTo(1);
        assertThat(hazard.path("ttcMinS").asDouble()).isEqualTo(warning.path("trueTtcS").asDouble());
        // One clean run bounds the miss rate at 95 % only: the bound is Clopper–Pearson's, not the point estimate.
        assertThat(hazard.path("missRateUpper95").asDouble()).isEqualTo(0.95);
    }

    @Test
    void aBenignAdjacentLaneLeadIsNotWarned() {
        JsonNode c = caseOf("adjacent-lane-slower-car");
        assertThat(c.path("alerts")).as(c.path("reason").asText()).isEmpty();
        assertThat(c.path("rangeError").path("framesTracked").asInt()).as("the detector saw the composited car").isPositive();
        assertThat(familyOf("adjacent-lane-slower-car").path("benign").path("falseAlertRuns").asInt()).isZero();
    }

    @Test
    void theRangeEstimatedOnTheLeadIsReportedAgainstTheTruth() {
        JsonNode all = cases.path("rangeError").path("all");
        assertThat(all.path("framesTracked").asInt()).isPositive().isLessThanOrEqualTo(all.path("framesDrawn").asInt());
        // The sprite's bottom sits exactly on the ground-plane row of the true gap; the fused range
        // stays within metres of it even when the width prior is off.
        assertThat(all.path("medianAbsErrorM").asDouble()).isLessThan(2.0);
        JsonNode lead = caseOf("in-path-slower-lead").path("parameters").path("widthM");
        assertThat(lead.asDouble()).as("the suite draws the width, not the prior's 1.8 m").isNotEqualTo(1.8).isBetween(1.6, 2.0);
        assertThat(stdout).contains("range on the lead's track against the true gap");
    }

    @Test
    void everyFailingCaseIsPrintedWithTheCommandThatRunsItAlone() {
        int failed = 0;
        for (JsonNode c : cases.path("cases")) {
            if (!c.path("passed").asBoolean()) {
                failed++;
                String id = c.path("id").asText();
                assertThat(stdout).contains("FAIL " + id + ": ").contains("./sightline video-suite ci --rerun " + id);
                assertThat(dir.resolve("report/clips/" + id.replace('/', '_') + ".mp4")).as("its clip is kept").exists();
            }
        }
        assertThat(report.path("totals").path("failedRuns").asInt()).isEqualTo(failed);
        assertThat(exitCode).isEqualTo(failed == 0 ? 0 : 3);
    }

    @Test
    void theHtmlReportIsSelfContainedAndListsTheCases() throws Exception {
        String html = Files.readString(dir.resolve("report/report.html"));
        assertThat(html).contains("echarts").doesNotContain("<script src=").contains("id=\"video-cases\"")
                .contains("in-path-slower-lead/c0/s1").contains("./sightline video-suite ci --rerun ID");
        assertThat(report.path("tool").asText()).isEqualTo("sightline video-suite");
    }

    @Test
    void theHtmlReportRendersOfflineInChromiumWithItsCharts() throws Exception {
        try (HeadlessChromium browser = HeadlessChromium.start(1300, 1000)) {
            browser.driver.get(dir.resolve("report/report.html").toUri().toString());
            Object drawn = browser.driver.executeScript("return document.body.dataset.chartsDrawn || null");
            assertThat(drawn).as("the chart script ran; console:\n" + browser.console()).isNotNull();
            // A heat map per group (its clips are the grid) and the TTC histogram of the warned hazard group.
            List<WebElement> charts = browser.driver.findElements(By.cssSelector("div.chart"));
            assertThat(charts).hasSize(4);
            for (WebElement chart : charts) {
                assertThat(chart.findElements(By.tagName("svg"))).as(chart.getAttribute("id")).hasSize(1);
            }
            assertThat(browser.driver.findElement(By.id("ttc-0")).getText()).contains("protocol minimum 2 s");
            assertThat(browser.driver.findElement(By.id("video-range")).getText()).contains("lead width");
            assertThat(browser.driver.findElement(By.id("video-cases")).getText()).contains("adjacent-lane-slower-car/c0/s1");
            assertThat(browser.console()).doesNotContain("SEVERE");
        }
    }

    @Test
    void theSameSuiteAndSeedGiveTheSameReportBytes() throws Exception {
        int again = new CommandLine(new VideoSuiteCommand()).setOut(new PrintWriter(new StringWriter()))
                .setErr(new PrintWriter(new StringWriter())).execute("ci", "--out", dir.resolve("again").toString());
        assertThat(again).isEqualTo(exitCode);
        for (String f : List.of("report.json", "cases.json")) {
            assertThat(Files.readAllBytes(dir.resolve("again").resolve(f))).as(f)
                    .isEqualTo(Files.readAllBytes(dir.resolve("report").resolve(f)));
        }
    }

    @Test
    void aCaseRunAloneByItsIdComesOutAsInTheSuite() {
        StringWriter out = new StringWriter();
        int code = new CommandLine(new VideoSuiteCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(new StringWriter()))
                .execute("ci", "--rerun", "adjacent-lane-slower-car/c0/s1", "--out", dir.resolve("rerun").toString());
        JsonNode c = caseOf("adjacent-lane-slower-car");
        assertThat(out.toString()).contains("case adjacent-lane-slower-car/c0/s1 of scenarios/video-suites/ci.json: "
                + (c.path("passed").asBoolean() ? "PASSED" : "FAILED")).contains(c.path("reason").asText());
        assertThat(code).isEqualTo(c.path("passed").asBoolean() ? 0 : 3);
        assertThat(dir.resolve("rerun/adjacent-lane-slower-car_c0_s1.mp4")).exists();
        assertThat(dir.resolve("rerun/adjacent-lane-slower-car_c0_s1.mp4.truth.json")).exists();
    }
}
