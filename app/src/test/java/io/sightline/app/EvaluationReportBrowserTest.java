package io.sightline.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.testkit.HeadlessChromium;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The evaluation's HTML report in a real headless Chromium, opened from a file with no network:
 * it renders, ECharts (inlined from its WebJar) draws the grid heat map and the TTC histograms,
 * and the charts hold the report's data.
 */
class EvaluationReportBrowserTest {

    @TempDir
    Path out;

    @Test
    void reportRendersOfflineAndItsChartsHaveData() throws Exception {
        Path families = ShippedDataTest.root().resolve("scenarios/families");
        int exit = SightlineCli.execute("evaluate", "--runs", "4", "--seed", "3", "--out", out.toString(), "--family",
                families.resolve("euro-ncap-ccr/euro-ncap-ccrb-40m.json").toString(),
                families.resolve("nhtsa-fcw/nhtsa-fcw-1-lead-stopped.json").toString(),
                families.resolve("benign/safe-following.json").toString());
        assertThat(exit).as("evaluate's exit code (0 or 3: runs may fail)").isIn(0, 3);
        Path html = out.resolve("report.html");
        assertThat(html).isRegularFile();

        try (HeadlessChromium browser = HeadlessChromium.start(1300, 1000)) {
            browser.driver.get(html.toUri().toString());
            Object drawn = browser.driver.executeScript("return document.body.dataset.chartsDrawn || null");
            assertThat(drawn).as("the chart script ran; console:\n" + browser.console()).isNotNull();
            // one heat map (the CCRb grid) and two TTC histograms (the two hazard families)
            List<WebElement> charts = browser.driver.findElements(By.cssSelector("div.chart"));
            assertThat(charts).hasSize(3);
            for (WebElement chart : charts) {
                assertThat(chart.findElements(By.tagName("svg"))).as(chart.getAttribute("id")).hasSize(1);
            }
            WebElement heat = browser.driver.findElement(By.id("grid-0"));
            // 10 cells, each labelled "passed/runs"
            long cellLabels = heat.findElements(By.tagName("text")).stream().map(WebElement::getText)
                    .filter(t -> t.matches("\\d+/4")).count();
            assertThat(cellLabels).as("heat-map cell labels").isEqualTo(10);
            WebElement ttc = browser.driver.findElement(By.id("ttc-1"));
            assertThat(ttc.getText()).contains("protocol minimum 2.1 s").contains("nuisance limit 4 s");
            assertThat(ttc.findElements(By.tagName("path")).size()).as("histogram bars and lines").isGreaterThan(5);
            assertThat(browser.driver.findElement(By.tagName("body")).getText())
                    .contains("euro-ncap-ccrb-40m").contains("95 % upper bound").contains("safe-following");
            assertThat(browser.console()).doesNotContain("SEVERE");
            Files.write(out.resolve("report.png"), browser.pageScreenshot(4000));
        }
    }
}
