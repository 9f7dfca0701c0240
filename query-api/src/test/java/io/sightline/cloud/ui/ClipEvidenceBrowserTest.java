package io.sightline.cloud.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.cloud.testing.Projections;
import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.EvidenceClipRecorded;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.explain.sample.SyntheticDrive;
import io.sightline.testkit.HeadlessChromium;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Evidence as the source's own video (ADR-0037) in a real headless Chromium against the real
 * application: a session whose alert window came as an MP4 clip (the bundled H.264 hazard clip,
 * 960×540, 221 frames, uploaded signed like a JPEG) and an {@code EvidenceClipRecorded}. The page
 * plays the clip (frames decode, the playback time advances) and draws on a canvas over it exactly
 * the boxes of the detection events of the frame on screen. The range requests a player seeks
 * with are answered by the evidence endpoint.
 */
@CloudIntegrationTest(properties = {"logging.level.org.openqa.selenium.devtools.CdpVersionFinder=ERROR",
        "logging.level.org.openqa.selenium.chromium.ChromiumDriver=ERROR"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ClipEvidenceBrowserTest {

    static final long T0 = 1_765_000_000_000_000_000L;
    static final String S = "s-clip-1";
    static final String CLIP = "samples/sightline_fcw_slower_lead_960x540.mp4";
    static final int CLIP_FRAMES = 221;
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
    HeadlessChromium chromium;
    String investigator;
    String alertId;
    String clipSha;
    byte[] clipBytes;
    String stillSha;
    byte[] stillBytes;
    long stillFrameIndex;

    /** A mid-grey JPEG standing in for the edge's still of the deciding frame. */
    static byte[] stillJpeg(int w, int h) throws java.io.IOException {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        g.setColor(new java.awt.Color(128, 128, 128));
        g.fillRect(0, 0, w, h);
        g.dispose();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "jpg", out);
        return out.toByteArray();
    }
    /** The detection events' boxes by frame index: what the page must draw. */
    final Map<Long, List<BoxPx>> boxesByFrame = new HashMap<>();

    @BeforeAll
    void appendTheSessionUploadTheClipAndStartTheBrowser() throws Exception {
        chromium = HeadlessChromium.start(1400, 1200);
        SyntheticDrive drive = new SyntheticDrive(S, T0).bystanders(true).start("fleet-a", "veh-9", "v1", SyntheticDrive.POLICY_V1);
        SyntheticDrive.Approach approach = drive.approach(1.0, 40, 25, 15.0, 9.0, 0.0, 22.4, 2, "UNSURE");
        alertId = approach.alertIds().get(0);
        List<EventEnvelope> events = new ArrayList<>(drive.edgeEvents());
        Map<String, Long> indexByFrameId = new HashMap<>();
        for (EventEnvelope e : events) {
            if (e.payload() instanceof FrameCaptured f) {
                indexByFrameId.put(f.frameId(), f.frameIndex());
            }
        }
        for (EventEnvelope e : events) {
            if (e.payload() instanceof DetectionObserved d) {
                boxesByFrame.computeIfAbsent(indexByFrameId.get(d.frameId()), k -> new ArrayList<>()).add(d.boxPx());
            }
        }
        clipBytes = Files.readAllBytes(InvestigatorUiBrowserTest.projectDir().resolve(CLIP));
        clipSha = EdgeDevice.sha256(clipBytes);
        long last = events.get(events.size() - 1).occurredAtNanos();
        // The still of the deciding frame, the frame the first alert was journaled after (ADR-0041).
        long decidingFrame = -1;
        for (EventEnvelope e : events) {
            if (e.payload() instanceof FrameCaptured f) {
                decidingFrame = f.frameIndex();
            } else if (e.payload() instanceof io.sightline.domain.event.AlertRaised a && a.alertId().equals(alertId)) {
                break;
            }
        }
        stillFrameIndex = decidingFrame;
        stillBytes = stillJpeg(960, 540);
        stillSha = EdgeDevice.sha256(stillBytes);
        // Journaled once the window closed (T+10 s): the clip holds the session's frames 0 … 220.
        events.add(new EventEnvelope(S + "/EvidenceClipRecorded/0", events.size(), last + 10_500_000_000L, new EvidenceClipRecorded(clipSha,
                "video/mp4", clipBytes.length, EvidenceClipRecorded.REMUX, 0, CLIP_FRAMES, 25.0, 0, 39, approach.alertIds(),
                last + 10_500_000_000L, List.of(new EvidenceClipRecorded.DecidingStill(alertId, decidingFrame, stillSha, stillBytes.length,
                960, 540)))));
        EdgeDevice device = new EdgeDevice("dev-veh-9", base());
        deviceKeys.register(device.deviceId, device.publicKeyBase64());
        device.ingest(S, events, 40);
        assertThat(device.uploadEvidence(S, "clip:" + alertId, clipBytes)).isEqualTo(clipSha);
        assertThat(device.uploadEvidence(S, "still:" + alertId, stillBytes)).isEqualTo(stillSha);
        projections.awaitProjection("the alert projected", () -> jdbc.queryForObject("select count(*) from alerts where alert_id = ?",
                Long.class, alertId) == 1, () -> "alerts: " + jdbc.queryForList("select alert_id from alerts"));
        investigator = tokens.mint("ana@fleet-a", "fleet-a", Duration.ofMinutes(30), Roles.INVESTIGATOR);
    }

    @AfterAll
    void stopTheBrowser() throws Exception {
        if (chromium != null) {
            chromium.close();
        }
    }

    String base() {
        return "http://localhost:" + port;
    }

    HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Bearer " + investigator);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) chromium.driver).executeScript(script, args);
    }

    <T> T waitFor(String what, java.util.function.Function<WebDriver, T> condition) {
        try {
            return new WebDriverWait(chromium.driver, WAIT, Duration.ofMillis(100)).ignoring(StaleElementReferenceException.class)
                    .until(condition);
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("timed out after " + WAIT.toSeconds() + " s waiting for " + what + "\npage text:\n"
                    + chromium.driver.findElement(By.tagName("body")).getText() + "\nconsole:\n" + chromium.console(), e);
        }
    }

    @Test
    void theClipIsServedAsVideoWithItsEtagAndByteRanges() throws Exception {
        HttpResponse<byte[]> whole = get("/api/v1/evidence/" + clipSha);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.headers().firstValue("Content-Type")).hasValue("video/mp4");
        assertThat(whole.headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(whole.headers().firstValue("ETag")).hasValue("\"" + clipSha + "\"");
        assertThat(whole.body()).isEqualTo(clipBytes);
        HttpResponse<byte[]> part = get("/api/v1/evidence/" + clipSha, "Range", "bytes=100-1099");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 100-1099/" + clipBytes.length);
        assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(clipBytes, 100, 1100));
        HttpResponse<byte[]> tail = get("/api/v1/evidence/" + clipSha, "Range", "bytes=-10");
        assertThat(tail.statusCode()).isEqualTo(206);
        assertThat(tail.body()).isEqualTo(java.util.Arrays.copyOfRange(clipBytes, clipBytes.length - 10, clipBytes.length));
        assertThat(get("/api/v1/evidence/" + clipSha, "Range", "bytes=" + clipBytes.length + "-").statusCode()).isEqualTo(416);
        assertThat(get("/api/v1/evidence/" + clipSha, "If-None-Match", "\"" + clipSha + "\"").statusCode()).isEqualTo(304);

        JsonNode evidence = JSON.readTree(get("/api/v1/alerts/" + alertId + "/evidence").body());
        assertThat(evidence.get("frames")).as("no JPEG per frame in the new form").isEmpty();
        JsonNode clip = evidence.get("clips").get(0);
        assertThat(clip.get("sha256").asText()).isEqualTo(clipSha);
        assertThat(clip.get("widthPx").asInt()).isEqualTo(960);
        assertThat(clip.get("heightPx").asInt()).isEqualTo(540);
        assertThat(clip.get("frames")).hasSize(40);
        // The deciding frame's still, served as a JPEG beside the clip (ADR-0041).
        assertThat(clip.get("decidingStill").get("sha256").asText()).isEqualTo(stillSha);
        assertThat(clip.get("decidingStill").get("frameIndex").asLong()).isEqualTo(stillFrameIndex);
        HttpResponse<byte[]> still = get(clip.get("decidingStill").get("url").asText());
        assertThat(still.statusCode()).isEqualTo(200);
        assertThat(still.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(still.body()).isEqualTo(stillBytes);
        for (JsonNode f : clip.get("frames")) {
            assertThat(f.get("offset").asLong()).isEqualTo(f.get("frameIndex").asLong());
            assertThat(f.get("boxes")).hasSize(boxesByFrame.get(f.get("frameIndex").asLong()).size());
        }
    }

    @Test
    void thePagePlaysTheClipAndDrawsTheDetectionEventsBoxesOfTheFrameOnScreen() throws Exception {
        JsonNode clip = JSON.readTree(get("/api/v1/alerts/" + alertId + "/evidence").body()).get("clips").get(0);
        long deciding = clip.get("alertFrameIndex").asLong();
        assertThat(deciding).isBetween(0L, 39L);
        chromium.driver.get("about:blank");
        chromium.driver.get(base() + "/ui/#token=" + investigator);
        waitFor("the alert in the list", d -> d.findElements(By.cssSelector("[data-testid='alert-row']")).stream()
                .filter(e -> alertId.equals(e.getAttribute("data-alert-id"))).findFirst().orElse(null)).click();
        // Opens paused on the deciding frame, decoded: the video has its picture and the overlay names that frame.
        waitFor("the deciding frame decoded and drawn", d -> Boolean.TRUE.equals(js("const v = document.querySelector("
                + "\"[data-testid='evidence-video']\"), c = document.querySelector(\"[data-testid='evidence-overlay']\");"
                + " return !!v && v.readyState >= 2 && v.videoWidth === 960 && v.src.startsWith('blob:')"
                + " && c.dataset.frameIndex === String(arguments[0])", deciding)) ? true : null);
        assertDrawnBoxesAreTheEvents();
        // The deciding frame's still is shown too, with that frame's boxes drawn over it.
        waitFor("the deciding frame's still", d -> Boolean.TRUE.equals(js("const i = document.querySelector(\"[data-testid='evidence-still']\");"
                + " return !!i && i.complete && i.naturalWidth === 960 && i.src.startsWith('blob:')")) ? true : null);
        Object stillBoxes = js("return document.querySelector(\"[data-testid='evidence-still-overlay']\").dataset.boxes");
        assertThat(JSON.readTree(String.valueOf(stillBoxes))).hasSize(boxesByFrame.getOrDefault(stillFrameIndex, List.of()).size());
        // The decoded picture is the camera's: not black.
        Number luma = (Number) js("const v = document.querySelector(\"[data-testid='evidence-video']\");"
                + " const c = document.createElement('canvas'); c.width = 96; c.height = 54; const x = c.getContext('2d');"
                + " x.drawImage(v, 0, 0, 96, 54); const d = x.getImageData(0, 0, 96, 54).data; let s = 0;"
                + " for (let i = 0; i < d.length; i += 4) s += (d[i] + d[i + 1] + d[i + 2]) / 3; return s / (d.length / 4);");
        assertThat(luma.doubleValue()).as("mean brightness of the decoded frame").isGreaterThan(20);

        // Plays: the time advances and the overlay follows the frames.
        double before = ((Number) js("return document.querySelector(\"[data-testid='evidence-video']\").currentTime")).doubleValue();
        js("document.querySelector(\"[data-testid='evidence-video']\").play()");
        waitFor("playback to advance half a second", d -> ((Number) js("return document.querySelector(\"[data-testid='evidence-video']\")"
                + ".currentTime")).doubleValue() > before + 0.5 ? true : null);
        js("document.querySelector(\"[data-testid='evidence-video']\").pause()");
        waitFor("the overlay on the paused frame", d -> Boolean.TRUE.equals(js("const v = document.querySelector("
                + "\"[data-testid='evidence-video']\"), c = document.querySelector(\"[data-testid='evidence-overlay']\");"
                + " return v.paused && c.dataset.offset === String(Math.floor(v.currentTime * 25 + 1e-6))")) ? true : null);
        Number decoded = (Number) js("return document.querySelector(\"[data-testid='evidence-video']\").getVideoPlaybackQuality()"
                + ".totalVideoFrames");
        assertThat(decoded.intValue()).as("frames decoded while playing").isGreaterThan(10);
        // Step to a frame inside the window and check again.
        chromium.driver.findElement(By.cssSelector("[data-testid='clip-deciding']")).click();
        chromium.driver.findElement(By.cssSelector("[data-testid='clip-previous']")).click();
        waitFor("the frame before the deciding one", d -> String.valueOf(deciding - 1).equals(js("return document.querySelector("
                + "\"[data-testid='evidence-overlay']\").dataset.frameIndex")) ? true : null);
        assertDrawnBoxesAreTheEvents();
    }

    /** The overlay's boxes are the detection events' of the frame it names, and they are painted on the canvas. */
    private void assertDrawnBoxesAreTheEvents() throws Exception {
        String frameIndex = (String) js("return document.querySelector(\"[data-testid='evidence-overlay']\").dataset.frameIndex");
        JsonNode drawn = JSON.readTree((String) js("return document.querySelector(\"[data-testid='evidence-overlay']\").dataset.boxes"));
        List<BoxPx> expected = boxesByFrame.get(Long.parseLong(frameIndex));
        assertThat(expected).as("the synthetic drive has a car and a bystander on every frame").hasSize(2);
        List<List<Double>> drawnBoxes = new ArrayList<>();
        drawn.forEach(b -> drawnBoxes.add(List.of(b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(), b.get(3).asDouble())));
        assertThat(drawnBoxes).as("boxes drawn on frame %s", frameIndex).containsExactlyInAnyOrderElementsOf(expected.stream()
                .map(b -> List.of(b.x1(), b.y1(), b.x2(), b.y2())).toList());
        for (BoxPx b : expected) {
            Number alpha = (Number) js("return document.querySelector(\"[data-testid='evidence-overlay']\").getContext('2d')"
                    + ".getImageData(arguments[0], arguments[1], 1, 1).data[3]", (int) Math.round(b.x1()), (int) Math.round((b.y1() + b.y2()) / 2));
            assertThat(alpha.intValue()).as("the left edge of box %s is painted", b).isPositive();
        }
    }
}
