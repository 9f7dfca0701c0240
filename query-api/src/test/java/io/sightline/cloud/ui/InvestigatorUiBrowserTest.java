package io.sightline.cloud.ui;

import io.sightline.testkit.HeadlessChromium;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.cloud.testing.Projections;
import io.sightline.domain.event.AlertReviewed;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.explain.sample.SyntheticDrive;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The investigator UI in a real headless Chromium against the real application: PostgreSQL store,
 * Axon projections, JWT security. Sessions and evidence JPEGs come in signed over HTTP as an edge
 * sends them; the review is made by clicking, and checked through the API.
 *
 * <p>Leaves screenshots under {@code query-api/target/ui-screenshots/}. The README's picture is made
 * by the app module's {@code RunInvestigatorUiTest} from a real run of the bundled clip.
 */
// No CDP bindings on purpose (chromedriver's own endpoint takes the one DevTools command used): Selenium's warning about them is noise.
@CloudIntegrationTest(properties = {"logging.level.org.openqa.selenium.devtools.CdpVersionFinder=ERROR", "logging.level.org.openqa.selenium.chromium.ChromiumDriver=ERROR"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class InvestigatorUiBrowserTest {

    static final long T0 = 1_764_000_000_000_000_000L;
    static final String S1 = "s-ui-1";
    static final String S2 = "s-ui-2";
    /** Approach 3 of S1: raised at 30.3 s, cut out and cleared at 30.7 s. */
    static final String ALERT = S1 + "/alert/2";
    static final int WIDTH_PX = 1400;
    static final int HEIGHT_PX = 1000;
    /** Its own fleet, so fleet-a's list (and the README picture) shows only ordinary alerts. */
    static final String HOSTILE_FLEET = "fleet-x";
    static final String HOSTILE_SESSION = "s-<img src=x onerror=\"window.__xss=1\">";
    static final String HOSTILE_VEHICLE = "veh-<svg onload=window.__xss=2>";
    static final String HOSTILE_ALERT = HOSTILE_SESSION + "/alert/1";
    /** A real 960×540 dashcam photo (Udacity, MIT; samples/PROVENANCE.md) and the car cut out of another. */
    static final String ROAD_PHOTO = "query-api/src/test/resources/images/udacity_ll_solidWhiteRight.jpg";
    static final String CAR_SPRITE = "samples/sprites/lead-car-rear.png";
    /** The README picture: the page from the top down to the trace graph. */
    static final int PAGE_SHOT_MAX_HEIGHT_PX = 1500;
    static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    DemoTokens tokens;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    Projections projections;
    @Autowired
    DeviceKeyRegistry deviceKeys;

    final HttpClient http = HttpClient.newHttpClient();
    String investigator;
    HeadlessChromium chromium;
    final List<String> evidenceShas = new ArrayList<>();

    /**
     * Both sessions come in as signed batches over HTTP from their devices; the frames of the
     * alert's approach carry evidence, whose JPEGs the device then uploads, also signed.
     */
    @BeforeAll
    void appendSessionsAndStartTheBrowser() throws Exception {
        // First: without a browser nothing else here is worth the time, and the failure says what to install.
        chromium = HeadlessChromium.start(WIDTH_PX, HEIGHT_PX);
        SyntheticDrive s1 = new SyntheticDrive(S1, T0).start("fleet-a", "veh-7", "v1", SyntheticDrive.POLICY_V1);
        s1.approach(10.0, 8, 10, 22.0, 9.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        SyntheticDrive.Approach decisive = s1.approach(30.0, 10, 10, 15.0, 9.0, 0.0, 22.4, 0.6, 2, "FALSE_POSITIVE");
        Set<String> framesWithEvidence = Set.copyOf(decisive.frameIds());
        Map<String, List<EdgeDevice.Detection>> detections = new HashMap<>();
        for (EventEnvelope e : s1.events()) {
            if (e.payload() instanceof DetectionObserved d) {
                detections.computeIfAbsent(d.frameId(), k -> new ArrayList<>()).add(new EdgeDevice.Detection(d.className(), d.score(), d.boxPx()));
            }
        }
        BufferedImage road = image(projectDir().resolve(ROAD_PHOTO));
        BufferedImage car = image(projectDir().resolve(CAR_SPRITE));
        Map<String, byte[]> jpegs = new LinkedHashMap<>();
        List<EventEnvelope> events = new ArrayList<>();
        for (EventEnvelope e : s1.edgeEvents()) {
            if (e.payload() instanceof FrameCaptured f && framesWithEvidence.contains(e.eventId())) {
                assertThat(road.getWidth()).as("the road photo has the frame's size").isEqualTo(f.widthPx());
                assertThat(road.getHeight()).isEqualTo(f.heightPx());
                byte[] jpeg = EdgeDevice.evidenceJpeg(road, car, String.format(Locale.ROOT, "veh-7  %s  %.1f s",
                        f.frameId(), f.captureTimeNanos() / 1e9), detections.getOrDefault(f.frameId(), List.of()));
                jpegs.put(f.frameId(), jpeg);
                events.add(new EventEnvelope(e.eventId(), e.sequence(), e.occurredAtNanos(), f.withEvidence(EdgeDevice.sha256(jpeg))));
            } else {
                events.add(e);
            }
        }
        EdgeDevice veh7 = new EdgeDevice("dev-veh-7", base());
        EdgeDevice veh8 = new EdgeDevice("dev-veh-8", base());
        deviceKeys.register(veh7.deviceId, veh7.publicKeyBase64());
        deviceKeys.register(veh8.deviceId, veh8.publicKeyBase64());
        veh7.ingest(S1, events, 40);
        for (Map.Entry<String, byte[]> jpeg : jpegs.entrySet()) {
            evidenceShas.add(veh7.uploadEvidence(S1, jpeg.getKey(), jpeg.getValue()));
        }
        SyntheticDrive s2 = new SyntheticDrive(S2, T0 + 200_000_000_000L).start("fleet-a", "veh-8", "v1", SyntheticDrive.POLICY_V1);
        s2.approach(1.0, 6, 10, 15.0, 9.0, 0.0, 22.4, 2, "UNSURE");
        veh8.ingest(S2, s2.edgeEvents(), 40);
        // Ids are whatever the device sent: they must reach the page as text.
        SyntheticDrive hostile = new SyntheticDrive(HOSTILE_SESSION, T0 + 100_000_000_000L)
                .start(HOSTILE_FLEET, HOSTILE_VEHICLE, "v1", SyntheticDrive.POLICY_V1);
        hostile.approach(1.0, 6, 10, 15.0, 9.0, 0.0, 22.4, 2, "UNSURE");
        EdgeDevice hostileDevice = new EdgeDevice("dev-" + HOSTILE_VEHICLE, base());
        deviceKeys.register(hostileDevice.deviceId, hostileDevice.publicKeyBase64());
        hostileDevice.ingest(HOSTILE_SESSION, hostile.edgeEvents(), 40);
        // The alert's consequences (actuation, clearing) come from the trace-edges projection.
        await("alerts and trace edges projected", () -> count("select count(*) from alerts") == 4
                && count("select count(*) from trace_edges where cause_id = ?", ALERT) == 2);

        investigator = tokens.mint("ana@fleet-a", "fleet-a", Duration.ofMinutes(30), Roles.INVESTIGATOR);
    }

    @AfterAll
    void stopTheBrowser() throws Exception {
        if (chromium != null) {
            chromium.close();
        }
    }

    // ---------------------------------------------------------------- helpers

    long count(String sql, Object... args) {
        return jdbc.queryForObject(sql, Long.class, args);
    }

    void await(String what, BooleanSupplier condition) {
        projections.awaitProjection(what, condition, () -> "alerts: " + jdbc.queryForList("select alert_id from alerts")
                + "; trace edges to " + ALERT + ": " + jdbc.queryForList("select * from trace_edges where cause_id = ?", ALERT));
    }

    String base() {
        return "http://localhost:" + port;
    }

    JsonNode api(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Bearer " + investigator)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    WebDriver driver() {
        return chromium.driver;
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver()).executeScript(script, args);
    }

    /** Waits for the condition; on timeout, fails with what the page showed and logged. */
    <T> T waitFor(String what, java.util.function.Function<WebDriver, T> condition) {
        try {
            return new WebDriverWait(driver(), WAIT, Duration.ofMillis(100)).ignoring(StaleElementReferenceException.class).until(condition);
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("timed out after " + WAIT.toSeconds() + " s waiting for " + what + "\npage text:\n"
                    + driver().findElement(By.tagName("body")).getText() + "\nconsole:\n" + chromium.console(), e);
        }
    }

    /** A fresh page load (a hash change alone would not reload the app). */
    void open(String hash) {
        driver().get("about:blank");
        driver().get(base() + "/ui/" + hash);
    }

    WebElement byTestId(String testId) {
        return driver().findElement(By.cssSelector("[data-testid='" + testId + "']"));
    }

    List<WebElement> allByTestId(String testId) {
        return driver().findElements(By.cssSelector("[data-testid='" + testId + "']"));
    }

    static Path projectDir() {
        String dir = System.getProperty("sightline.project.dir");
        Path root = dir != null ? Path.of(dir) : Path.of("").toAbsolutePath();
        // Run from the module directory without Maven's property: the project root is the parent.
        return Files.isDirectory(root.resolve("query-api")) ? root : root.getParent();
    }

    static BufferedImage image(Path file) throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("missing " + file + ": the evidence frames are drawn on the road photo ("
                    + ROAD_PHOTO + ") with the car sprite (" + CAR_SPRITE + "), both part of the repository.");
        }
        BufferedImage image = ImageIO.read(file.toFile());
        assertThat(image).as("readable image " + file).isNotNull();
        return image;
    }

    // ---------------------------------------------------------------- tests

    @Test
    void rootAndUiPathsServeThePage() throws Exception {
        HttpClient noRedirects = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        HttpResponse<String> root = noRedirects.send(HttpRequest.newBuilder(URI.create(base() + "/")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/ui/"));
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base() + "/ui/")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>Sightline · Investigator</title>", "app.js", "app.css");
        // No third-party origin: the page must work on a machine without internet.
        for (String file : List.of("/ui/", "/ui/app.js", "/ui/app.css")) {
            String body = http.send(HttpRequest.newBuilder(URI.create(base() + file)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(body).as(file).doesNotContainPattern("(src|href)=\"https?://").doesNotContain("cdn.", "googleapis");
        }
    }

    @Test
    void investigatorOpensAnAlertSeesWhyAndReviewsIt() throws Exception {
        JsonNode trace = api("/api/v1/alerts/" + ALERT + "/trace");
        JsonNode narrative = api("/api/v1/alerts/" + ALERT + "/narrative");
        int traceNodes = trace.get("nodes").size();
        int factors = narrative.get("margins").get("factors").size();
        assertThat(factors).isPositive();

        open("#token=" + investigator);
        WebElement row = waitFor("the alert in the list", d -> d.findElements(By.cssSelector("[data-testid='alert-row']")).stream()
                .filter(e -> ALERT.equals(e.getAttribute("data-alert-id"))).findFirst().orElse(null));
        assertThat(allByTestId("alert-row")).hasSize(api("/api/v1/alerts").get("items").size()).hasSize(3);
        assertThat(driver().getCurrentUrl()).as("the token leaves the address bar").doesNotContain(investigator);
        assertThat(byTestId("session-who").getText()).contains("ana@fleet-a", "fleet-a");

        row.click();
        waitFor("the trace graph", d -> d.findElements(By.cssSelector("[data-testid='trace-svg'] [data-testid='trace-node']")).size()
                == traceNodes);
        assertThat(driver().findElements(By.cssSelector("[data-testid='trace-svg'] path.edge"))).hasSize(trace.get("edges").size());
        // Drawn, not just present: the browser laid the SVG out at a real size.
        Number graphWidth = (Number) js("return document.querySelector(\"[data-testid='trace-svg']\").getBoundingClientRect().width");
        assertThat(graphWidth.doubleValue()).isGreaterThan(300);

        JsonNode evidence = api("/api/v1/alerts/" + ALERT + "/evidence");
        int frames = evidence.get("frames").size();
        assertThat(frames).as("every uploaded frame is in the alert's window").isEqualTo(evidenceShas.size());
        List<String> tracedFrameIds = new ArrayList<>();
        evidence.get("frames").forEach(f -> {
            if (f.get("inCausalTrace").asBoolean()) {
                tracedFrameIds.add(f.get("frameId").asText());
            }
        });
        assertThat(tracedFrameIds).isNotEmpty().hasSizeLessThan(frames);
        // Decoded, not just requested: each JPEG came through fetch() with the token and rendered from a blob: URL.
        waitFor("every evidence image decoded", d -> Boolean.TRUE.equals(js("const imgs = document.querySelectorAll("
                + "\"[data-testid='evidence-image']\"); return imgs.length === arguments[0]"
                + " && Array.from(imgs).every(i => i.complete && i.naturalWidth > 0 && i.src.startsWith('blob:'))", frames + 1)) ? true : null);
        WebElement featured = byTestId("evidence-featured");
        assertThat(featured.getAttribute("data-frame-id")).as("the deciding frame is shown large")
                .isEqualTo(tracedFrameIds.get(tracedFrameIds.size() - 1));
        assertThat(((Number) js("return arguments[0].querySelector('img').naturalWidth", featured)).intValue()).isEqualTo(960);
        assertThat(driver().findElements(By.cssSelector("[data-testid='evidence-frame'][data-in-causal-trace='true']")).stream()
                .map(e -> e.getAttribute("data-frame-id")).toList()).isEqualTo(tracedFrameIds);

        WebElement headline = waitFor("the narrative", d -> d.findElements(By.cssSelector("[data-testid='narrative-headline']")).stream()
                .findFirst().orElse(null));
        assertThat(headline.getText()).isEqualTo(narrative.get("headline").asText()).contains("30.3 s");
        assertThat(driver().findElements(By.cssSelector("[data-testid='narrative'] li"))).hasSize(narrative.get("details").size());
        assertThat(driver().findElements(By.cssSelector("[data-testid='margins-table'] tbody tr[data-testid='margin-row']"))).hasSize(factors);
        assertThat(byTestId("margins-table").getText()).contains(narrative.get("margins").get("factors").get(0).get("label").asText());

        assertThat(byTestId("alert-verdict").getText()).isEqualTo("unreviewed");
        byTestId("review-note").sendKeys("lead vehicle turned off before the gap closed");
        byTestId("review-false-positive").click();
        waitFor("the new verdict on the page", d -> "false positive".equals(byTestId("alert-verdict").getText()));
        assertThat(byTestId("review-status").getText()).contains("false positive", "ana@fleet-a");
        WebElement listBadge = driver().findElement(By.cssSelector("[data-testid='alert-row'][data-alert-id='" + ALERT + "'] .row-bottom .badge"));
        assertThat(listBadge.getText()).isEqualTo("false positive");

        JsonNode alert = api("/api/v1/alerts/" + ALERT);
        assertThat(alert.get("verdict").asText()).isEqualTo("FALSE_POSITIVE");
        assertThat(alert.get("reviewer").asText()).isEqualTo("ana@fleet-a");
        assertThat(jdbc.queryForObject("select convert_from(payload, 'UTF8') from domain_event_entry where payload_type = ?"
                + " and aggregate_identifier = ?", String.class, AlertReviewed.class.getName(), S1 + "/reviews"))
                .contains("lead vehicle turned off before the gap closed");

        // The review joins the alert's causal trace, and the page redraws it.
        waitFor("the review in the trace graph", d -> d.findElements(By.cssSelector("[data-testid='trace-svg'] [data-type='AlertReviewed']"))
                .isEmpty() ? null : true);
        js("window.scrollTo(0, 0)");
        // The picture: the reviewed alert with its trace, narrative and margins.
        byte[] png = driver() instanceof org.openqa.selenium.TakesScreenshot t ? t.getScreenshotAs(OutputType.BYTES) : null;
        assertThat(png).isNotNull();
        Path shots = projectDir().resolve("query-api/target/ui-screenshots");
        Files.createDirectories(shots);
        Path shot = shots.resolve("alert.png");
        Files.write(shot, png);
        assertThat(ImageIO.read(shot.toFile()).getWidth()).isEqualTo(WIDTH_PX);
        Path page = shots.resolve("alert-page.png");
        Files.write(page, chromium.pageScreenshot(PAGE_SHOT_MAX_HEIGHT_PX));
        assertThat(ImageIO.read(page.toFile()).getHeight()).isGreaterThan(HEIGHT_PX / 2);
    }

    /** Read in one script: the list is replaced while filters apply, so element handles can go stale between calls. */
    @SuppressWarnings("unchecked")
    List<String> listedAlertIds() {
        return (List<String>) js("return Array.from(document.querySelectorAll(\"[data-testid='alert-row']\")).map(e => e.dataset.alertId)");
    }

    @Test
    void listPagesByCursorAndFilters() {
        open("#token=" + investigator + "&limit=2");
        waitFor("the first page", d -> listedAlertIds().size() == 2 ? true : null);
        assertThat(listedAlertIds()).containsExactly(S2 + "/alert/1", ALERT);
        WebElement more = byTestId("alert-more");
        assertThat(more.isDisplayed()).isTrue();
        more.click();
        waitFor("the second page", d -> listedAlertIds().size() == 3 ? true : null);
        assertThat(listedAlertIds()).containsExactly(S2 + "/alert/1", ALERT, S1 + "/alert/1");
        assertThat(byTestId("alert-more").isDisplayed()).as("no page after the last").isFalse();

        byTestId("filter-vehicle").sendKeys("veh-8");
        byTestId("filter-apply").click();
        waitFor("the vehicle filter", d -> listedAlertIds().equals(List.of(S2 + "/alert/1")) ? true : null);
        byTestId("filter-reset").click();
        waitFor("the cleared filter", d -> listedAlertIds().size() == 2 ? true : null);
        // Time range, UTC: from the second alert of S1 (raised at T0 + 30.3 s) on, before S2's.
        new org.openqa.selenium.support.ui.Select(byTestId("filter-level")).selectByVisibleText("WARNING");
        js("arguments[0].value = arguments[1]; arguments[2].value = arguments[3]", byTestId("filter-from"),
                localInput(T0 + 30_000_000_000L), byTestId("filter-to"), localInput(T0 + 100_000_000_000L));
        byTestId("filter-apply").click();
        waitFor("the time range filter", d -> listedAlertIds().equals(List.of(ALERT)) ? true : null);
        assertThat(byTestId("alert-count").getText()).isEqualTo("1 alert");
    }

    /**
     * The sidebar's quality table shows the fleet's figures from GET /api/v1/quality: one row per
     * kind and policy version, alerts raised, and each rate with its interval or a dash. Another
     * fleet's alert (the hostile session) is not counted.
     */
    @Test
    void theQualityTableShowsTheFleetsFiguresWithIntervals() {
        open("#token=" + investigator);
        WebElement row = waitFor("the quality row", d -> {
            List<WebElement> rows = driver().findElements(By.cssSelector("[data-testid='quality-row'][data-kind='FORWARD_COLLISION'][data-policy='v1']"));
            return rows.isEmpty() ? null : rows.get(0);
        });
        List<WebElement> cells = row.findElements(By.tagName("td"));
        assertThat(cells).hasSize(4);
        assertThat(cells.get(0).getText()).isEqualTo("Forward collision · v1");
        assertThat(cells.get(1).getText()).as("fleet-a's three alerts, not the other fleet's").isEqualTo("3");
        for (WebElement rate : cells.subList(2, 4)) {
            assertThat(rate.getText()).matches("—|\\d+% \\(\\d+%–\\d+%, n=\\d+\\)");
        }
        assertThat(allByTestId("quality-row")).hasSize(1);
    }

    /** An epoch-ns instant as a datetime-local value, read by the page as UTC. */
    static String localInput(long epochNanos) {
        return java.time.LocalDateTime.ofEpochSecond(epochNanos / 1_000_000_000L, 0, java.time.ZoneOffset.UTC).toString();
    }

    @Test
    void idsAndTextFromDevicesAreShownAsTextNeverRunAsMarkup() {
        open("#token=" + tokens.mint("xavier@fleet-x", HOSTILE_FLEET, Duration.ofMinutes(5), Roles.INVESTIGATOR));
        WebElement row = waitFor("the hostile session's alert", d -> d.findElements(By.cssSelector("[data-testid='alert-row']")).stream()
                .filter(e -> HOSTILE_ALERT.equals(e.getAttribute("data-alert-id"))).findFirst().orElse(null));
        assertThat(row.getText()).contains(HOSTILE_VEHICLE, HOSTILE_ALERT);
        row.click();
        waitFor("the hostile alert's trace graph", d -> d.findElements(By.cssSelector("[data-testid='trace-svg'] [data-testid='trace-node']"))
                .size() > 5 ? true : null);
        waitFor("its narrative", d -> d.findElements(By.cssSelector("[data-testid='narrative-headline']")).isEmpty() ? null : true);
        waitFor("its (empty) evidence", d -> byTestId("evidence-gallery").getText().contains("No evidence frames") ? true : null);
        assertThat(byTestId("detail-alert-id").getText()).isEqualTo(HOSTILE_ALERT);
        assertThat(byTestId("alert-detail").getText()).contains(HOSTILE_VEHICLE);
        assertThat(driver().findElements(By.cssSelector("[data-testid='trace-svg'] [data-testid='trace-node']")).stream()
                .map(e -> e.getAttribute("data-event-id")).toList()).contains(HOSTILE_ALERT, HOSTILE_SESSION + "/start");
        // Nothing the device sent became an element or ran.
        assertThat(js("return window.__xss === undefined && document.querySelectorAll('#detail img:not([data-testid]), #alert-list img,"
                + " svg svg, [onerror], [onload]').length === 0")).as(chromium.console()).isEqualTo(true);
    }

    @Test
    void refusedTokensAndUnknownAlertsAreExplainedOnThePage() {
        open("#token=not.a.jwt");
        WebElement banner = waitFor("the 401 explanation", d -> {
            WebElement b = byTestId("error-banner");
            return b.isDisplayed() ? b : null;
        });
        assertThat(banner.getText()).contains("401", "paste a new one");
        assertThat(byTestId("token-input").isDisplayed()).isTrue();

        String auditor = tokens.mint("audrey@fleet-a", "fleet-a", Duration.ofMinutes(5), Roles.AUDITOR);
        open("#token=" + auditor);
        waitFor("the 403 explanation", d -> byTestId("error-banner").getText().contains("403") ? true : null);
        assertThat(byTestId("error-banner").getText()).contains("investigator role");

        open("#token=" + investigator + "&alert=" + S1 + "/alert/99");
        waitFor("the 404 explanation", d -> byTestId("alert-detail").getText().contains("404") ? true : null);
        assertThat(byTestId("alert-detail").getText()).contains("no alert '" + S1 + "/alert/99' in your fleet");
    }
}
