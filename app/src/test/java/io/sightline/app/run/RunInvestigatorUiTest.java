package io.sightline.app.run;

import io.sightline.runtime.AssumedDrive;
import io.sightline.runtime.EdgePipeline;
import io.sightline.runtime.RunReport;

import io.sightline.testkit.ProjectHomeExtension;
import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.app.TestCloudArgs;
import io.sightline.app.clip.HazardClipCommand;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.inference.ProjectHome;
import io.sightline.testkit.HeadlessChromium;
import io.sightline.testkit.TestPostgres;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What a newcomer sees after {@code ./sightline run}: the bundled clip through the real edge
 * (decoder, YOLOX-nano, tracker, policy, evidence JPEGs), uploaded in-process into the cloud on a
 * real PostgreSQL, then the investigator UI in a real headless Chromium on the alert it raised:
 * the trace graph, the narrative, the margins and the evidence frames of that very alert. Saves
 * {@code app/target/ui-screenshots/run-alert.png}; with {@code -Dsightline.ui.screenshot.update=true}
 * also the README's picture, {@code docs/images/investigator-ui.png}.
 */
@ExtendWith(ProjectHomeExtension.class)
class RunInvestigatorUiTest {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final int PAGE_SHOT_MAX_HEIGHT_PX = 1500;
    static TestPostgres.Database db;
    static ConfigurableApplicationContext cloud;

    @TempDir
    static Path edgeDir;

    @BeforeAll
    static void startCloud() {
        db = TestPostgres.freshDatabase("app_run_ui");
        cloud = new SpringApplicationBuilder(SightlineCloudApplication.class)
                .web(WebApplicationType.SERVLET)
                .run(TestCloudArgs.of(db, "--server.port=0"));
    }

    @AfterAll
    static void stopCloud() {
        if (cloud != null) {
            cloud.close();
        }
    }

    @Test
    void theAlertOfTheBundledClipIsInvestigatedInTheBrowser() throws Exception {
        JdbcTemplate jdbc = cloud.getBean(JdbcTemplate.class);
        RunReport report;
        EdgePipeline.Options options = new EdgePipeline.Options(ProjectHome.get().resolve(HazardClipCommand.DEFAULT_OUT).toString(),
                "yolox-nano", null, false, false, AssumedDrive.EGO_SPEED_MPS, 1, 0, LocalRun.FLEET_ID, LocalRun.VEHICLE_ID,
                LocalRun.DEVICE_ID, "test");
        try (LocalRun edge = LocalRun.attach(cloud, edgeDir, LocalRun.DEVICE_ID);
             EdgePipeline pipeline = EdgePipeline.open(options).countTraceEdges(true)) {
            report = edge.run(pipeline, EdgePipeline.ProgressListener.NONE);
            assertThat(edge.awaitCloud(report, jdbc, Duration.ofSeconds(120)).lagging()).as("cloud caught up").isEmpty();
        }
        List<String> alerts = jdbc.queryForList("select alert_id from alerts where session_id = ?", String.class, report.sessionId());
        assertThat(alerts).as("the bundled clip raises its forward-collision warning").hasSize(1);
        String alertId = alerts.get(0);

        String token = cloud.getBean(DemoTokens.class).mint("newcomer", LocalRun.FLEET_ID, Duration.ofMinutes(30), Roles.INVESTIGATOR);
        String base = "http://localhost:" + cloud.getEnvironment().getProperty("local.server.port");
        try (HeadlessChromium chromium = HeadlessChromium.start(1400, 1000)) {
            WebDriver driver = chromium.driver;
            driver.get(base + "/ui/#token=" + token + "&alert=" + URLEncoder.encode(alertId, StandardCharsets.UTF_8));
            Function<String, String> text = testId -> driver.findElement(By.cssSelector("[data-testid='" + testId + "']")).getText();
            waitFor(chromium, "the alert in the list", d -> d.findElements(By.cssSelector("[data-testid='alert-row']")).stream()
                    .anyMatch(r -> alertId.equals(r.getAttribute("data-alert-id"))) ? true : null);
            waitFor(chromium, "the trace graph", d -> d.findElements(By.cssSelector("[data-testid='trace-svg'] [data-testid='trace-node']"))
                    .size() > 5 ? true : null);
            for (String type : List.of("AlertRaised", "RiskAssessed", "TrackUpdated", "DetectionObserved", "FrameCaptured",
                    "ModelActivated", "DriveSessionStarted")) {
                assertThat(driver.findElements(By.cssSelector("[data-testid='trace-svg'] [data-type='" + type + "']")))
                        .as("%s in the drawn trace", type).isNotEmpty();
            }
            waitFor(chromium, "the narrative", d -> d.findElements(By.cssSelector("[data-testid='narrative-headline']")).isEmpty() ? null : true);
            assertThat(text.apply("narrative-headline")).contains("car").contains("closing");
            assertThat(driver.findElements(By.cssSelector("[data-testid='margin-row']"))).as("margins").isNotEmpty();
            // The evidence is the camera's own video (ADR-0037): it opens decoded on the deciding frame, with the
            // detection events' boxes of that frame drawn over it.
            java.net.http.HttpResponse<String> listing = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(base + "/api/v1/alerts/" + alertId + "/evidence")).header("Authorization", "Bearer " + token).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            com.fasterxml.jackson.databind.JsonNode clip = new com.fasterxml.jackson.databind.ObjectMapper().readTree(listing.body())
                    .get("clips").get(0);
            long deciding = clip.get("alertFrameIndex").asLong();
            waitFor(chromium, "the clip of the real run decoded on its deciding frame", d -> Boolean.TRUE.equals(((JavascriptExecutor) d)
                    .executeScript("const v = document.querySelector(\"[data-testid='evidence-video']\"),"
                            + " c = document.querySelector(\"[data-testid='evidence-overlay']\");"
                            + " return !!v && v.readyState >= 2 && v.videoWidth === 960 && c.dataset.frameIndex === String(arguments[0])",
                            deciding)) ? true : null);
            com.fasterxml.jackson.databind.JsonNode frame = null;
            for (com.fasterxml.jackson.databind.JsonNode f : clip.get("frames")) {
                if (f.get("frameIndex").asLong() == deciding) {
                    frame = f;
                }
            }
            assertThat(frame).isNotNull();
            assertThat(frame.get("inCausalTrace").asBoolean()).as("the deciding frame is in the causal trace").isTrue();
            String frameId = frame.get("frameId").asText();
            long detectionEvents = jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? and"
                    + " payload_type like '%DetectionObserved' and convert_from(payload, 'UTF8')::jsonb->>'frameId' = ?", Long.class,
                    report.sessionId(), frameId);
            com.fasterxml.jackson.databind.JsonNode drawn = new com.fasterxml.jackson.databind.ObjectMapper().readTree((String)
                    ((JavascriptExecutor) driver).executeScript("return document.querySelector(\"[data-testid='evidence-overlay']\").dataset.boxes"));
            assertThat(drawn.size()).as("boxes drawn on the deciding frame = its detection events").isEqualTo(detectionEvents).isPositive();
            for (int i = 0; i < drawn.size(); i++) {
                com.fasterxml.jackson.databind.JsonNode b = frame.get("boxes").get(i);
                assertThat(drawn.get(i).get(0).asDouble()).isEqualTo(b.get("x1").asDouble());
                assertThat(drawn.get(i).get(3).asDouble()).isEqualTo(b.get("y2").asDouble());
            }

            Path shots = Path.of("target", "ui-screenshots");
            Files.createDirectories(shots);
            byte[] png = chromium.pageScreenshot(PAGE_SHOT_MAX_HEIGHT_PX);
            Files.write(shots.resolve("run-alert.png"), png);
            if (Boolean.getBoolean("sightline.ui.screenshot.update")
                    || "true".equalsIgnoreCase(System.getenv("SIGHTLINE_UI_SCREENSHOT_UPDATE"))) {
                Files.write(ProjectHome.get().resolve("docs/images/investigator-ui.png"), png);
            }
        }
    }

    /**
     * A safety application the UI has no code for: the rolling stop of {@code stop-sign-clip}
     * (a drawn sign through the real detector) is listed, traced back to the sign's detections and
     * frames, narrated and given its margins by the same generic page. Saves
     * {@code target/ui-screenshots/rolling-stop.png} (and {@code docs/images/rolling-stop-ui.png}
     * when updating screenshots).
     */
    @Test
    void aRollingStopIsInvestigatedInTheBrowserWithNoApplicationSpecificCode() throws Exception {
        Path clip = edgeDir.resolve("stop-sign.mp4");
        assertThat(new picocli.CommandLine(new io.sightline.app.clip.StopSignClipCommand()).execute("--out", clip.toString())).isZero();
        JdbcTemplate jdbc = cloud.getBean(JdbcTemplate.class);
        RunReport report;
        EdgePipeline.Options options = new EdgePipeline.Options(clip.toString(), "yolox-nano", null, false, false,
                AssumedDrive.EGO_SPEED_MPS, 1, 0, LocalRun.FLEET_ID, LocalRun.VEHICLE_ID, LocalRun.DEVICE_ID, "test");
        try (LocalRun edge = LocalRun.attach(cloud, edgeDir.resolve("rolling-stop"), LocalRun.DEVICE_ID);
             EdgePipeline pipeline = EdgePipeline.open(options).countTraceEdges(true)) {
            report = edge.run(pipeline, EdgePipeline.ProgressListener.NONE);
            assertThat(edge.awaitCloud(report, jdbc, Duration.ofSeconds(120)).lagging()).as("cloud caught up").isEmpty();
        }
        List<String> alerts = jdbc.queryForList("select alert_id from alerts where session_id = ? and kind = 'ROLLING_STOP'",
                String.class, report.sessionId());
        assertThat(alerts).as("the clip's rolling stop").hasSize(1);
        String alertId = alerts.get(0);

        String token = cloud.getBean(DemoTokens.class).mint("newcomer", LocalRun.FLEET_ID, Duration.ofMinutes(30), Roles.INVESTIGATOR);
        String base = "http://localhost:" + cloud.getEnvironment().getProperty("local.server.port");
        try (HeadlessChromium chromium = HeadlessChromium.start(1400, 1000)) {
            WebDriver driver = chromium.driver;
            driver.get(base + "/ui/#token=" + token + "&alert=" + URLEncoder.encode(alertId, StandardCharsets.UTF_8));
            Function<String, String> text = testId -> driver.findElement(By.cssSelector("[data-testid='" + testId + "']")).getText();
            waitFor(chromium, "the trace graph", d -> d.findElements(By.cssSelector("[data-testid='trace-svg'] [data-testid='trace-node']"))
                    .size() > 5 ? true : null);
            for (String type : List.of("AlertRaised", "RiskAssessed", "TrackUpdated", "DetectionObserved", "FrameCaptured",
                    "VehicleStateSampled", "ModelActivated", "DriveSessionStarted")) {
                assertThat(driver.findElements(By.cssSelector("[data-testid='trace-svg'] [data-type='" + type + "']")))
                        .as("%s in the drawn trace", type).isNotEmpty();
            }
            waitFor(chromium, "the narrative", d -> d.findElements(By.cssSelector("[data-testid='narrative-headline']")).isEmpty() ? null : true);
            assertThat(text.apply("narrative-headline")).contains("Rolling stop advisory").contains("stop sign");
            waitFor(chromium, "the margins", d -> d.findElements(By.cssSelector("[data-testid='margin-row']")).isEmpty() ? null : true);
            assertThat(driver.findElements(By.cssSelector("[data-testid='margin-row']"))).extracting(WebElement::getText)
                    .as("the margins name the application's own factors").anyMatch(t -> t.contains("minimum speed before the sign"));
            Path shots = Path.of("target", "ui-screenshots");
            Files.createDirectories(shots);
            byte[] png = chromium.pageScreenshot(PAGE_SHOT_MAX_HEIGHT_PX);
            Files.write(shots.resolve("rolling-stop.png"), png);
            if (Boolean.getBoolean("sightline.ui.screenshot.update")
                    || "true".equalsIgnoreCase(System.getenv("SIGHTLINE_UI_SCREENSHOT_UPDATE"))) {
                Files.write(ProjectHome.get().resolve("docs/images/rolling-stop-ui.png"), png);
            }
        }
    }

    static <T> T waitFor(HeadlessChromium chromium, String what, Function<WebDriver, T> condition) {
        try {
            return new WebDriverWait(chromium.driver, WAIT, Duration.ofMillis(100)).ignoring(StaleElementReferenceException.class)
                    .until(condition::apply);
        } catch (TimeoutException e) {
            throw new AssertionError("timed out after " + WAIT.toSeconds() + " s waiting for " + what + "\npage text:\n"
                    + chromium.driver.findElement(By.tagName("body")).getText() + "\nconsole:\n" + chromium.console(), e);
        }
    }
}
