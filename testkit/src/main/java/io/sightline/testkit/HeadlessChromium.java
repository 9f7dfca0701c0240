package io.sightline.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's chromium driven through Debian's chromedriver: both from apt, never downloaded at test
 * time (the build machine may have no internet, and Selenium Manager is never consulted because
 * both paths are given). Missing packages fail the test with the command that installs them.
 */
public final class HeadlessChromium implements AutoCloseable {

    public static final Path CHROMIUM = Path.of(System.getProperty("sightline.ui.chromium", "/usr/bin/chromium"));
    public static final Path CHROMEDRIVER = Path.of(System.getProperty("sightline.ui.chromedriver", "/usr/bin/chromedriver"));
    public static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run");

    public final ChromeDriver driver;
    private final ChromeDriverService service;
    private final Path profile;

    private HeadlessChromium(ChromeDriver driver, ChromeDriverService service, Path profile) {
        this.driver = driver;
        this.service = service;
        this.profile = profile;
    }

    /** Debian's packages of the browser and its driver, and fonts so that pages render the same everywhere. */
    static final List<String> PACKAGES = List.of("chromium", "chromium-driver", "fonts-dejavu-core", "fonts-liberation");
    private static boolean installTried;

    public static HeadlessChromium start(int widthPx, int heightPx) throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            installFromDebian();
        }
        StringBuilder missing = new StringBuilder();
        if (!Files.isExecutable(CHROMIUM)) {
            missing.append(" chromium (").append(CHROMIUM).append(')');
        }
        if (!Files.isExecutable(CHROMEDRIVER)) {
            missing.append(" chromedriver (").append(CHROMEDRIVER).append(')');
        }
        if (!missing.isEmpty()) {
            fail("This browser test needs a real headless Chromium, missing:" + missing
                    + ". Install Debian's packages: apt-get install -y chromium chromium-driver (the tests do this themselves when run"
                    + " as root on Debian, and .ci/run does it first),"
                    + " or point -Dsightline.ui.chromium / -Dsightline.ui.chromedriver at other binaries.");
        }
        // A fresh profile per run: nothing cached or remembered from an earlier run can make the test pass.
        Path profile = Files.createTempDirectory("sightline-ui-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(FLAGS);
        options.addArguments("--user-data-dir=" + profile, "--window-size=" + widthPx + "," + heightPx);
        // The page's console, so a failing assertion can show the page's own errors.
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        try {
            return new HeadlessChromium(new ChromeDriver(service, options), service, profile);
        } catch (RuntimeException e) {
            service.stop();
            deleteTree(profile);
            throw new AssertionError("Chromium " + CHROMIUM + " did not start through " + CHROMEDRIVER
                    + " (chromium and chromium-driver must be the same version: apt-get install -y chromium chromium-driver): "
                    + e.getMessage(), e);
        }
    }

    /**
     * Installs the packages with apt-get when this build runs as root on Debian, so that
     * {@code ./mvnw -B verify} on a fresh machine needs nothing installed by hand; once per JVM.
     * Anywhere else it does nothing, and the caller fails naming the packages.
     */
    private static synchronized void installFromDebian() {
        Path aptGet = Path.of("/usr/bin/apt-get");
        if (installTried || !Files.isExecutable(aptGet) || !"root".equals(System.getProperty("user.name"))) {
            return;
        }
        installTried = true;
        System.err.println("HeadlessChromium: installing Debian's " + String.join(", ", PACKAGES) + " for the browser tests ...");
        try {
            run(List.of(aptGet.toString(), "update", "-qq"));
            List<String> install = new java.util.ArrayList<>(List.of(aptGet.toString(), "install", "-y", "-qq", "--no-install-recommends"));
            install.addAll(PACKAGES);
            run(install);
        } catch (IOException e) {
            System.err.println("HeadlessChromium: apt-get failed (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        if (!p.waitFor(15, java.util.concurrent.TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in 15 minutes");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + p.exitValue());
        }
    }

    /**
     * The page from its top, beyond the window, up to {@code maxHeightPx} tall (DevTools'
     * Page.captureScreenshot through chromedriver, which needs no version-matched CDP bindings).
     */
    public byte[] pageScreenshot(int maxHeightPx) {
        Number widthPx = (Number) driver.executeScript("return document.documentElement.clientWidth");
        Number heightPx = (Number) driver.executeScript("return Math.ceil(document.documentElement.scrollHeight)");
        Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png",
                "captureBeyondViewport", true,
                "clip", Map.of("x", 0, "y", 0, "width", widthPx.intValue(), "height", Math.min(maxHeightPx, heightPx.intValue()), "scale", 1)));
        return Base64.getDecoder().decode((String) shot.get("data"));
    }

    /** The page's console messages so far, one per line. */
    public String console() {
        try {
            StringBuilder out = new StringBuilder();
            driver.manage().logs().get("browser").forEach(entry -> out.append(entry.getLevel()).append(' ')
                    .append(entry.getMessage()).append('\n'));
            return out.toString();
        } catch (RuntimeException e) {
            return "(console not available: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            service.stop();
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException stillInUse) {
                    // Chromium's helpers may still be flushing the profile: a temp dir left behind is harmless.
                }
            }
        }
    }
}
