package io.sightline.runtime;

import io.sightline.inference.ActivatedModel;
import io.sightline.inference.Detections;
import io.sightline.inference.Detector;
import io.sightline.inference.FrameSource;
import io.sightline.inference.FrameSourceException;
import io.sightline.inference.InferenceException;
import io.sightline.inference.ModelLoader;
import io.sightline.inference.ModelRejectedException;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.SessionConfig;
import io.sightline.inference.cli.InferenceCli;
import io.sightline.inference.cli.Json;
import io.sightline.runtime.telemetry.EdgeTelemetry;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

/**
 * {@code detect --image FILE [--model M] [--json]} and
 * {@code detect --video FILE|URL [--model M] [--max-frames N] [--out FILE.ndjson]}.
 * Errors print one line and exit non-zero without a stack trace: 1 for bad input or model,
 * 3 when a video ended before its declared frame count (results up to there are still written).
 */
@Command(name = "detect", mixinStandardHelpOptions = true,
        description = "Run an ONNX object detector on an image or a video (file, URL or /dev/video*).")
public final class DetectCommand implements Callable<Integer> {
    public static final int EXIT_ERROR = InferenceCli.EXIT_ERROR;
    public static final int EXIT_TRUNCATED = 3;

    static final class Input {
        @Option(names = "--image", paramLabel = "FILE", description = "A still image (decoded with OpenCV).")
        Path image;
        @Option(names = "--video", paramLabel = "FILE|URL", description = "A video file, stream URL or V4L2 device.")
        String video;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--model", defaultValue = "yolox-nano", paramLabel = "NAME",
            description = "Bundled model: yolox-nano (default) or fastestdet, or a model directory with manifest.json.")
    String model;

    @Option(names = "--json", description = "Image mode: print a JSON array of {class, score, box:[x1,y1,x2,y2]}.")
    boolean json;

    @Option(names = "--max-frames", paramLabel = "N", defaultValue = "0", description = "Stop after N frames (0 = all).")
    long maxFrames;

    @Option(names = "--out", paramLabel = "FILE.ndjson", description = "Video mode: write one JSON line per frame here (default: stdout).")
    Path out;

    @Option(names = "--realtime", description = "Pace file playback at its native frame rate.")
    boolean realtime;

    @Option(names = "--fallback", paramLabel = "NAME",
            description = "Video mode: fallback model used when the primary misses --deadline-ms (e.g. fastestdet).")
    String fallback;

    @Option(names = "--deadline-ms", defaultValue = "100", paramLabel = "MS", description = "Primary deadline per frame with --fallback.")
    double deadlineMs;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N", description = "ONNX Runtime intra-op threads.")
    int threads;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return input.image != null ? image() : video();
        } catch (ModelRejectedException | FrameSourceException | InferenceException | UncheckedIOException e) {
            err.println("error: " + e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            err.println("error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        err.flush();
        return EXIT_ERROR;
    }

    private static Path modelDir(String name) {
        Path p = Path.of(name);
        if (Files.isRegularFile(p.resolve(ModelLoader.MANIFEST))) {
            return p;
        }
        return ProjectHome.bundledModel(name);
    }

    private ActivatedModel load(String name, String role) {
        return ModelLoader.activate(modelDir(name), role, new SessionConfig(threads, 1, "ALL_OPT"));
    }

    private int image() {
        PrintWriter outw = spec.commandLine().getOut();
        Path file = input.image;
        if (!Files.isRegularFile(file)) {
            throw new FrameSourceException(file.toString(), "image file not found: " + file.toAbsolutePath(), null);
        }
        try (Mat img = imread(file.toString(), IMREAD_COLOR)) {
            if (img.empty()) {
                throw new FrameSourceException(file.toString(), "cannot decode image " + file.toAbsolutePath() + " (not an image OpenCV can read)", null);
            }
            ActivatedModel m = load(model, "primary");
            try (Detector d = m.detector()) {
                Detections dets = d.detect(img);
                if (json) {
                    StringBuilder sb = new StringBuilder();
                    Json.detections(sb, dets);
                    outw.println(sb);
                } else {
                    outw.printf(Locale.ROOT, "%s: %d detection(s) by %s %s%n", file, dets.count(), d.manifest().name(), d.manifest().version());
                    for (int i = 0; i < dets.count(); i++) {
                        outw.printf(Locale.ROOT, "  %-12s %.3f [%.1f, %.1f, %.1f, %.1f]%n", dets.className(i), dets.score[i],
                                dets.x1[i], dets.y1[i], dets.x2[i], dets.y2[i]);
                    }
                }
            }
        }
        outw.flush();
        return 0;
    }

    private int video() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ActivatedModel primary = load(model, "primary");
        ActivatedModel fb = null;
        long t0 = System.nanoTime();
        Writer sinkWriter = null;
        try (FrameSource src = FrameSource.open(input.video, new FrameSource.Options(realtime, 0, 5000))) {
            if (fallback != null) {
                fb = load(fallback, "fallback");
            }
            sinkWriter = out != null
                    ? new BufferedWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))
                    : stdout;
            Writer w = sinkWriter;
            boolean progress = System.console() != null;
            long total = maxFrames > 0 ? (src.declaredFrames() > 0 ? Math.min(maxFrames, src.declaredFrames()) : maxFrames) : src.declaredFrames();
            StringBuilder line = new StringBuilder(512);
            boolean withModel = fallback != null;
            // The edge's own loop (PerceptionLoop), so that what detect prints is what the vehicle perceives.
            PerceptionLoop.FrameListener listener = p -> {
                line.setLength(0);
                line.append("{\"frameIndex\":").append(p.frameIndex())
                        .append(",\"captureTimeNanos\":").append(p.captureTimeNanos());
                if (withModel) {
                    line.append(",\"model\":");
                    Json.string(line, p.modelName());
                }
                line.append(",\"detections\":");
                Json.detections(line, p.detections());
                line.append("}\n");
                try {
                    w.write(line.toString());
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write " + (out != null ? out : "stdout") + ": " + e.getMessage(), e);
                }
                if (progress) {
                    progressBar(err, p.frameIndex() + 1, total, System.nanoTime() - t0);
                }
            };
            boolean latestWins = src.isLive() || realtime;
            PerceptionLoop.Result r = PerceptionLoop.detectOnly(src, primary, fb, latestWins, maxFrames, EdgeTelemetry.process(), listener);
            w.flush();
            if (progress) {
                err.print("\r\033[K");
                err.flush();
            }
            PrintWriter summaryOut = out != null ? stdout : err;
            double secs = (System.nanoTime() - t0) / 1e9;
            summaryOut.printf(Locale.ROOT, "%s: %d frames, %d detections, %.1f fps (%s %s)%s%n", input.video, r.frames(),
                    r.detections(), r.frames() / secs, primary.event().modelName(), primary.event().modelVersion(),
                    r.framesDropped() > 0 ? ", " + r.framesDropped() + " frames dropped (latest-frame-wins)" : "");
            summaryOut.print(r.stats().format());
            summaryOut.flush();
            if (r.endedEarly() != null) {
                err.println("error: " + r.endedEarly().getMessage());
                err.flush();
                return EXIT_TRUNCATED;
            }
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            if (sinkWriter != null && sinkWriter != stdout) {
                try {
                    sinkWriter.close();
                } catch (IOException ignored) {
                    // reported by flush above
                }
            }
            primary.detector().close();
            if (fb != null) {
                fb.detector().close();
            }
        }
    }

    private static void progressBar(PrintWriter err, long done, long total, long elapsedNanos) {
        double fps = done / (elapsedNanos / 1e9);
        if (total > 0) {
            int width = 30;
            int filled = (int) Math.min(width, done * width / total);
            err.printf(Locale.ROOT, "\r[%s%s] %d/%d frames %.1f fps", "#".repeat(filled), " ".repeat(width - filled), done, total, fps);
        } else {
            err.printf(Locale.ROOT, "\r%d frames %.1f fps", done, fps);
        }
        err.flush();
    }

    /** Standalone entry point (the application registers the command under {@code ./sightline}). */
    public static void main(String[] args) {
        System.exit(InferenceCli.commandLine(new DetectCommand()).execute(args));
    }
}
