package io.sightline.app.run;

import io.sightline.runtime.AssumedDrive;
import io.sightline.runtime.EdgePipeline;
import io.sightline.runtime.EvidenceStage;
import io.sightline.runtime.ShadowStage;
import io.sightline.runtime.StageBudgets;
import io.sightline.runtime.RunReport;
import io.sightline.runtime.ThreadCpu;

import io.sightline.app.clip.HazardClipCommand;
import io.sightline.inference.ActivatedModel;
import io.sightline.inference.Detector;
import io.sightline.inference.FrameSource;
import io.sightline.inference.ModelLoader;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.SessionConfig;
import io.sightline.inference.StageStats;
import io.sightline.inference.VideoFrame;
import io.sightline.uplink.evidence.EvidenceStore;
import io.sightline.uplink.journal.EdgeJournal;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sightline bench-pipeline}: the edge pipeline's throughput and latency against their
 * limits, measured in one run on the same clip and model:
 * <ol>
 *   <li><b>inference alone</b>: the detector over the clip's frames, decoded beforehand (the
 *       limit the pipeline is compared with);</li>
 *   <li><b>as fast as possible</b>: decode → detect → decide → journal with back-pressure; frames/s
 *       against inference alone (target ≥ 0.8) and against the clip's own rate (FastestDet ≥ 2×);</li>
 *   <li><b>real-time pacing</b>: frame → decision p99 against its limit (FastestDet 50 ms,
 *       YOLOX-nano inference p99 + 15 ms);</li>
 *   <li><b>overload</b>: the file paced at 3× the pipeline's measured capacity, latest-wins;
 *       every frame processed or dropped and recorded, no queue above its capacity, frame →
 *       decision p99 within its budget;</li>
 *   <li><b>shadow</b> (issue 17 §3): real-time pacing with a shadow challenger off and on,
 *       alternating; the champion's pooled frame → decision p99 may grow by at most 10 %, and every
 *       frame is shadowed or counted as skipped.</li>
 * </ol>
 * The edge journal is a fresh SQLite file per phase; the cloud is not started (an edge device
 * does not host it).
 */
@Command(name = "bench-pipeline", mixinStandardHelpOptions = true,
        description = {"Edge pipeline throughput and latency against inference alone, in one run:",
                "as fast as possible, real-time pacing, 3x overload (latest-wins), and a shadow challenger off/on.",
                "Phase 'summaries' (not in the default list) measures what the window summaries cost."})
public final class PipelineBenchCommand implements Callable<Integer> {

    /** Issue targets, stated here so that every run prints its verdict against them. */
    static final double MIN_PIPELINE_TO_INFERENCE_RATIO = 0.8;
    static final double MIN_FASTESTDET_REALTIME_FACTOR = 2.0;
    static final double FASTESTDET_FRAME_TO_DECISION_P99_LIMIT_MS = 50.0;
    /** Issue 19: real-time frame→decision p99 ≤ inference-alone p99 + this, for both models, in every run. */
    static final double FRAME_TO_DECISION_SLACK_MS = 15.0;
    static final double OVERLOAD_FACTOR = 3.0;
    /** Issue 16: the window summaries (and the picture statistics behind them) may cost at most this share of frames/s. */
    static final double MAX_SUMMARY_COST = 0.02;

    @Option(names = "--model", defaultValue = "fastestdet", description = "yolox-nano or fastestdet (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--video", description = "Clip (default: the bundled clip of run).")
    String video;

    @Option(names = "--threads", defaultValue = "1", description = "ONNX Runtime intra-op threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--phases", split = ",", defaultValue = "inference,afap,realtime,overload,shadow",
            description = "Which phases to run (default ${DEFAULT-VALUE}; also summaries, journal).")
    List<String> phases;

    @Option(names = "--shadow-model", paramLabel = "MODEL",
            description = "Shadow challenger of the shadow phase (default: yolox-nano beside fastestdet, fastestdet beside anything else).")
    String shadowModel;

    @Option(names = "--shadow-pairs", defaultValue = "3",
            description = "Shadow phase: real-time runs with the shadow off and on, alternating, this many pairs (default ${DEFAULT-VALUE}).")
    int shadowPairs;

    @Option(names = "--evidence", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Keep evidence as run does (default ${DEFAULT-VALUE}); --no-evidence measures without.")
    boolean evidence;

    @Option(names = "--evidence-form", defaultValue = "clip", paramLabel = "clip|jpeg",
            description = "clip: one MP4 per alert window remuxed from the source's packets, no per-frame work (ADR-0037, as run),"
                    + " or for a source without such packets encoded once from a ring of decoded frames (ADR-0041);"
                    + " jpeg: a JPEG of every frame with the boxes drawn (ADR-0008) (default ${DEFAULT-VALUE}).")
    String evidenceForm;

    @Option(names = "--warm-up-runs", defaultValue = "1",
            description = "As-fast-as-possible runs before the measured one, not counted: the first run in a JVM loads and compiles"
                    + " the decide and journal paths, which an edge running for hours does once (default ${DEFAULT-VALUE}).")
    int warmUpRuns;

    @Option(names = "--ratio-pairs", defaultValue = "3",
            description = "Inference alone and the pipeline as fast as possible, alternating, this many pairs; the verdict takes"
                    + " the median of the pairs' ratios, so that a drift of the machine between two phases cannot decide it"
                    + " (default ${DEFAULT-VALUE}).")
    int ratioPairs;

    @Option(names = "--detector-nice", defaultValue = "" + io.sightline.runtime.EdgeDefaults.DETECTOR_NICE, paramLabel = "N",
            description = "Nice value of the detector's thread, so that it owns a core while decoding, deciding and journalling share"
                    + " the other (ADR-0039); negative values need CAP_SYS_NICE, without it the detector runs at normal priority and"
                    + " says so; 0 leaves it alone (default ${DEFAULT-VALUE}).")
    int detectorNice;

    @Option(names = "--realtime-runs", defaultValue = "5",
            description = "Real-time runs, each held to the frame->decision limit (the issue asks 5 of 5) (default ${DEFAULT-VALUE}).")
    int realtimeRuns;

    @Option(names = "--overload-passes", defaultValue = "5", description = "Overload passes over the clip (default ${DEFAULT-VALUE}).")
    int overloadPasses;

    @Option(names = "--summary-pairs", defaultValue = "5",
            description = "Phase 'summaries': as-fast-as-possible runs with window summaries off and on, alternating, this many"
                    + " pairs (default ${DEFAULT-VALUE}).")
    int summaryPairs;

    @Option(names = "--summary-passes", defaultValue = "3",
            description = "Phase 'summaries': runs over the clip per measurement, their frames over their time (default ${DEFAULT-VALUE}).")
    int summaryPasses;

    @Option(names = "--journal-sync-ms", defaultValue = "" + io.sightline.runtime.EdgeDefaults.JOURNAL_SYNC_INTERVAL_MILLIS,
            description = "Journal group commit interval of every phase, as edge's option (default ${DEFAULT-VALUE}; 0: fsync per frame).")
    long journalSyncMillis;

    @Option(names = "--journal-pairs", defaultValue = "5",
            description = "Phase 'journal': as-fast-as-possible runs with an fsync per frame and with group commit, alternating, this"
                    + " many pairs (default ${DEFAULT-VALUE}).")
    int journalPairs;

    /** Journal sync interval of the next runPipeline; the 'journal' phase switches it. */
    private long syncMillis = -1;
    private EdgeJournal.SyncStats lastSync;

    /** Window summaries in the afap, realtime and overload phases: as run and edge journal them. */
    private double summaryWindowSeconds = io.sightline.runtime.EdgeDefaults.SUMMARY_WINDOW_SECONDS;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        try {
            EdgePipeline.clipForm(evidenceForm);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), e.getMessage());
        }
        if (journalSyncMillis < 0 || journalSyncMillis > EdgeJournal.MAX_SYNC_INTERVAL_MILLIS) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--journal-sync-ms must be 0 to "
                    + EdgeJournal.MAX_SYNC_INTERVAL_MILLIS + ", got " + journalSyncMillis);
        }
        if (warmUpRuns < 0) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--warm-up-runs must be 0 or more, got "
                    + warmUpRuns);
        }
        if (detectorNice < -20 || detectorNice > 19) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--detector-nice must be -20 to 19, got "
                    + detectorNice);
        }
        if (ratioPairs < 1) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--ratio-pairs must be 1 or more, got "
                    + ratioPairs);
        }
        if (realtimeRuns < 1) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--realtime-runs must be 1 or more, got "
                    + realtimeRuns);
        }
        syncMillis = journalSyncMillis;
        String clip = video != null ? video : ProjectHome.get().resolve(HazardClipCommand.DEFAULT_OUT).toString();
        boolean fastestDet = model.toLowerCase(Locale.ROOT).startsWith("fastestdet");
        out.printf(Locale.ROOT, "bench-pipeline: model %s, clip %s, ORT threads %d, evidence %s, %d cores%n", model, clip, threads,
                evidence ? "on, " + evidenceForm + " form" : "off", Runtime.getRuntime().availableProcessors());
        out.printf(Locale.ROOT, "journal: group commit every %d ms (0: fsync per frame), safety events at once%n", journalSyncMillis);
        out.printf(Locale.ROOT, "load average before: %s%n", loadAverage());

        double clipFps;
        long clipFrames;
        try (FrameSource probe = FrameSource.open(clip)) {
            clipFps = probe.frameRate() > 0 ? probe.frameRate() : 25.0;
            clipFrames = probe.declaredFrames();
        }
        List<String> verdicts = new ArrayList<>();
        double inferenceFps = Double.NaN;
        double inferenceP99Ms = Double.NaN;
        if (phases.contains("inference")) {
            StageStats s = new StageStats("detect");
            inferenceFps = inferenceAlone(clip, s);
            inferenceP99Ms = s.percentileMs("detect", 99);
            out.printf(Locale.ROOT, "%n[1] inference alone: %.1f frames/s; detect p50 %.2f ms, p99 %.2f ms%n", inferenceFps,
                    s.percentileMs("detect", 50), inferenceP99Ms);
        }
        double pipelineFps = Double.NaN;
        if (phases.contains("afap")) {
            for (int i = 1; i <= warmUpRuns; i++) {
                RunReport w = runPipeline(clip, false, false, 1.0);
                out.printf(Locale.ROOT, "%n[2] warm-up run %d of %d (not counted): %.1f frames/s, process CPU per frame %.2f ms%n", i,
                        warmUpRuns, w.framesPerSecond(), lastCpuNanosPerFrame / 1e6);
            }
            RunReport r = runPipeline(clip, false, false, 1.0);
            pipelineFps = r.framesPerSecond();
            out.printf(Locale.ROOT, "%n[2] pipeline as fast as possible (back-pressure): %d frames, %.1f frames/s = %.2fx real time%n",
                    r.framesCaptured(), pipelineFps, pipelineFps / clipFps);
            printStages(out, r);
            printEvidenceBudget(out, r);
            printSync(out, r, lastSync);
            if (!Double.isNaN(inferenceFps)) {
                // This machine's speed drifts by more than the target's margin within minutes (docs/benchmarks.md): each
                // pair measures both sides back to back, and the median pair decides.
                double[] ratios = new double[ratioPairs];
                double[] pipelines = new double[ratioPairs];
                ratios[0] = pipelineFps / inferenceFps;
                pipelines[0] = pipelineFps;
                out.printf(Locale.ROOT, "    pair 1 of %d: pipeline / inference alone = %.1f / %.1f = %.2f%n", ratioPairs, pipelineFps,
                        inferenceFps, ratios[0]);
                for (int pair = 2; pair <= ratioPairs; pair++) {
                    double alone = inferenceAlone(clip, new StageStats("detect"));
                    RunReport again = runPipeline(clip, false, false, 1.0);
                    pipelines[pair - 1] = again.framesPerSecond();
                    ratios[pair - 1] = again.framesPerSecond() / alone;
                    out.printf(Locale.ROOT, "    pair %d of %d: pipeline / inference alone = %.1f / %.1f = %.2f (process CPU per frame"
                                    + " %.2f ms)%n", pair, ratioPairs, again.framesPerSecond(), alone, ratios[pair - 1],
                            lastCpuNanosPerFrame / 1e6);
                }
                double ratio = medianOf(ratios);
                pipelineFps = medianOf(pipelines);
                double low = java.util.Arrays.stream(ratios).min().orElseThrow();
                double high = java.util.Arrays.stream(ratios).max().orElseThrow();
                verdicts.add(verdict(ratio >= MIN_PIPELINE_TO_INFERENCE_RATIO, String.format(Locale.ROOT,
                        "pipeline / inference-alone frames/s, median of %d back-to-back pairs = %.2f (range %.2f to %.2f; target >= %.2f)",
                        ratioPairs, ratio, low, high, MIN_PIPELINE_TO_INFERENCE_RATIO)));
            }
            if (fastestDet) {
                verdicts.add(verdict(pipelineFps / clipFps >= MIN_FASTESTDET_REALTIME_FACTOR, String.format(Locale.ROOT,
                        "FastestDet pipeline at %.2fx real time (target >= %.1fx)", pipelineFps / clipFps,
                        MIN_FASTESTDET_REALTIME_FACTOR)));
            }
        }
        if (phases.contains("realtime")) {
            // Issue 19: for both models, inference-alone p99 + 15 ms, in every run (5 of 5); FastestDet's older 50 ms is looser.
            double limit = Double.isNaN(inferenceP99Ms) ? (fastestDet ? FASTESTDET_FRAME_TO_DECISION_P99_LIMIT_MS : Double.NaN)
                    : inferenceP99Ms + FRAME_TO_DECISION_SLACK_MS;
            int within = 0;
            double worst = 0;
            for (int run = 1; run <= realtimeRuns; run++) {
                RunReport r = runPipeline(clip, true, true, 1.0);
                double p99 = r.percentileMs(StageBudgets.FRAME_TO_DECISION, 99);
                worst = Math.max(worst, p99);
                within += p99 <= limit ? 1 : 0;
                out.printf(Locale.ROOT, "%n[3] real-time pacing (latest-wins), run %d of %d: %d frames, %d dropped; frame->decision p50 %.2f ms,"
                                + " p99 %.2f ms (%.2f of the limit), p99.9 %.2f ms%n", run, realtimeRuns, r.framesCaptured(), r.framesDropped(),
                        r.percentileMs(StageBudgets.FRAME_TO_DECISION, 50), p99, p99 / limit,
                        r.percentileMs(StageBudgets.FRAME_TO_DECISION, 99.9));
                if (run == 1) {
                    printStages(out, r);
                    printSync(out, r, lastSync);
                }
            }
            if (!Double.isNaN(limit)) {
                verdicts.add(verdict(within == realtimeRuns, String.format(Locale.ROOT,
                        "real-time frame->decision p99 within %.2f ms (%s) in %d of %d runs; worst %.2f ms = %.2f of the limit", limit,
                        Double.isNaN(inferenceP99Ms) ? "FastestDet's 50 ms: no inference phase"
                                : "inference-alone p99 + " + FRAME_TO_DECISION_SLACK_MS, within, realtimeRuns, worst, worst / limit)));
            }
        }
        if (phases.contains("overload")) {
            double capacity = Double.isNaN(pipelineFps) ? (Double.isNaN(inferenceFps) ? clipFps : inferenceFps) : pipelineFps;
            double speed = OVERLOAD_FACTOR * capacity / clipFps;
            out.printf(Locale.ROOT, "%n[4] overload: input paced at %.1f frames/s (%.2fx the clip's rate, %.1fx capacity %.1f frames/s),"
                    + " %d passes%n", clipFps * speed, speed, OVERLOAD_FACTOR, capacity, overloadPasses);
            // One pass at 3x capacity lasts a fraction of the clip; several passes give the tail enough samples.
            // StageStats histograms count microseconds.
            Histogram frameToDecision = new Histogram(60_000_000L, 3);
            boolean exact = true;
            boolean dropped = true;
            boolean bounded = true;
            for (int pass = 1; pass <= overloadPasses; pass++) {
                RunReport r = runPipeline(clip, true, true, speed);
                frameToDecision.add(r.stages().histogram(StageBudgets.FRAME_TO_DECISION));
                long recorded = r.framesCaptured() + r.framesDropped();
                out.printf(Locale.ROOT, "    pass %d: %d processed + %d dropped = %d of %d frames (%d FramesDropped events);"
                                + " deepest queues %s of %s; frame->decision p99 %.2f ms%n", pass, r.framesCaptured(), r.framesDropped(),
                        recorded, clipFrames, r.count("FramesDropped"), r.queueMaxDepths().values(), r.queueCapacities().values(),
                        r.percentileMs(StageBudgets.FRAME_TO_DECISION, 99));
                exact &= clipFrames < 0 || recorded == clipFrames;
                dropped &= r.framesDropped() > 0;
                bounded &= queuesWithinCapacity(r);
            }
            double p99 = frameToDecision.getValueAtPercentile(99) / 1e3;
            out.printf(Locale.ROOT, "    all passes (%d frames): frame->decision p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n",
                    frameToDecision.getTotalCount(), frameToDecision.getValueAtPercentile(50) / 1e3, p99,
                    frameToDecision.getValueAtPercentile(99.9) / 1e3, frameToDecision.getMaxValue() / 1e3);
            verdicts.add(verdict(exact, "overload: every frame processed or dropped-and-recorded, in every pass"));
            verdicts.add(verdict(dropped, "overload really dropped frames in every pass"));
            verdicts.add(verdict(bounded, "overload: no queue above its capacity"));
            double budgetMs = StageBudgets.FRAME_TO_DECISION_BUDGET_NANOS / 1e6;
            verdicts.add(verdict(p99 <= budgetMs, String.format(Locale.ROOT,
                    "overload frame->decision p99 %.2f ms within the %.0f ms budget (%.2f of it)", p99, budgetMs, p99 / budgetMs)));
        }
        if (phases.contains("summaries")) {
            summaryCost(out, clip, verdicts);
        }
        if (phases.contains("journal")) {
            journalCost(out, clip, verdicts);
        }
        if (phases.contains("shadow")) {
            shadowCost(out, clip, fastestDet, verdicts);
        }
        out.printf(Locale.ROOT, "%nload average after: %s%n", loadAverage());
        out.println("verdicts:");
        verdicts.forEach(v -> out.println("  " + v));
        out.flush();
        return 0;
    }

    private static double medianOf(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }

    private double inferenceAlone(String clip, StageStats stats) {
        List<Mat> frames = new ArrayList<>();
        try (FrameSource src = FrameSource.open(clip)) {
            for (VideoFrame f; (f = src.next()) != null; ) {
                frames.add(f.image().clone());
            }
        }
        ActivatedModel m = ModelLoader.activate(modelDir(), "primary", new SessionConfig(threads, 1, "ALL_OPT"));
        Detector det = m.detector();
        try {
            for (int i = 0; i < EdgePipeline.WARM_UP_RUNS; i++) {
                det.detect(frames.get(i % frames.size()));
            }
            long t0 = System.nanoTime();
            for (Mat frame : frames) {
                long s = System.nanoTime();
                det.detect(frame);
                stats.record("detect", System.nanoTime() - s);
            }
            return frames.size() / ((System.nanoTime() - t0) / 1e9);
        } finally {
            det.close();
            frames.forEach(Mat::close);
        }
    }

    private Path modelDir() {
        Path p = Path.of(model);
        return Files.isRegularFile(p.resolve(ModelLoader.MANIFEST)) ? p : ProjectHome.bundledModel(model);
    }

    /** Issue 17 §3: the shadow may add at most this share to the champion's real-time frame→decision p99. */
    static final double MAX_SHADOW_P99_GROWTH = 0.10;

    /**
     * The champion at real-time pacing with a shadow challenger off and on, alternating so that a
     * drift of the machine falls on both alike; the frame→decision histograms of each side are pooled
     * over the passes and their p99s compared in this run.
     */
    private void shadowCost(PrintStream out, String clip, boolean fastestDet, List<String> verdicts) throws Exception {
        String challenger = shadowModel != null ? shadowModel : fastestDet ? "yolox-nano" : "fastestdet";
        out.printf(Locale.ROOT, "%n[7] shadow: %s champion at real-time pacing, shadow %s off / on (ShadowStage defaults: cpu share %.2f,"
                + " adaptive sampling), %d pairs%n", model, challenger, ShadowStage.Options.defaults().maxCpuShare(), shadowPairs);
        Histogram off = new Histogram(60_000_000L, 3);
        Histogram on = new Histogram(60_000_000L, 3);
        long shadowed = 0;
        long skipped = 0;
        long frames = 0;
        double[] pairGrowth = new double[shadowPairs];
        for (int pair = 1; pair <= shadowPairs; pair++) {
            RunReport a = runPipeline(clip, true, true, 1.0);
            off.add(a.stages().histogram(StageBudgets.FRAME_TO_DECISION));
            RunReport b = runPipeline(clip, true, true, 1.0, challenger);
            on.add(b.stages().histogram(StageBudgets.FRAME_TO_DECISION));
            shadowed += lastShadow[0];
            skipped += lastShadow[1];
            frames += b.framesCaptured();
            pairGrowth[pair - 1] = b.percentileMs(StageBudgets.FRAME_TO_DECISION, 99) / a.percentileMs(StageBudgets.FRAME_TO_DECISION, 99) - 1;
            out.printf(Locale.ROOT, "    pair %d: off p99 %.2f ms (%d frames, %d dropped); on p99 %.2f ms (%d frames, %d dropped;"
                            + " shadow ran on %d, skipped %d): %+.1f %%%n", pair, a.percentileMs(StageBudgets.FRAME_TO_DECISION, 99), a.framesCaptured(),
                    a.framesDropped(), b.percentileMs(StageBudgets.FRAME_TO_DECISION, 99), b.framesCaptured(), b.framesDropped(),
                    lastShadow[0], lastShadow[1], 100 * pairGrowth[pair - 1]);
        }
        // A p99 of one 9-second pass rests on its 2 or 3 slowest frames: the pairs' spread says how far one figure can be trusted.
        double[] sortedGrowth = pairGrowth.clone();
        java.util.Arrays.sort(sortedGrowth);
        out.printf(Locale.ROOT, "    per pair: p99 growth median %+.1f %%, range %+.1f … %+.1f %% over %d pairs%n",
                100 * org.apache.commons.statistics.descriptive.Median.withDefaults().evaluate(sortedGrowth), 100 * sortedGrowth[0],
                100 * sortedGrowth[sortedGrowth.length - 1], shadowPairs);
        double p99Off = off.getValueAtPercentile(99) / 1e3;
        double p99On = on.getValueAtPercentile(99) / 1e3;
        double growth = p99On / p99Off - 1;
        out.printf(Locale.ROOT, "    pooled: frame->decision p50 %.2f / %.2f ms, p99 %.2f / %.2f ms (off / on): p99 %+.1f %%;"
                        + " the shadow ran on %d of %d frames (%.0f %%)%n", off.getValueAtPercentile(50) / 1e3, on.getValueAtPercentile(50) / 1e3,
                p99Off, p99On, 100 * growth, shadowed, frames, frames == 0 ? 0.0 : 100.0 * shadowed / frames);
        verdicts.add(verdict(growth <= MAX_SHADOW_P99_GROWTH, String.format(Locale.ROOT,
                "shadow %s: champion real-time frame->decision p99 %.2f ms on / %.2f ms off = %+.1f %% (limit +%.0f %%)", challenger, p99On,
                p99Off, 100 * growth, 100 * MAX_SHADOW_P99_GROWTH)));
        verdicts.add(verdict(shadowed > 0 && shadowed + skipped == frames, String.format(Locale.ROOT,
                "shadow: every champion frame shadowed (%d) or counted as skipped (%d) of %d", shadowed, skipped, frames)));
    }

    /** The last run's alert-window clips and the evidence store's bytes on disk after it: the evidence budgets. */
    private List<EdgePipeline.ClipSummary> lastClips = List.of();
    private long lastEvidenceDiskBytes;
    private String lastEvidenceSummary;

    /** The process's CPU time per frame of the last run, all threads: what a frame costs the edge's cores, whatever the load. */
    private double lastCpuNanosPerFrame = Double.NaN;

    /** CPU nanoseconds of the last run by thread group, Java and native threads alike (FFmpeg's, ONNX Runtime's). */
    private Map<String, Long> lastThreadCpu = Map.of();

    private long lastExtraBuffers;

    private Map<String, long[]> lastQueueWaits = Map.of();

    private String lastDetectorPriority = "normal";

    /** Below this share of a frame's CPU a thread group is summed into "other threads" rather than listed. */
    static final double THREAD_CPU_LIST_MIN_SHARE = 0.01;

    /**
     * Where each frame's CPU goes, by thread: the detector's thread owns one core (ADR-0039), the rest
     * of the frame's work shares the other, and this is that other core's bill, per frame.
     */
    private void printThreadCpu(PrintStream out, long frames) {
        if (lastThreadCpu.isEmpty()) {
            out.println("    CPU per frame by thread: not available (no /proc/self/task)");
            return;
        }
        long total = 0;
        for (long v : lastThreadCpu.values()) {
            total += v;
        }
        double n = Math.max(1, frames);
        long detector = lastThreadCpu.getOrDefault(DETECT_THREAD, 0L);
        out.printf(Locale.ROOT, "    CPU per frame by thread (schedstat): %.2f ms in all, detector's thread %.2f ms, every other thread %.2f ms%n",
                total / n / 1e6, detector / n / 1e6, (total - detector) / n / 1e6);
        long other = 0;
        for (Map.Entry<String, Long> e : lastThreadCpu.entrySet()) {
            if (e.getValue() >= THREAD_CPU_LIST_MIN_SHARE * total) {
                out.printf(Locale.ROOT, "      %-20s %6.2f ms/frame  %5.1f %%%n", e.getKey(), e.getValue() / n / 1e6, 100.0 * e.getValue() / total);
            } else {
                other += e.getValue();
            }
        }
        out.printf(Locale.ROOT, "      %-20s %6.2f ms/frame  %5.1f %%%n", "other threads", other / n / 1e6, 100.0 * other / total);
        out.printf(Locale.ROOT, "    decode->detect hand-over: pixel buffers allocated beyond the %d reused ones: %d%n",
                io.sightline.runtime.EdgePipeline.HANDOVER_BUFFERS, lastExtraBuffers);
        // A stage waiting for its input (or for room downstream) is where the pipeline falls short of its slowest stage.
        StringBuilder waits = new StringBuilder();
        lastQueueWaits.forEach((queue, w) -> waits.append(waits.length() == 0 ? "" : "; ").append(String.format(Locale.ROOT,
                "%s producer %.2f, consumer %.2f", queue, w[0] / n / 1e6, w[1] / n / 1e6)));
        out.println("    waits per frame in ms (producer for room, consumer for an item): " + waits);
        out.println("    detector's thread: " + lastDetectorPriority);
    }

    /** The detect stage's thread in the per-thread table. */
    static final String DETECT_THREAD = "stage detect";

    /**
     * The run's CPU by thread: each stage's thread as it measured itself when it ended (it is gone
     * by the second snapshot), and every other thread (FFmpeg's decoder threads, the JIT, GC) from
     * /proc, largest first.
     */
    private static Map<String, Long> byThread(Map<String, Long> others, Map<String, Long> stages) {
        List<Map.Entry<String, Long>> all = new ArrayList<>();
        stages.forEach((k, v) -> all.add(Map.entry("stage " + k, v)));
        others.forEach((k, v) -> {
            if (!k.startsWith("sightline-")) {
                all.add(Map.entry(k, v));
            }
        });
        all.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        all.forEach(e -> out.merge(e.getKey(), e.getValue(), Long::sum));
        return out;
    }

    private static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    /** Uploaded bytes per alert window and the edge's evidence disk use, of the last run. */
    private void printEvidenceBudget(PrintStream out, RunReport r) {
        out.printf(Locale.ROOT, "    process CPU per frame (all threads, detector included): %.2f ms%n", lastCpuNanosPerFrame / 1e6);
        printThreadCpu(out, r.framesCaptured());
        if (!evidence) {
            return;
        }
        long alerts = r.count("AlertRaised");
        if (lastClips.isEmpty()) {
            out.printf(Locale.ROOT, "    evidence (%s): %d alert%s, edge disk %.2f MB (every frame's JPEG; only alert windows' are uploaded)%n",
                    evidenceForm, alerts, alerts == 1 ? "" : "s", lastEvidenceDiskBytes / 1e6);
            return;
        }
        long bytes = 0;
        for (EdgePipeline.ClipSummary c : lastClips) {
            bytes += c.bytes();
        }
        out.printf(Locale.ROOT, "    evidence (clip): %d alert%s in %d window%s, uploaded %.2f MB per alert window, edge disk %.2f MB%n",
                alerts, alerts == 1 ? "" : "s", lastClips.size(), lastClips.size() == 1 ? "" : "s", bytes / 1e6 / lastClips.size(),
                lastEvidenceDiskBytes / 1e6);
        // The form (remuxed or encoded, and by which encoder), the cut/encode time per window, the stills and the frame ring's memory.
        out.printf(Locale.ROOT, "    evidence form: %s%n", lastEvidenceSummary);
        double ringP50 = r.percentileMs(io.sightline.runtime.ClipStage.RING_STAGE, 50);
        if (!Double.isNaN(ringP50)) {
            out.printf(Locale.ROOT, "    frame ring (decode thread, per frame: downscale to I420): p50 %.2f ms, p99 %.2f ms%n", ringP50,
                    r.percentileMs(io.sightline.runtime.ClipStage.RING_STAGE, 99));
        }
    }

    /** Frames the last shadowed run's challenger ran on and skipped. */
    private final long[] lastShadow = {0, 0};

    private RunReport runPipeline(String clip, boolean realtime, boolean latestWins, double speed) throws Exception {
        return runPipeline(clip, realtime, latestWins, speed, null);
    }

    private RunReport runPipeline(String clip, boolean realtime, boolean latestWins, double speed, String shadow) throws Exception {
        Path dir = Files.createTempDirectory("sightline-bench-pipeline");
        try {
            EdgePipeline.Options options = new EdgePipeline.Options(clip, model, null, realtime, latestWins, AssumedDrive.EGO_SPEED_MPS,
                    threads, 0, LocalRun.FLEET_ID, LocalRun.VEHICLE_ID, LocalRun.DEVICE_ID, "bench");
            try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES,
                    e -> e instanceof io.sightline.domain.event.AlertRaised, java.time.Duration.ofMillis(syncMillis));
                 EvidenceStore store = evidence ? EvidenceStore.open(journal, LocalRun.EVIDENCE_BUDGET_BYTES) : null;
                 EdgePipeline pipeline = EdgePipeline.open(options, speed)) {
                if (shadow != null) {
                    pipeline.shadow(shadow, ShadowStage.Options.defaults());
                }
                // Monitoring off means all of it: no summaries and no picture statistics (so no camera health either).
                long cpu0 = processCpuNanos();
                ThreadCpu threads0 = ThreadCpu.snapshot();
                RunReport report = pipeline.detectorNice(detectorNice).evidence(store).evidenceClips("clip".equals(evidenceForm))
                        .summaryWindow(summaryWindowSeconds)
                        .pictureStatistics(summaryWindowSeconds > 0).run(journal, EdgePipeline.ProgressListener.NONE);
                lastCpuNanosPerFrame = (processCpuNanos() - cpu0) / (double) Math.max(1, report.framesCaptured());
                lastThreadCpu = byThread(ThreadCpu.snapshot().since(threads0), pipeline.stageCpuNanos());
                lastExtraBuffers = pipeline.handoverExtraAllocations();
                lastQueueWaits = pipeline.queueWaitNanos();
                lastDetectorPriority = pipeline.detectorPriority();
                lastClips = pipeline.clipsCut();
                lastEvidenceSummary = pipeline.evidenceSummary();
                lastEvidenceDiskBytes = store == null ? 0 : store.stats().usedBytes();
                lastShadow[0] = pipeline.shadowFramesShadowed();
                lastShadow[1] = pipeline.shadowFramesDropped();
                lastSummaryBytes = summaryBytes(journal, report.sessionId());
                lastSync = journal.syncStats();
                return report;
            }
        } finally {
            deleteTree(dir);
        }
    }

    /** Wire bytes of the last run's window summaries, and how many: what they add to the journal and the uplink. */
    private long[] lastSummaryBytes = {0, 0};

    private static long[] summaryBytes(EdgeJournal journal, String sessionId) {
        long bytes = 0;
        long count = 0;
        for (EdgeJournal.StoredEvent e : journal.read(sessionId, 0, Integer.MAX_VALUE, Long.MAX_VALUE)) {
            if (e.wireJson().contains("\"EdgeWindowSummarized\"")) {
                bytes += e.wireJson().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                count++;
            }
        }
        return new long[] {count, bytes};
    }

    /**
     * The same as-fast-as-possible run with monitoring off (no window summaries, no picture
     * statistics, hence no camera health) and on, alternating so that a drift of the
     * machine (heat, other work) falls on both alike; the cost is 1 - median(on) / median(off). The
     * window is shortened to 2 s so that a clip of seconds closes several windows, as an hour of
     * driving closes sixty.
     */
    private void summaryCost(PrintStream out, String clip, List<String> verdicts) throws Exception {
        double window = 2.0;
        double[] off = new double[summaryPairs];
        double[] on = new double[summaryPairs];
        long[] bytes = {0, 0};
        out.printf(Locale.ROOT, "%n[5] monitoring (window summaries, picture statistics, camera health): %d pairs of %d as-fast-as-possible"
                + " runs each, off and on (window %.0f s)%n", summaryPairs, summaryPasses, window);
        for (int i = 0; i < summaryPairs; i++) {
            // The order alternates too, so that neither side always runs on a warmer machine.
            boolean offFirst = i % 2 == 0;
            for (int side = 0; side < 2; side++) {
                boolean monitoring = offFirst == (side == 1);
                summaryWindowSeconds = monitoring ? window : 0;
                long frames = 0;
                long nanos = 0;
                for (int p = 0; p < summaryPasses; p++) {
                    RunReport r = runPipeline(clip, false, false, 1.0);
                    frames += r.framesCaptured();
                    nanos += Math.round(r.framesCaptured() / r.framesPerSecond() * 1e9);
                }
                double fps = frames / (nanos / 1e9);
                if (monitoring) {
                    on[i] = fps;
                    bytes = lastSummaryBytes;
                } else {
                    off[i] = fps;
                }
            }
            out.printf(Locale.ROOT, "    pair %d (%s first): off %.1f frames/s, on %.1f frames/s%n", i + 1, offFirst ? "off" : "on", off[i],
                    on[i]);
        }
        summaryWindowSeconds = io.sightline.runtime.EdgeDefaults.SUMMARY_WINDOW_SECONDS;
        double medianOff = median(off);
        double medianOn = median(on);
        double cost = 1 - medianOn / medianOff;
        out.printf(Locale.ROOT, "    median off %.1f, on %.1f frames/s; %d summaries of %.0f bytes each on average%n", medianOff, medianOn,
                bytes[0], bytes[0] == 0 ? 0.0 : (double) bytes[1] / bytes[0]);
        verdicts.add(verdict(cost <= MAX_SUMMARY_COST, String.format(Locale.ROOT,
                "monitoring costs %.1f %% of frames/s (1 - %.1f / %.1f; target <= %.0f %%)", 100 * cost, medianOn, medianOff,
                100 * MAX_SUMMARY_COST)));
    }

    /**
     * Phase 'journal' (ADR-0033): as-fast-as-possible runs with an fsync per frame and with group
     * commit, alternating so that a change in machine load hits both alike; prints the journal
     * stage's time per frame, fsyncs per frame and frames/s of each, and their ratios.
     */
    private void journalCost(PrintStream out, String clip, List<String> verdicts) throws Exception {
        long groupMillis = journalSyncMillis > 0 ? journalSyncMillis : io.sightline.runtime.EdgeDefaults.JOURNAL_SYNC_INTERVAL_MILLIS;
        out.printf(Locale.ROOT, "%n[6] journal: %d pairs of as-fast-as-possible runs, fsync per frame (0 ms) and group commit (%d ms)%n",
                journalPairs, groupMillis);
        Histogram[] journal = {new Histogram(60_000_000L, 3), new Histogram(60_000_000L, 3)};
        Histogram[] wait = {new Histogram(60_000_000L, 3), new Histogram(60_000_000L, 3)};
        long[] frames = new long[2];
        long[] wallNanos = new long[2];
        long[] commits = new long[2];
        boolean bounded = true;
        for (int i = 0; i < journalPairs; i++) {
            boolean perFrameFirst = i % 2 == 0;
            for (int side = 0; side < 2; side++) {
                int k = perFrameFirst == (side == 0) ? 0 : 1;
                syncMillis = k == 0 ? 0 : groupMillis;
                RunReport r = runPipeline(clip, false, false, 1.0);
                journal[k].add(r.stages().histogram(StageBudgets.JOURNAL));
                wait[k].add(r.stages().histogram(StageBudgets.JOURNAL_EVIDENCE_WAIT));
                frames[k] += r.framesCaptured();
                wallNanos[k] += r.wallNanos();
                commits[k] += lastSync.commits();
                out.printf(Locale.ROOT, "    pair %d, %-12s %.1f frames/s; journal p50 %.2f ms, mean %.2f ms per frame; %d appends, %d fsyncs"
                                + " (%d for safety events)%n", i + 1, k == 0 ? "per frame:" : "group:", r.framesPerSecond(),
                        r.percentileMs(StageBudgets.JOURNAL, 50), r.stages().histogram(StageBudgets.JOURNAL).getMean() / 1e3,
                        lastSync.appends(), lastSync.commits(), lastSync.safetyCommits());
                if (k == 1) {
                    // Timer commits start a group at most once per interval; each safety commit may split one, and the end syncs once.
                    long allowed = (long) Math.ceil(r.wallNanos() / (groupMillis * 1e6)) + 2 * lastSync.safetyCommits() + 2;
                    bounded &= lastSync.commits() <= allowed;
                }
            }
        }
        syncMillis = journalSyncMillis;
        double[] fps = new double[2];
        for (int k = 0; k < 2; k++) {
            fps[k] = frames[k] / (wallNanos[k] / 1e9);
            out.printf(Locale.ROOT, "    %-10s %.1f frames/s; journal per frame p50 %.2f, p99 %.2f, mean %.3f ms; %.2f fsyncs per frame;"
                            + " wait for the evidence picture p50 %.2f, p99 %.2f ms%n", k == 0 ? "per frame" : "group", fps[k],
                    journal[k].getValueAtPercentile(50) / 1e3, journal[k].getValueAtPercentile(99) / 1e3, journal[k].getMean() / 1e3,
                    (double) commits[k] / Math.max(1, frames[k]), wait[k].getTotalCount() == 0 ? Double.NaN : wait[k].getValueAtPercentile(50) / 1e3,
                    wait[k].getTotalCount() == 0 ? Double.NaN : wait[k].getValueAtPercentile(99) / 1e3);
        }
        double costRatio = journal[1].getMean() / journal[0].getMean();
        out.printf(Locale.ROOT, "    group / per frame: journal time per frame %.2f, fsyncs per frame %.2f, frames/s %.2f%n", costRatio,
                ((double) commits[1] / frames[1]) / ((double) commits[0] / frames[0]), fps[1] / fps[0]);
        verdicts.add(verdict(bounded, String.format(Locale.ROOT, "journal group commit: at most one fsync per %d ms (plus safety events),"
                + " every run", groupMillis)));
        verdicts.add(verdict(costRatio < 1, String.format(Locale.ROOT, "journal time per frame with group commit / with an fsync per frame"
                + " = %.3f / %.3f ms = %.2f (< 1)", journal[1].getMean() / 1e3, journal[0].getMean() / 1e3, costRatio)));
    }

    /** The last run's journal commits: how many fsyncs its frames shared. */
    private static void printSync(PrintStream out, RunReport r, EdgeJournal.SyncStats s) {
        out.printf(Locale.ROOT, "    journal: %d appends, %d fsyncs (%.2f per frame, %d at once for safety events), group commit %d ms%n",
                s.appends(), s.commits(), (double) s.commits() / Math.max(1, r.framesCaptured()), s.safetyCommits(), s.syncIntervalMillis());
        // A full decide->journal queue is where the journal (and its wait for pictures) would hold up detection.
        out.printf(Locale.ROOT, "    deepest queues %s of capacities %s%n", r.queueMaxDepths(), r.queueCapacities());
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static boolean queuesWithinCapacity(RunReport r) {
        for (Map.Entry<String, Integer> e : r.queueMaxDepths().entrySet()) {
            if (e.getValue() > r.queueCapacities().getOrDefault(e.getKey(), Integer.MAX_VALUE)) {
                return false;
            }
        }
        return true;
    }

    private void printStages(PrintStream out, RunReport r) {
        List<String> stages = new ArrayList<>(List.of(StageBudgets.DECODE, StageStats.PREPROCESS, StageStats.INFERENCE,
                StageStats.POSTPROCESS, StageBudgets.DECIDE, StageBudgets.JOURNAL, StageBudgets.FRAME_TO_DECISION));
        if (evidence && "clip".equals(evidenceForm)) {
            stages.add(io.sightline.runtime.ClipStage.STAGE);
        } else if (evidence) {
            stages.add(EvidenceStage.STAGE);
            stages.add(StageBudgets.JOURNAL_EVIDENCE_WAIT);
        }
        for (String stage : stages) {
            out.printf(Locale.ROOT, "    %-22s p50 %8.2f  p99 %8.2f  p99.9 %8.2f ms%n", stage, r.percentileMs(stage, 50),
                    r.percentileMs(stage, 99), r.percentileMs(stage, 99.9));
        }
    }

    private static String verdict(boolean pass, String what) {
        return (pass ? "PASS  " : "FAIL  ") + what;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
