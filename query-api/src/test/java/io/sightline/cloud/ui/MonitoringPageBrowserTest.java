package io.sightline.cloud.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.testing.CloudHttp;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.cloud.testing.Projections;
import io.sightline.explain.sample.SyntheticDrive;
import io.sightline.testkit.HeadlessChromium;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The monitoring page (issue 16 §6) in a real headless Chromium against the real application:
 * sessions drift, a camera episode and reviewed alerts come in through ingestion, and the page's
 * charts must carry exactly the numbers the API gives (read back from ECharts' own options).
 */
@CloudIntegrationTest(properties = {"sightline.monitoring.drift.version=drift-test-10x3", "sightline.monitoring.drift.reference-sessions=10",
        "logging.level.org.openqa.selenium.devtools.CdpVersionFinder=ERROR", "logging.level.org.openqa.selenium.chromium.ChromiumDriver=ERROR"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class MonitoringPageBrowserTest {

    static final long T0 = 1_765_100_000_000_000_000L;
    static final String FLEET = "fleet-m";
    static final Duration WAIT = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    IngestionService ingestion;
    @Autowired
    Projections projections;
    @Autowired
    CloudHttp http;

    HeadlessChromium chromium;
    String token;
    final List<String> alertIds = new ArrayList<>();

    @BeforeAll
    void driftAReviewedFleetAndStartTheBrowser() throws Exception {
        Random random = new Random(9);
        for (int i = 0; i < 13; i++) {
            boolean dark = i >= 10;
            SyntheticDrive d = new SyntheticDrive("mon-s" + i, T0 + i * 600_000_000_000L).start(FLEET, "veh-m", "policy-v1", SyntheticDrive.POLICY_V1);
            double level = 110 + 15 * random.nextGaussian();
            for (int w = 0; w < 4; w++) {
                d.summary((level + 4 * random.nextGaussian()) * (dark ? 0.6 : 1.0), 2.0, 0.7);
            }
            if (i == 12) {
                d.cameraObstructed(12.0);
            }
            if (i % 4 == 0 || i == 12) {
                alertIds.addAll(d.approach(10.0, 8, 10, 22.0, 9.0, 0.0, 22.4, 2, i % 8 == 0 ? "FALSE_POSITIVE" : "TRUE_POSITIVE").alertIds());
            }
            ingestion.append(d.sessionId(), 0, d.end().events());
        }
        projections.awaitProjection("drift found and alerts reviewed", () -> projections.count("select count(*) from drift_findings") >= 3
                && projections.count("select count(*) from alerts where verdict is not null") == alertIds.size()
                && projections.count("select count(*) from camera_episodes") == 1);
        token = http.token("ana@" + FLEET, FLEET, Roles.INVESTIGATOR);
        chromium = HeadlessChromium.start(1400, 2400);
    }

    @AfterAll
    void stopTheBrowser() throws Exception {
        if (chromium != null) {
            chromium.close();
        }
    }

    JsonNode api(String path) throws Exception {
        HttpResponse<String> r = http.get(path, token);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    WebDriver driver() {
        return chromium.driver;
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver()).executeScript(script, args);
    }

    /** The option ECharts holds for the chart in the element with that test id, as JSON. */
    JsonNode chartOption(String testId) throws Exception {
        Object json = js("const c = echarts.getInstanceByDom(document.querySelector(\"[data-testid='\" + arguments[0] + \"']\"));"
                + " return c ? JSON.stringify(c.getOption()) : null;", testId);
        assertThat(json).as("chart %s drawn", testId).isNotNull();
        return JSON.readTree((String) json);
    }

    List<WebElement> items(String testId) {
        return driver().findElements(By.cssSelector("[data-testid='" + testId + "'] li"));
    }

    @Test
    void thePageRendersAndItsChartsCarryTheApisNumbers() throws Exception {
        driver().get(http.base() + "/ui/monitoring.html#token=" + token);
        try {
            new WebDriverWait(driver(), WAIT, Duration.ofMillis(100)).until(d -> "true".equals(js("return document.body.dataset.loaded || null")));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("the page did not finish loading:\n" + driver().findElement(By.tagName("body")).getText()
                    + "\nconsole:\n" + chromium.console(), e);
        }
        assertThat(driver().findElement(By.id("error-banner")).isDisplayed()).as("error banner: %s; console: %s",
                driver().findElement(By.id("error-banner")).getText(), chromium.console()).isFalse();
        assertThat(js("return typeof echarts")).as("ECharts served from the WebJar").isEqualTo("object");

        // Drift: a row per status, the histogram of the first drifted one, a line per finding with its alert's trace.
        JsonNode drift = api("/api/v1/monitoring/drift");
        List<WebElement> rows = driver().findElements(By.cssSelector("[data-testid='drift-status'] tr.selectable"));
        assertThat(rows).hasSize(drift.get("status").size());
        JsonNode shown = null;
        for (JsonNode s : drift.get("status")) {
            if (s.get("verdict").asText().equals("DRIFTED")) {
                shown = s;
                break;
            }
        }
        assertThat(shown).as("a drifted feature").isNotNull();
        JsonNode histogram = chartOption("drift-histogram");
        assertThat(histogram.get("series").get(0).get("data")).isEqualTo(shown.get("histogram").get("referenceShares"));
        assertThat(histogram.get("series").get(1).get("data")).isEqualTo(shown.get("histogram").get("currentShares"));
        assertThat(histogram.get("xAxis").get(0).get("data")).isEqualTo(shown.get("histogram").get("labels"));
        assertThat(items("drift-findings")).hasSize(drift.get("findings").size());
        assertThat(driver().findElements(By.cssSelector("[data-testid='drift-findings'] a[data-alert]")))
                .extracting(a -> a.getAttribute("data-alert")).contains(alertIds.get(alertIds.size() - 1));

        // Latency: one line per series, the p95 of each session in ms, a pin per change point.
        JsonNode latency = api("/api/v1/monitoring/latency");
        JsonNode latencyChart = chartOption("latency-chart");
        assertThat(latency.get("series").size()).as("latency series").isPositive();
        assertThat(latencyChart.get("series")).hasSize(latency.get("series").size());
        for (int i = 0; i < latency.get("series").size(); i++) {
            JsonNode apiSeries = latency.get("series").get(i);
            JsonNode plotted = latencyChart.get("series").get(i).get("data");
            assertThat(plotted).hasSize(apiSeries.get("sessions").size());
            for (int p = 0; p < plotted.size(); p++) {
                assertThat(plotted.get(p).get(1).asDouble()).isEqualTo(apiSeries.get("sessions").get(p).get("p95Micros").asLong() / 1000.0);
            }
            assertThat(latencyChart.get("series").get(i).get("markPoint").get("data")).hasSize(apiSeries.get("changePointSessionIds").size());
        }

        // Quality: the precision the API gives for the whole range equals the plotted one when all alerts fall in one period.
        JsonNode qualityChart = chartOption("quality-chart");
        JsonNode precision = null;
        for (JsonNode s : qualityChart.get("series")) {
            if (s.get("name").asText().startsWith("precision · FORWARD_COLLISION")) {
                precision = s;
                break;
            }
        }
        assertThat(precision).as("a precision series").isNotNull();
        List<Double> plottedPrecision = new ArrayList<>();
        precision.get("data").forEach(p -> {
            if (!p.get(1).isNull()) {
                plottedPrecision.add(p.get(1).asDouble());
            }
        });
        assertThat(plottedPrecision).isNotEmpty();
        // Each plotted value is one the API gives for some period: ask it for the same periods the page did.
        JsonNode alerts = api("/api/v1/alerts?limit=500").get("items");
        long from = Long.MAX_VALUE;
        long to = Long.MIN_VALUE;
        for (JsonNode a : alerts) {
            from = Math.min(from, a.get("raisedAtNanos").asLong());
            to = Math.max(to, a.get("raisedAtNanos").asLong());
        }
        to += 1;
        long step = (to - from + 3) / 4;
        List<Double> apiPrecision = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            for (JsonNode row : api("/api/v1/quality?fromNanos=" + (from + step * i) + "&toNanos=" + (from + step * (i + 1))).get("rows")) {
                if (row.get("kind").asText().equals("FORWARD_COLLISION") && row.get("precision").get("trials").asLong() > 0) {
                    apiPrecision.add(row.get("precision").get("value").asDouble());
                }
            }
        }
        assertThat(plottedPrecision).containsExactlyElementsOf(apiPrecision);

        // Camera health: the episode, linked to the trace of the alert raised during it.
        JsonNode camera = api("/api/v1/monitoring/camera");
        assertThat(items("camera-episodes")).hasSize(camera.size());
        assertThat(items("camera-episodes").get(0).getText()).contains("DARK", "meanLuma");
        assertThat(driver().findElements(By.cssSelector("[data-testid='camera-episodes'] a[data-alert]")))
                .extracting(a -> a.getAttribute("data-alert")).containsExactlyElementsOf(textList(camera.get(0).get("alertIds")))
                .contains(alertIds.get(alertIds.size() - 1));

        Path shots = Path.of("target", "ui-screenshots");
        Files.createDirectories(shots);
        Files.write(shots.resolve("monitoring.png"), chromium.pageScreenshot(2400));

        // The drift link opens the alert on the investigator page, whose narrative says it was raised under drift.
        String underDrift = alertIds.get(alertIds.size() - 1);
        driver().findElement(By.cssSelector("[data-testid='drift-findings'] a[data-alert='" + underDrift + "']")).click();
        String driftText = new WebDriverWait(driver(), WAIT, Duration.ofMillis(100)).until(d -> {
            List<WebElement> found = d.findElements(By.cssSelector("[data-testid='narrative-drift']"));
            return found.isEmpty() ? null : found.get(0).getText();
        });
        assertThat(driftText).contains("Raised under drift", "summary.meanLuma", "session-level p");
    }

    static List<String> textList(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
