package io.sightline.inference.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.sightline.inference.ActivatedModel;
import io.sightline.inference.FrameSource;
import io.sightline.inference.ModelLoader;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.SessionConfig;
import io.sightline.inference.StageStats;
import io.sightline.inference.StageTimes;
import io.sightline.inference.VideoFrame;
import io.sightline.inference.internal.OrtDetector;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Per-stage latency harness: decodes a clip, then runs the adapter (preprocess, inference,
 * decode+NMS) and, interleaved on the very same input tensor, a raw {@code OrtSession.run} (new
 * Result each time, closed) so the adapter's overhead over bare ONNX Runtime is measured in one run.
 */
@Command(name = "bench-inference", mixinStandardHelpOptions = true,
        description = "Per-stage p50/p99 (HdrHistogram) of the detector adapter vs raw OrtSession.run.")
public final class InferenceBenchCommand implements Callable<Integer> {

    /** Issue 19: preprocessing, the pinned run and decoding may add at most this share to a bare session.run, cold frames too. */
    static final double MAX_ADAPTER_OVERHEAD = 0.15;

    @Option(names = "--model", defaultValue = "yolox-nano", description = "yolox-nano or fastestdet")
    String model;

    @Option(names = "--video", description = "Clip to decode frames from (default samples/udacity_vd_test_video.mp4).")
    String video;

    @Option(names = "--iterations", defaultValue = "300")
    int iterations;

    @Option(names = "--handover", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Copy each frame into a reused Mat before detecting it, untimed, as the edge pipeline's decode thread"
                    + " hands every frame over (VideoFrame.detached): the detector then reads a frame just written, as it does in"
                    + " the pipeline. --no-handover cycles the decoded frames as stored, so every frame comes cold from memory"
                    + " (default: ${DEFAULT-VALUE}).")
    boolean handover;

    @Option(names = "--warmup", defaultValue = "30")
    int warmup;

    @Option(names = "--threads", defaultValue = "1", description = "ORT intra-op threads")
    int threads;

    @Option(names = "--ffmpeg-threads", defaultValue = "1", description = "FFmpeg decoder threads (0 = auto)")
    int ffmpegThreads;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws OrtException {
        PrintWriter out = spec.commandLine().getOut();
        String clip = video != null ? video : ProjectHome.get().resolve("samples/udacity_vd_test_video.mp4").toString();
        StageStats decode = new StageStats(StageStats.DECODE);
        List<Mat> frames = new ArrayList<>();
        int w = 0;
        int h = 0;
        try (FrameSource src = FrameSource.open(clip, new FrameSource.Options(false, ffmpegThreads, 5000))) {
            w = src.width();
            h = src.height();
            for (VideoFrame f; (f = src.next()) != null; ) {
                decode.record(StageStats.DECODE, f.decodeNanos());
                frames.add(f.image().clone());
            }
        }
        Path dir = ProjectHome.bundledModel(model);
        long a0 = System.nanoTime();
        ActivatedModel m = ModelLoader.activate(dir, "primary", new SessionConfig(threads, 1, "ALL_OPT"));
        long activationNanos = System.nanoTime() - a0;
        StringBuilder warmUps = new StringBuilder();
        for (long n : m.warmUpInferenceNanos()) {
            warmUps.append(warmUps.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", n / 1e6));
        }
        out.printf(Locale.ROOT, "activation %.0f ms (sha256, session, %d warm-up runs on a grey %dx%d frame); warm-up inference %s ms%n",
                activationNanos / 1e6, ModelLoader.WARM_UP_RUNS, ModelLoader.WARM_UP_WIDTH_PX, ModelLoader.WARM_UP_HEIGHT_PX, warmUps);
        OrtDetector det = (OrtDetector) m.detector();
        OrtSession session = det.session();
        Map<String, OnnxTensor> rawInputs = Map.of(det.manifest().input().name(), det.inputTensor());
        StageStats stats = new StageStats(StageStats.PREPROCESS, StageStats.INFERENCE, StageStats.POSTPROCESS, "adapter-total", "raw-ort-run");
        long rssAfterWarmup = -1;
        long rssEnd = -1;
        Mat handed = new Mat();
        try {
            for (int i = 0; i < warmup + iterations; i++) {
                if (i == warmup) {
                    rssAfterWarmup = rssKb();
                }
                Mat frame = frames.get(i % frames.size());
                if (handover) {
                    frame.copyTo(handed);
                    frame = handed;
                }
                det.detect(frame);
                StageTimes t = det.lastTimes();
                if (i == 0) {
                    out.printf(Locale.ROOT, "first frame after activation: preprocess %.2f ms, inference %.2f ms, decode %.2f ms%n",
                            t.preprocessNanos / 1e6, t.inferenceNanos / 1e6, t.postprocessNanos / 1e6);
                }
                long r0 = System.nanoTime();
                try (OrtSession.Result r = session.run(rawInputs)) {
                    r.get(0);
                }
                long raw = System.nanoTime() - r0;
                if (i >= warmup) {
                    stats.recordDetector(t);
                    stats.record("adapter-total", t.totalNanos());
                    stats.record("raw-ort-run", raw);
                }
            }
            rssEnd = rssKb();
        } finally {
            det.close();
            handed.close();
            frames.forEach(Mat::close);
        }
        out.printf(Locale.ROOT, "model %s %s, ORT intra-op threads %d, clip %s (%d frames, %dx%d), %d iterations after %d warm-up,"
                        + " %s, resize %s%n",
                m.event().modelName(), m.event().modelVersion(), threads, clip, frames.size(),
                w, h, iterations, warmup, handover ? "each frame handed over as copied by the decode thread" : "frames cycled cold (--no-handover)",
                det.manifest().input().interpolation());
        out.print(decode.format());
        out.print(stats.format());
        double adapter = stats.percentileMs("adapter-total", 50);
        double raw = stats.percentileMs("raw-ort-run", 50);
        double overhead = (adapter - raw) / raw;
        out.printf(Locale.ROOT, "adapter overhead over raw OrtSession.run (p50): %+.1f %%%n", 100 * overhead);
        out.printf(Locale.ROOT, "%s  adapter overhead %+.1f %% = %.2f of the %.0f %% limit (issue 19: FastestDet, hot and --no-handover cold)%n",
                overhead <= MAX_ADAPTER_OVERHEAD ? "PASS" : "FAIL", 100 * overhead, overhead / MAX_ADAPTER_OVERHEAD, 100 * MAX_ADAPTER_OVERHEAD);
        if (rssAfterWarmup > 0 && rssEnd > 0) {
            out.printf(Locale.ROOT, "process RSS after warm-up %d MiB, after %d iterations %d MiB (native leak check)%n",
                    rssAfterWarmup / 1024, iterations, rssEnd / 1024);
        }
        out.flush();
        return 0;
    }

    /** VmRSS of this process in KiB (Linux), or -1. */
    static long rssKb() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    public static void main(String[] args) {
        System.exit(InferenceCli.commandLine(new InferenceBenchCommand()).execute(args));
    }
}
