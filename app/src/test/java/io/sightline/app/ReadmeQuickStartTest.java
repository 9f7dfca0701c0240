package io.sightline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Walks the README's quick start as a newcomer would: a clean checkout of the project (every
 * tracked and unignored file, nothing built, no {@code .sightline/}), no Sightline or Spring
 * environment, then the README's first command. The launcher builds itself with the Maven wrapper
 * and runs the main job on its embedded defaults; the summary must report alerts and the API must
 * answer with them. The README's second command is the one running this test, so the test checks
 * that {@code .ci/run} runs exactly it.
 */
class ReadmeQuickStartTest {

    /** First build (all modules, no tests) plus the run itself, on two cores. */
    static final Duration QUICK_START_TIMEOUT = Duration.ofMinutes(20);
    static final Pattern FENCED = Pattern.compile("```\\s*\\n(.*?)\\n\\s*```", Pattern.DOTALL);

    @TempDir
    Path checkout;

    @Test
    void theReadmesTwoCommandsAreTheOnesWeRun() throws IOException {
        List<String> commands = readmeCommands();
        assertThat(commands).as("README 'Two commands' section").containsExactly("./sightline run", "./mvnw -B verify");
        assertThat(Files.readString(root().resolve(".ci/run"))).as(".ci/run runs the README's test command")
                .contains("\n" + commands.get(1) + "\n");
    }

    @Test
    void aNewcomersFirstRunReportsAlertsAndTheApiAnswers() throws Exception {
        copyCleanCheckout(root(), checkout);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // The README's command; only the port differs, so that a busy 8080 on a CI machine cannot fail it.
        List<String> command = new ArrayList<>(List.of(readmeCommands().get(0).split(" ")));
        command.add("--port");
        command.add(Integer.toString(port));
        ProcessBuilder pb = new ProcessBuilder(command).directory(checkout.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("SIGHTLINE_") || k.startsWith("SPRING_") || k.startsWith("OTEL_"));
        Process run = pb.start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        StringBuilder transcript = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("<<output closed: " + e.getMessage() + ">>");
            }
        }, "quick-start-output");
        reader.setDaemon(true);
        reader.start();
        try {
            long deadline = System.nanoTime() + QUICK_START_TIMEOUT.toNanos();
            String alertsLine = null;
            String groundTruthLine = null;
            String investigatorToken = null;
            boolean serving = false;
            while (!serving) {
                String line = lines.poll(5, TimeUnit.SECONDS);
                if (line == null) {
                    if (!run.isAlive() && lines.isEmpty()) {
                        fail("./sightline run exited with " + run.exitValue() + " before serving:\n" + transcript);
                    }
                    if (System.nanoTime() > deadline) {
                        fail("./sightline run did not start serving within " + QUICK_START_TIMEOUT + ":\n" + transcript);
                    }
                    continue;
                }
                transcript.append(line).append('\n');
                String trimmed = line.trim();
                if (trimmed.startsWith("alerts ")) {
                    alertsLine = trimmed;
                } else if (trimmed.startsWith("ground truth")) {
                    groundTruthLine = trimmed;
                } else if (trimmed.startsWith("investigator ")) {
                    investigatorToken = trimmed.substring("investigator ".length()).trim();
                } else if (trimmed.startsWith("serving until Ctrl-C")) {
                    serving = true;
                }
            }
            assertThat(alertsLine).as("summary line 'alerts'\n" + transcript).isNotNull();
            Matcher raised = Pattern.compile("alerts\\s+(\\d+) raised").matcher(alertsLine);
            assertThat(raised.find()).as(alertsLine).isTrue();
            assertThat(Integer.parseInt(raised.group(1))).as("alerts raised on the bundled clip\n" + transcript).isPositive();
            assertThat(groundTruthLine).as("scored against the clip's ground truth\n" + transcript).isNotNull().contains("PASS");
            assertThat(investigatorToken).as("printed investigator token").isNotBlank();

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String base = "http://localhost:" + port;
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"UP\"");
            HttpResponse<String> alerts = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/alerts"))
                    .header("Authorization", "Bearer " + investigatorToken).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(alerts.statusCode()).as(alerts.body()).isEqualTo(200);
            assertThat(alerts.body()).contains("FORWARD_COLLISION");
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/alerts")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).as("the API is not open without a token").isEqualTo(401);
        } finally {
            // SIGTERM runs the shutdown hooks, which stop the embedded PostgreSQL; a kill would orphan it.
            run.destroy();
            if (!run.waitFor(60, TimeUnit.SECONDS)) {
                run.destroyForcibly();
            }
        }
    }

    static Path root() {
        return Path.of("..").toAbsolutePath().normalize();
    }

    static List<String> readmeCommands() throws IOException {
        String readme = Files.readString(root().resolve("README.md"));
        int start = readme.indexOf("## Two commands");
        assertThat(start).as("README has a 'Two commands' section").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        Matcher m = FENCED.matcher(readme.substring(start, end < 0 ? readme.length() : end));
        List<String> commands = new ArrayList<>();
        while (m.find()) {
            commands.add(m.group(1).trim());
        }
        return commands;
    }

    /**
     * What {@code git clone} of the working tree would hold: tracked files plus new files that are
     * not ignored (so the test also covers work not yet committed), with their executable bits.
     */
    static void copyCleanCheckout(Path root, Path target) throws IOException, InterruptedException {
        Process ls = new ProcessBuilder("git", "-C", root.toString(), "ls-files", "-z", "--cached", "--others", "--exclude-standard")
                .redirectErrorStream(false).start();
        byte[] listing = ls.getInputStream().readAllBytes();
        if (ls.waitFor() != 0) {
            fail("git ls-files failed in " + root + ": the quick-start test needs the project as a git checkout");
        }
        int copied = 0;
        for (String name : new String(listing, StandardCharsets.UTF_8).split("\0")) {
            if (name.isEmpty()) {
                continue;
            }
            Path from = root.resolve(name);
            if (!Files.isRegularFile(from)) {
                continue; // deleted in the working tree but still tracked
            }
            Path to = target.resolve(name);
            Files.createDirectories(to.getParent());
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
            copied++;
        }
        assertThat(copied).as("files in the checkout").isGreaterThan(100);
        assertThat(target.resolve("sightline")).isExecutable();
        assertThat(target.resolve("mvnw")).isExecutable();
    }
}
