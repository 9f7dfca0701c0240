package io.sightline.app.run;

import io.sightline.runtime.AssumedDrive;
import io.sightline.runtime.EdgePipeline;
import io.sightline.runtime.RunProgress;
import io.sightline.runtime.RunReport;

import io.sightline.app.VersionCommand;
import io.sightline.app.clip.GroundTruthScore;
import io.sightline.app.clip.HazardClipCommand;
import io.sightline.runtime.telemetry.EdgeTelemetry;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.inference.ProjectHome;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./sightline run}: the main job. One drive session from a video through the edge pipeline
 * into the journal, uploaded in-process into the cloud's store and projections, served over HTTP.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the whole pipeline on a video and serve the results:",
            "decode → detect → track/risk/actuation → journal → upload → store → projections → API."})
public final class RunCommand implements Callable<Integer> {

    /**
     * The bundled road clip with a composited slower lead vehicle (see {@code hazard-clip}): the
     * unmodified dashcam clips hold no hazard, so a first run would show no alert to investigate.
     */
    static final String BUNDLED_CLIP = HazardClipCommand.DEFAULT_OUT;
    /** Demo tokens last a working day; the key is random per run unless sightline.security.jwt-secret is set. */
    static final Duration TOKEN_VALIDITY = Duration.ofHours(12);
    /** How long a Ctrl-C waits for the frames in flight to be journaled and the session ended. */
    private static final long STOP_GRACE_SECONDS = 10;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--video", paramLabel = "FILE|URL", description = "Video file, stream URL or /dev/video*; default: the bundled 960×540 clip.")
    String video;

    @Option(names = "--model", defaultValue = "yolox-nano", paramLabel = "NAME",
            description = "Detector: yolox-nano (default, falls back to fastestdet after repeated deadline misses) or fastestdet.")
    String model;

    @Option(names = "--realtime", description = "Pace the file at its frame rate; frames are then latest-wins under overload.")
    boolean realtime;

    @Option(names = "--latest-wins", negatable = true, paramLabel = "BOOL",
            description = "Drop the oldest frame when detection falls behind (default: on with --realtime or a live source).")
    Boolean latestWins;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port of the API (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--exit", description = "Stop when the video ends and the cloud has caught up, instead of serving until Ctrl-C.")
    boolean exit;

    @Option(names = "--jdbc-url", description = "PostgreSQL to use; default: the embedded one under .sightline/pgdata.")
    String jdbcUrl;

    @Option(names = "--ego-speed-mps", defaultValue = "" + AssumedDrive.EGO_SPEED_MPS,
            description = "Assumed constant ego speed: the bundled clips carry no vehicle signals (default ${DEFAULT-VALUE}).")
    double egoSpeedMps;

    @Option(names = "--max-frames", defaultValue = "0", paramLabel = "N", description = "Stop after N frames (0 = all).")
    long maxFrames;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N", description = "ONNX Runtime intra-op threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--evidence", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Keep evidence beside the journal, content-addressed, and upload that of alert windows; --no-evidence"
                    + " keeps none (default: on).")
    boolean evidence = true;

    @Option(names = "--evidence-form", defaultValue = "clip", paramLabel = "clip|jpeg",
            description = "clip: the source's own video, one MP4 per alert window remuxed from the file's packets, boxes drawn by"
                    + " the viewer (ADR-0037), or encoded once from the decoded frames for a camera, a stream or a codec MP4 does"
                    + " not carry (ADR-0041), with a still JPEG of each alert's deciding frame; jpeg: a JPEG of every frame with the"
                    + " boxes drawn (ADR-0008) (default: ${DEFAULT-VALUE}).")
    String evidenceForm;

    @Option(names = "--catch-up-timeout", defaultValue = "60", paramLabel = "SECONDS",
            description = "Longest wait for upload and projections after the video (default ${DEFAULT-VALUE}).")
    long catchUpTimeoutSeconds;

    @Option(names = "--summary-window", defaultValue = "" + io.sightline.runtime.EdgeDefaults.SUMMARY_WINDOW_SECONDS, paramLabel = "SECONDS",
            description = "Journal an EdgeWindowSummarized (latency per stage, picture statistics, detection histograms) per this many"
                    + " seconds of the session; 0 turns summaries off (default ${DEFAULT-VALUE}).")
    double summaryWindowSeconds;

    @Option(names = "--detector-nice", defaultValue = "" + io.sightline.runtime.EdgeDefaults.DETECTOR_NICE, paramLabel = "N",
            description = "Nice value of the detector's thread, so that it owns a core while decoding, deciding and journalling share"
                    + " the other (ADR-0039); negative values need CAP_SYS_NICE, without it the detector runs at normal priority and"
                    + " says so; 0 leaves it alone (default ${DEFAULT-VALUE}).")
    int detectorNice;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Path home = ProjectHome.get();
        String videoLocation = video != null ? video : home.resolve(BUNDLED_CLIP).toString();
        String fallback = model.toLowerCase(Locale.ROOT).startsWith("fastestdet") ? null : "fastestdet";
        EdgePipeline.Options options = new EdgePipeline.Options(videoLocation, model, fallback, realtime, latestWins, egoSpeedMps,
                threads, maxFrames, LocalRun.FLEET_ID, LocalRun.VEHICLE_ID, LocalRun.DEVICE_ID, VersionCommand.version());
        out.println("sightline " + VersionCommand.version() + ": run");
        boolean clips = clipForm();
        if (detectorNice < -20 || detectorNice > 19) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--detector-nice must be -20 to 19, got "
                    + detectorNice);
        }
        // Source and models first: a wrong path or model fails in a second, before the database starts.
        try (EdgePipeline pipeline = EdgePipeline.open(options).countTraceEdges(true).summaryWindow(summaryWindowSeconds)
                .detectorNice(detectorNice)) {
            out.printf(Locale.ROOT, "video %s, model %s%s%n", videoLocation, pipeline.primaryModelName(),
                    pipeline.fallbackModelName() == null ? "" : " (fallback " + pipeline.fallbackModelName() + ")");
            out.println("telemetry " + EdgeTelemetry.process().describe());
            out.println("starting the cloud (" + (jdbcUrl == null ? "embedded PostgreSQL" : jdbcUrl) + ", port " + port + ") ...");
            ConfigurableApplicationContext cloud = startCloud();
            LocalRun edge = LocalRun.attach(cloud, home.resolve(".sightline").resolve("edge"), LocalRun.DEVICE_ID, evidence)
                    .evidenceClips(clips);
            CountDownLatch finished = new CountDownLatch(1);
            Thread stopHook = new Thread(() -> {
                pipeline.requestStop();
                try {
                    finished.await(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                edge.close();
            }, "sightline-run-stop");
            Runtime.getRuntime().addShutdownHook(stopHook);

            RunProgress progress = new RunProgress(out);
            RunReport report;
            try {
                report = edge.run(pipeline, progress);
            } finally {
                progress.done();
                finished.countDown();
            }
            LocalRun.CatchUp caughtUp = edge.awaitCloud(report, cloud.getBean(JdbcTemplate.class),
                    Duration.ofSeconds(catchUpTimeoutSeconds));
            out.print(report.format());
            GroundTruthScore.truthFor(videoLocation).ifPresent(truth ->
                    out.print(GroundTruthScore.score(truth, edge.journal(), report.sessionId()).format()));
            printEvidence(out, edge, report, pipeline.clipsCut());
            if (pipeline.evidenceSummary() != null) {
                out.printf(Locale.ROOT, "  evidence form %s%n", pipeline.evidenceSummary());
            }
            printCloud(out, caughtUp, cloud);
            if (exit) {
                Runtime.getRuntime().removeShutdownHook(stopHook);
                edge.close();
                // Stop the processors and the web server before close() releases the embedded PostgreSQL
                // (it goes on ContextClosedEvent, ahead of lifecycle beans), or they log broken connections.
                cloud.stop();
                cloud.close();
                return caughtUp.complete() ? 0 : 1;
            }
            out.println("serving until Ctrl-C");
            out.flush();
            new CountDownLatch(1).await();
            return 0;
        }
    }

    private boolean clipForm() {
        try {
            return EdgePipeline.clipForm(evidenceForm);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), e.getMessage());
        }
    }

    private static void printEvidence(PrintStream out, LocalRun edge, RunReport report, List<EdgePipeline.ClipSummary> clips) {
        if (edge.evidence() == null) {
            out.println("  evidence      none kept (--no-evidence)");
            return;
        }
        var store = edge.evidence().stats();
        if (!clips.isEmpty()) {
            long clipBytes = 0;
            int alerts = 0;
            long cutNanos = 0;
            for (EdgePipeline.ClipSummary c : clips) {
                clipBytes += c.bytes();
                alerts += c.alerts();
                cutNanos = Math.max(cutNanos, c.cutNanos());
            }
            out.printf(Locale.ROOT, "  evidence      %d clip%s of the source's own video for %d alert%s: %.2f MB per alert window (%.2f MB"
                            + " in all, longest cut %.0f ms off the detector's thread), %,d uploaded%n", clips.size(), clips.size() == 1 ? "" : "s",
                    alerts, alerts == 1 ? "" : "s", clipBytes / 1e6 / clips.size(), clipBytes / 1e6, cutNanos / 1e6,
                    edge.evidenceUploader().stats().uploaded());
            out.printf(Locale.ROOT, "  edge disk     evidence %.1f MB of its %.0f MB budget (%s)%n", store.usedBytes() / 1e6,
                    store.budgetBytes() / 1e6, edge.evidence().directory());
            return;
        }
        var frames = edge.evidence().frames(report.sessionId());
        long bytes = 0;
        for (var f : frames) {
            bytes += f.sizeBytes();
        }
        var up = edge.evidenceUploader().stats();
        out.printf(Locale.ROOT, "  evidence      %,d frames kept (%.1f MB, %s), %,d uploaded to the cloud (alert windows)%n", frames.size(),
                bytes / 1e6, edge.evidence().directory(), up.uploaded());
        out.printf(Locale.ROOT, "  edge disk     evidence %.1f MB of its %.0f MB budget%n", store.usedBytes() / 1e6, store.budgetBytes() / 1e6);
    }

    private void printCloud(PrintStream out, LocalRun.CatchUp c, ConfigurableApplicationContext cloud) {
        if (c.complete()) {
            out.printf(Locale.ROOT, "  cloud         stored and projected %.1f s after the video ended%n", c.waitedNanos() / 1e9);
        } else {
            out.printf(Locale.ROOT, "  cloud         NOT caught up after %d s: %s%n", catchUpTimeoutSeconds, String.join("; ", c.lagging()));
            out.println("                the journal keeps every event and the projections resume where they are on the next start;"
                    + " wait longer with --catch-up-timeout SECONDS");
        }
        String url = "http://localhost:" + cloud.getEnvironment().getProperty("local.server.port", Integer.toString(port));
        out.println();
        out.println("API: " + url + "/api/v1   (health: " + url + "/actuator/health)");
        DemoTokens tokens = cloud.getBean(DemoTokens.class);
        // The token rides in the fragment: browsers never send a fragment to the server or its logs.
        out.println("UI:  " + url + "/ui/#token=" + tokens.mint("demo-ui", LocalRun.FLEET_ID, TOKEN_VALIDITY, Roles.INVESTIGATOR));
        out.println("demo tokens for " + LocalRun.FLEET_ID + " (valid " + TOKEN_VALIDITY.toHours()
                + " h; send as 'Authorization: Bearer <token>'):");
        for (String role : List.of(Roles.INVESTIGATOR, Roles.AUDITOR, Roles.SAFETY_APP, Roles.ADMIN)) {
            out.printf(Locale.ROOT, "  %-13s %s%n", role, tokens.mint("demo-" + role, LocalRun.FLEET_ID, TOKEN_VALIDITY, role));
        }
        out.flush();
    }

    /** The launcher's inherited {@code --verbose}, read through picocli (the flag lives on the parent command). */
    private boolean verbose() {
        CommandLine.Model.OptionSpec option = spec.findOption("--verbose");
        return option != null && Boolean.TRUE.equals(option.getValue());
    }

    private ConfigurableApplicationContext startCloud() {
        // As arguments, not builder defaults: defaults rank below the application's own property files.
        List<String> args = new ArrayList<>();
        args.add("--server.port=" + port);
        if (jdbcUrl != null && !jdbcUrl.isBlank()) {
            args.add("--spring.datasource.url=" + jdbcUrl);
        }
        if (!verbose()) {
            // A failed start is reported as one line by the launcher; Spring's own report is a stack trace.
            args.add("--logging.level.org.springframework.boot.SpringApplication=OFF");
            args.add("--logging.level.org.springframework.boot.diagnostics=OFF");
            args.add("--logging.level.org.springframework.boot.web.server.servlet.context=ERROR");
        }
        return new SpringApplicationBuilder(SightlineCloudApplication.class)
                .web(WebApplicationType.SERVLET)
                .logStartupInfo(false)
                .run(args.toArray(String[]::new));
    }
}
