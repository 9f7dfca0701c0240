package io.sightline.runtime;


import io.sightline.inference.ProjectHome;
import io.sightline.uplink.evidence.EvidenceStore;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What evidence frames cost the edge pipeline (ADR-0008): the same clip and model run as fast as
 * possible with and without evidence, alternating (without, with, without, with, ...) so that a
 * change in machine load hits both alike; a fresh journal per run, warm-up run first. Prints
 * frames/s per run and the medians, frame → decision, and the per-frame cost of the evidence
 * copy (detect thread) and of draw + JPEG encode + store (evidence thread).
 *
 * <pre>
 * java -cp ... io.sightline.app.run.EvidenceBenchmark [clip] [model] [rounds]
 * </pre>
 */
public final class EvidenceBenchmark {

    private EvidenceBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty(ProjectHome.PROPERTY) == null) {
            System.setProperty(ProjectHome.PROPERTY, Path.of("").toAbsolutePath().toString());
        }
        String clip = args.length > 0 ? args[0] : "samples/sightline_fcw_slower_lead_960x540.mp4";
        String model = args.length > 1 ? args[1] : "fastestdet";
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path work = Files.createTempDirectory("evidence-bench");
        System.out.printf(Locale.ROOT, "evidence benchmark: clip %s, model %s, %d rounds, %d cores, load %s%n", clip, model, rounds,
                Runtime.getRuntime().availableProcessors(), loadAverage());
        encodeAlone(work.resolve("alone"), clip);
        run(work.resolve("warmup"), clip, model, true, false);
        List<Double> fpsWith = new ArrayList<>();
        List<Double> fpsWithout = new ArrayList<>();
        Histogram copy = new Histogram(60_000_000L, 3);
        Histogram encode = new Histogram(60_000_000L, 3);
        Histogram decisionWith = new Histogram(60_000_000L, 3);
        Histogram decisionWithout = new Histogram(60_000_000L, 3);
        long jpegBytes = 0;
        long jpegFrames = 0;
        for (int r = 0; r < rounds; r++) {
            Result without = run(work.resolve("without-" + r), clip, model, false, false);
            fpsWithout.add(without.report.framesPerSecond());
            decisionWithout.add(without.report.stages().histogram(StageBudgets.FRAME_TO_DECISION));
            Result with = run(work.resolve("with-" + r), clip, model, true, false);
            fpsWith.add(with.report.framesPerSecond());
            decisionWith.add(with.report.stages().histogram(StageBudgets.FRAME_TO_DECISION));
            copy.add(with.report.stages().histogram(EvidenceStage.COPY_STAGE));
            encode.add(with.report.stages().histogram(EvidenceStage.STAGE));
            jpegBytes += with.jpegBytes;
            jpegFrames += with.jpegFrames;
            System.out.printf(Locale.ROOT, "round %d: without %.1f frames/s, with %.1f frames/s (load %s)%n", r + 1,
                    without.report.framesPerSecond(), with.report.framesPerSecond(), loadAverage());
        }
        double medWithout = median(fpsWithout);
        double medWith = median(fpsWith);
        System.out.printf(Locale.ROOT, "frames/s median: without %.1f, with %.1f (%.1f %%)%n", medWithout, medWith,
                100.0 * (medWith - medWithout) / medWithout);
        System.out.printf(Locale.ROOT, "frame->decision p50/p99 ms: without %.2f/%.2f, with %.2f/%.2f%n", ms(decisionWithout, 50),
                ms(decisionWithout, 99), ms(decisionWith, 50), ms(decisionWith, 99));
        System.out.printf(Locale.ROOT, "evidence-copy (detect thread) p50 %.2f ms, p99 %.2f ms (n=%d)%n", ms(copy, 50), ms(copy, 99),
                copy.getTotalCount());
        System.out.printf(Locale.ROOT, "evidence draw+encode+store (own thread) p50 %.2f ms, p99 %.2f ms (n=%d)%n", ms(encode, 50),
                ms(encode, 99), encode.getTotalCount());
        System.out.printf(Locale.ROOT, "JPEG mean %.1f KB per frame (%d frames)%n", jpegFrames == 0 ? 0 : jpegBytes / 1024.0 / jpegFrames,
                jpegFrames);

        // At the camera's rate, as on a vehicle: what evidence does to frame -> decision and to drops.
        Histogram rtWith = new Histogram(60_000_000L, 3);
        Histogram rtWithout = new Histogram(60_000_000L, 3);
        long droppedWith = 0;
        long droppedWithout = 0;
        long capturedWith = 0;
        long capturedWithout = 0;
        for (int r = 0; r < rounds; r++) {
            Result without = run(work.resolve("rt-without-" + r), clip, model, false, true);
            rtWithout.add(without.report.stages().histogram(StageBudgets.FRAME_TO_DECISION));
            droppedWithout += without.report.framesDropped();
            capturedWithout += without.report.framesCaptured();
            Result with = run(work.resolve("rt-with-" + r), clip, model, true, true);
            rtWith.add(with.report.stages().histogram(StageBudgets.FRAME_TO_DECISION));
            droppedWith += with.report.framesDropped();
            capturedWith += with.report.framesCaptured();
        }
        System.out.printf(Locale.ROOT, "real time: frame->decision p50/p99 ms without %.2f/%.2f (%d captured, %d dropped),"
                + " with %.2f/%.2f (%d captured, %d dropped) (load %s)%n", ms(rtWithout, 50), ms(rtWithout, 99), capturedWithout,
                droppedWithout, ms(rtWith, 50), ms(rtWith, 99), capturedWith, droppedWith, loadAverage());
    }

    /**
     * The evidence work of one frame without the pipeline around it, on one thread: copy, draw +
     * JPEG encode, and the store's sha256 + file + index row, over the clip's frames (two passes,
     * the first one warm-up). The per-frame CPU cost the pipeline has to find room for.
     */
    private static void encodeAlone(Path dir, String clip) throws Exception {
        Histogram copy = new Histogram(60_000_000L, 3);
        Histogram render = new Histogram(60_000_000L, 3);
        Histogram store = new Histogram(60_000_000L, 3);
        List<io.sightline.domain.event.DetectionObserved> boxes = List.of(
                new io.sightline.domain.event.DetectionObserved("d1", "f", 2, "car", 0.87,
                        new io.sightline.domain.event.BoxPx(420, 260, 560, 360), "m", "1", "x", List.of("f")),
                new io.sightline.domain.event.DetectionObserved("d2", "f", 2, "car", 0.64,
                        new io.sightline.domain.event.BoxPx(610, 280, 700, 340), "m", "1", "x", List.of("f")));
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), 1L << 30);
             EvidenceStore evidence = EvidenceStore.open(journal, 4L << 30)) {
            io.sightline.inference.StageStats unused = new io.sightline.inference.StageStats(EvidenceStage.COPY_STAGE, EvidenceStage.STAGE);
            EvidenceStage stage = new EvidenceStage(evidence, "bench", unused, false);
            long frameNo = 0;
            for (int pass = 0; pass < 2; pass++) {
                try (io.sightline.inference.FrameSource source = io.sightline.inference.FrameSource.open(
                        ProjectHome.get().resolve(clip).toString());
                     org.bytedeco.opencv.opencv_core.Mat pixels = new org.bytedeco.opencv.opencv_core.Mat()) {
                    for (io.sightline.inference.VideoFrame f; (f = source.next()) != null; ) {
                        long t0 = System.nanoTime();
                        f.image().copyTo(pixels);
                        long t1 = System.nanoTime();
                        byte[] jpeg = stage.render(pixels, 1.0, boxes);
                        long t2 = System.nanoTime();
                        evidence.put("bench", "f" + frameNo++, t2, jpeg);
                        long t3 = System.nanoTime();
                        if (pass == 1) {
                            copy.recordValue((t1 - t0) / 1000);
                            render.recordValue((t2 - t1) / 1000);
                            store.recordValue((t3 - t2) / 1000);
                        }
                    }
                }
            }
            stage.release();
        }
        System.out.printf(Locale.ROOT, "evidence alone, one thread, per frame (n=%d): copy p50 %.2f / p99 %.2f ms, draw+encode p50 %.2f"
                + " / p99 %.2f ms, store (sha256 + file + index) p50 %.2f / p99 %.2f ms (load %s)%n", render.getTotalCount(), ms(copy, 50),
                ms(copy, 99), ms(render, 50), ms(render, 99), ms(store, 50), ms(store, 99), loadAverage());
    }

    private record Result(RunReport report, long jpegBytes, long jpegFrames) {
    }

    private static Result run(Path dir, String clip, String model, boolean evidence, boolean realtime) throws Exception {
        // Real time: paced at the clip's rate, latest-wins as on a vehicle. As fast as possible: back-pressure, no drops.
        EdgePipeline.Options options = new EdgePipeline.Options(ProjectHome.get().resolve(clip).toString(), model, null, realtime,
                realtime ? null : Boolean.FALSE,
                AssumedDrive.EGO_SPEED_MPS, 1, 0, "fleet-bench", "vehicle-bench", "device-bench", "bench");
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), 1L << 30);
             EvidenceStore store = evidence ? EvidenceStore.open(journal, 4L << 30) : null;
             EdgePipeline pipeline = EdgePipeline.open(options)) {
            RunReport report = pipeline.evidence(store).run(journal, EdgePipeline.ProgressListener.NONE);
            long bytes = 0;
            long frames = 0;
            if (store != null) {
                for (EvidenceStore.Frame f : store.frames(report.sessionId())) {
                    bytes += f.sizeBytes();
                    frames++;
                }
            }
            return new Result(report, bytes, frames);
        }
    }

    private static double ms(Histogram h, double p) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(p) / 1000.0;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }
}
