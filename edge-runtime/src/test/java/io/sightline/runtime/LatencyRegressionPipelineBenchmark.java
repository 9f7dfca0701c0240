package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.EdgeWindowSummarized;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.domain.monitoring.LatencyCusum;
import io.sightline.domain.monitoring.LatencyDetectorConfig;
import io.sightline.domain.monitoring.LatencySessionP95;
import io.sightline.inference.Detections;
import io.sightline.inference.Detector;
import io.sightline.inference.ModelManifest;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.StageTimes;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A benchmark, not a unit test (its name keeps it out of Surefire's default run): timings belong in
 * benchmarks that print their figures (docs/benchmarks.md). Run it with
 * {@code ./mvnw -pl edge-runtime -am test -Dtest=LatencyRegressionPipelineBenchmark -Dsurefire.failIfNoSpecifiedTests=false};
 * add {@code -Dsightline.test.latency.strict=true} to fail when a target is missed.
 *
 * <p>Issue 16 §3's acceptance targets on real sessions: short segments of a bundled clip through the
 * real pipeline (FFmpeg, FastestDet on ONNX Runtime, decide, SQLite journal), their
 * {@code EdgeWindowSummarized} read back from the journal, the detect stage's session p95 derived
 * and fed to the cloud's detector kernel under the published configuration
 * ({@link LatencyDetectorConfig#current()}). The timings are this machine's, scheduling noise
 * included: that is what the reference spread and the allowance are for.
 *
 * <ul>
 *   <li>0 alarms over 100 unchanged sessions after the reference;</li>
 *   <li>the detector made 10 % slower (a busy-spin of 10 % of its measured p95 per call, inside
 *       the detect call, so the pipeline measures it as it would a slower build) is caught within 2
 *       sessions.</li>
 * </ul>
 */
@ExtendWith(ProjectHomeExtension.class)
class LatencyRegressionPipelineBenchmark {

    static final String CLIP = "samples/udacity_ll_solidWhiteRight.mp4";
    /** The bundled clip's length: a longer session plays it several times over (see {@link #loopedClip}). */
    static final int CLIP_FRAMES = 221;
    /**
     * Frames per session. A real drive is thousands of frames; a p95 of 100 rests on its 5 slowest, and that sampling
     * noise alone spread the session p95s by 8–14 % on an idle machine (docs/benchmarks.md), three times what a 10 %
     * rise in 2 sessions allows. 600 frames is 24 s of driving at 25 frames/s.
     */
    static final int FRAMES = Integer.getInteger("sightline.test.latency.frames", 600);
    /** Session-clock seconds per summary window. */
    static final double WINDOW_S = Double.parseDouble(System.getProperty("sightline.test.latency.window", "" + EdgeDefaults.SUMMARY_WINDOW_SECONDS));
    static final int UNCHANGED = Integer.getInteger("sightline.test.latency.unchanged", 100);
    /** Sessions run and discarded first: the JIT and the page cache settle. */
    static final int WARM_UP = 3;
    static final int SLOWED_SESSIONS_ALLOWED = 2;
    static final boolean REALTIME = Boolean.parseBoolean(System.getProperty("sightline.test.latency.realtime", "true"));
    static final String PRIORITY_COMMAND = System.getProperty("sightline.test.latency.priority", "chrt -r -p 10 TID");
    static final boolean STRICT = Boolean.getBoolean("sightline.test.latency.strict");
    static final double PLAYBACK_SPEED = Double.parseDouble(System.getProperty("sightline.test.latency.speed", "4"));

    @TempDir
    Path dir;

    private int sessions;

    private String source;

    /**
     * The bundled clip played {@code ceil(frames / 221)} times in one file, remuxed (no re-encode: the frames are the
     * clip's own packets, their timestamps moved on by one clip's duration per play), so one session decodes and
     * detects as many real frames as a longer drive would.
     */
    static Path loopedClip(Path clip, int frames, Path dir) throws Exception {
        int plays = (frames + CLIP_FRAMES - 1) / CLIP_FRAMES;
        if (plays <= 1) {
            return clip;
        }
        Path out = dir.resolve("looped-" + plays + ".mp4");
        // The first grabber stays open while the recorder runs: the recorder rescales every packet from its streams.
        try (org.bytedeco.javacv.FFmpegFrameGrabber first = new org.bytedeco.javacv.FFmpegFrameGrabber(clip.toFile())) {
            first.start();
            try (org.bytedeco.javacv.FFmpegFrameRecorder recorder = new org.bytedeco.javacv.FFmpegFrameRecorder(out.toFile(),
                    first.getImageWidth(), first.getImageHeight(), 0)) {
                recorder.setFormat("mp4");
                recorder.setVideoCodec(first.getVideoCodec());
                recorder.setFrameRate(first.getFrameRate());
                recorder.start(first.getFormatContext());
                long offset = 0;
                for (int play = 0; play < plays; play++) {
                    long end = offset;
                    try (org.bytedeco.javacv.FFmpegFrameGrabber g = new org.bytedeco.javacv.FFmpegFrameGrabber(clip.toFile())) {
                        g.start();
                        org.bytedeco.ffmpeg.avcodec.AVPacket packet;
                        while ((packet = g.grabPacket()) != null) {
                            if (packet.stream_index() != g.getVideoStream()) {
                                continue;
                            }
                            end = Math.max(end, offset + packet.pts() + packet.duration());
                            packet.pts(packet.pts() + offset);
                            packet.dts(packet.dts() + offset);
                            recorder.recordPacket(packet);
                        }
                    }
                    offset = end;
                }
                recorder.stop();
            }
        }
        System.out.printf(Locale.ROOT, "latency regression: sessions of %d frames from %s played %d times (%s)%n",
                frames, clip.getFileName(), plays, out.getFileName());
        return out;
    }

    /** One real session; its detect-stage p95 as the cloud derives it from the window summaries. */
    private long sessionP95(EdgeJournal journal, UnaryOperator<Detector> detector) throws Exception {
        String sessionId = "latency-" + sessions++;
        if (sessions % 10 == 0) {
            System.out.printf(Locale.ROOT, "latency regression: session %d, load %s%n", sessions,
                    java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim());
        }
        EdgePipeline.Options options = new EdgePipeline.Options(source, "fastestdet", null, REALTIME, false,
                AssumedDrive.EGO_SPEED_MPS, 1, FRAMES, "fleet-t", "vehicle-t", "device-t", "test");
        try (EdgePipeline pipeline = EdgePipeline.open(options, PLAYBACK_SPEED, detector)) {
            pipeline.session(sessionId, 1_765_000_000_000_000_000L + sessions * 60_000_000_000L).summaryWindow(WINDOW_S)
                    .run(journal, EdgePipeline.ProgressListener.NONE);
        }
        EventCodec codec = new EventCodec();
        List<LatencySessionP95.Window> windows = new ArrayList<>();
        for (EdgeJournal.StoredEvent e : journal.read(sessionId, 0, 100_000, Long.MAX_VALUE)) {
            if (codec.decode(codec.mapper().readTree(e.wireJson())).payload() instanceof EdgeWindowSummarized s) {
                for (EdgeWindowSummarized.StageLatency l : s.stageLatencies()) {
                    if (l.stage().equals(StageBudgets.DETECT)) {
                        windows.add(new LatencySessionP95.Window(e.eventId(), l.count(), l.p95Micros()));
                    }
                }
            }
        }
        LatencySessionP95.Result r = LatencySessionP95.of(windows);
        assertThat(r).as("session %s has detect latencies", sessionId).isNotNull();
        assertThat(r.frames()).isEqualTo(FRAMES);
        return r.p95Micros();
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 120, unit = java.util.concurrent.TimeUnit.MINUTES) // the fork timeout (-Dsightline.fork.timeout.seconds) still caps a run
    void tenPercentSlowerDetectionIsCaughtWithinTwoSessionsAndUnchangedSessionsRaiseNoAlarm() throws Exception {
        assertThat(LatencyDetectorConfig.STAGES).as("the stages the cloud accepts are the ones the edge summarises")
                .containsExactlyElementsOf(WindowSummarizer.STAGES);
        LatencyDetectorConfig config = LatencyDetectorConfig.current();
        source = loopedClip(ProjectHome.get().resolve(CLIP), FRAMES, dir).toString();
        int reference = config.referenceSessions();
        long started = System.nanoTime();
        // Nothing uploads here, so every event stays: about 10 events and 12 KB a frame, over every session of the run
        // (a run of 2,000-frame sessions filled a 1 GiB journal at session 45).
        long journalBudgetBytes = Math.max(1L << 30, 16_000L * FRAMES * (WARM_UP + 2L * UNCHANGED + SLOWED_SESSIONS_ALLOWED + 2));
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), journalBudgetBytes)) {
            for (int i = 0; i < WARM_UP; i++) {
                sessionP95(journal, d -> slower(d, 0));
            }
            // The sessions run in an interleaved order so that this machine's load (other builds on the same two cores)
            // falls on reference, unchanged and slowed sessions alike instead of lining up with one of them; the detector
            // then sees them in the scenario's order: the reference, 100 unchanged sessions, the slowed ones.
            long[] referenceP95 = new long[reference];
            long[] referenceCpuP95 = new long[reference];
            long[] unchangedP95 = new long[UNCHANGED];
            for (int i = 0; i < reference; i++) {
                referenceP95[i] = sessionP95(journal, d -> slower(d, 0));
                referenceCpuP95[i] = lastSlower.cpuP95Micros();
                if (i < UNCHANGED) {
                    unchangedP95[i] = sessionP95(journal, d -> slower(d, 0));
                }
            }
            double referenceMedian = median(referenceP95);
            LatencyCusum.State referenceState = LatencyCusum.State.initial();
            for (int i = 0; i < reference; i++) {
                referenceState = LatencyCusum.observe(config, referenceState, "reference-" + i, referenceP95[i]).state();
            }
            // A rise of 10 % is caught within 2 sessions, with the 2-session sum one spread clear of noise, only when it is at
            // least threshold/2 + allowance + 1 reference spreads; a noisier machine makes the target unreachable for any
            // detector that also keeps a single outlier session from alarming (ADR-0023). Then the run says so and stops,
            // instead of passing or failing on the neighbours' builds; -Dsightline.test.latency.strict=true fails instead.
            double reachableScale = 0.10 * referenceMedian / (config.thresholdSigmas() / 2 + config.allowanceSigmas() + 1);
            String spread = String.format(Locale.ROOT, "reference median %.0f µs, spread %.1f µs (%.2f %%; the target needs <= %.2f %%),"
                            + " reference %s, load %s", referenceMedian, referenceState.referenceScaleMicros(),
                    100 * referenceState.referenceScaleMicros() / referenceMedian, 100 * reachableScale / referenceMedian,
                    java.util.Arrays.toString(referenceP95), java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim());
            System.out.println("latency regression: " + spread);
            // The detect thread's own CPU time, read around each call: when it follows the wall-clock time, the thread was
            // not waiting for a core (it was never descheduled), and the spread above is the host's cores running at a
            // changing speed (a hypervisor's steal is counted as CPU time by a guest that does not account it).
            LatencyCusum.State cpuState = LatencyCusum.State.initial();
            for (int i = 0; i < reference; i++) {
                cpuState = LatencyCusum.observe(config, cpuState, "reference-cpu-" + i, referenceCpuP95[i]).state();
            }
            double cpuMedian = median(referenceCpuP95);
            System.out.printf(Locale.ROOT, "latency regression: the detect thread's CPU time per call, p95: reference median %.0f µs,"
                            + " spread %.1f µs (%.2f %%), %.1f %% of the wall-clock p95; reference %s%n", cpuMedian,
                    cpuState.referenceScaleMicros(), 100 * cpuState.referenceScaleMicros() / cpuMedian, 100 * cpuMedian / referenceMedian,
                    java.util.Arrays.toString(referenceCpuP95));
            boolean reachable = referenceState.referenceScaleMicros() <= reachableScale;
            System.out.println("latency regression: the 10 %-in-2-sessions target is " + (reachable ? "reachable" : "NOT reachable")
                    + " at this machine's spread; measuring anyway");
            // 10 % of the detector's measured p95, spun inside every call: the detect stage's p95 rises by that much.
            long spinNanos = Math.round(0.10 * referenceMedian * 1000);
            int slowedRuns = SLOWED_SESSIONS_ALLOWED + 2;
            long[] slowedP95 = new long[slowedRuns];
            int remaining = UNCHANGED - Math.min(reference, UNCHANGED);
            int every = Math.max(1, remaining / slowedRuns);
            int slowedDone = 0;
            for (int i = 0; i < remaining; i++) {
                unchangedP95[reference + i] = sessionP95(journal, d -> slower(d, 0));
                if ((i + 1) % every == 0 && slowedDone < slowedRuns) {
                    slowedP95[slowedDone++] = sessionP95(journal, d -> slower(d, spinNanos));
                }
            }
            while (slowedDone < slowedRuns) {
                slowedP95[slowedDone++] = sessionP95(journal, d -> slower(d, spinNanos));
            }

            LatencyCusum.State state = LatencyCusum.State.initial();
            for (int i = 0; i < reference; i++) {
                state = LatencyCusum.observe(config, state, "reference-" + i, referenceP95[i]).state();
            }
            int alarms = 0;
            double maxStatistic = 0;
            for (int i = 0; i < UNCHANGED; i++) {
                LatencyCusum.Step step = LatencyCusum.observe(config, state, "unchanged-" + i, unchangedP95[i]);
                state = step.state();
                maxStatistic = Math.max(maxStatistic, step.statistic());
                alarms += step.alarm() != null ? 1 : 0;
            }
            int caughtAt = 0;
            for (int i = 0; i < slowedRuns && caughtAt == 0; i++) {
                LatencyCusum.Step step = LatencyCusum.observe(config, state, "slowed-" + (i + 1), slowedP95[i]);
                state = step.state();
                if (step.alarm() != null) {
                    caughtAt = i + 1;
                    assertThat(step.alarm().sessionIds()).contains("slowed-" + caughtAt);
                    System.out.printf(Locale.ROOT, "latency regression: alarm %s%n", step.alarm());
                }
            }
            System.out.printf(Locale.ROOT, "latency regression: unchanged %s%n", java.util.Arrays.toString(unchangedP95));
            System.out.printf(Locale.ROOT, "latency regression: %d alarms over %d unchanged sessions (statistic max %.2f, threshold %.1f)%n",
                    alarms, UNCHANGED, maxStatistic, config.thresholdSigmas());
            System.out.printf(Locale.ROOT, "latency regression: spin %d µs, slowed %s, caught at slowed session %d; %.1f s, load %s%n",
                    spinNanos / 1000, java.util.Arrays.toString(slowedP95), caughtAt, (System.nanoTime() - started) / 1e9,
                    java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim());
            boolean quiet = alarms == 0;
            boolean caught = caughtAt >= 1 && caughtAt <= SLOWED_SESSIONS_ALLOWED;
            System.out.printf(Locale.ROOT, "latency regression: 0 alarms over %d unchanged sessions: %s; caught within %d slowed sessions: %s%n",
                    UNCHANGED, quiet ? "MET" : "MISSED (" + alarms + ")", SLOWED_SESSIONS_ALLOWED, caught ? "MET" : "MISSED");
            if (STRICT) {
                assertThat(alarms).as("alarms over %d unchanged sessions", UNCHANGED).isZero();
                assertThat(caughtAt).as("slowed session that alarmed").isBetween(1, SLOWED_SESSIONS_ALLOWED);
            }
        }
    }

    /**
     * The detector of every session after the first is the first session's: a vehicle keeps its model loaded from
     * drive to drive, and a new ONNX Runtime session per drive would add the placement of its buffers in memory to the
     * spread measured here (sessions fell into two clusters 25 % apart). Each pipeline still activates and checks the
     * model; the copy it made is closed unused.
     */
    private Detector shared;
    private SlowerDetector lastSlower;

    private Detector slower(Detector activated, long spinNanos) {
        if (shared == null) {
            shared = activated;
        } else if (activated != shared) {
            activated.close();
        }
        lastSlower = new SlowerDetector(shared, spinNanos);
        return lastSlower;
    }

    @org.junit.jupiter.api.AfterEach
    void closeShared() {
        if (shared != null) {
            shared.close();
        }
    }

    static double median(long[] values) {
        long[] v = values.clone();
        java.util.Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }

    /**
     * Puts the calling thread (the pipeline's detect thread) under real-time round-robin scheduling
     * when the test may ({@code sightline.test.latency.priority}: commands separated by ';', TID
     * the thread's id; e.g. add {@code taskset -p -c 1 TID} to pin it): a vehicle runs perception
     * with priority over anything beside it, whereas this machine's cores are shared with other
     * builds, whose comings and goings would otherwise be the latency changes measured here.
     * Without the permission the test runs as it is, and says so.
     */
    static String asTheVehicleWould() {
        try {
            String tid = Path.of("/proc/thread-self").toRealPath().getFileName().toString();
            for (String command : PRIORITY_COMMAND.split(";")) {
                Process p = new ProcessBuilder(command.trim().replace("TID", tid).split(" +")).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
                if (p.waitFor() != 0) {
                    return "at the default priority: " + command + ": " + out;
                }
            }
            return "prioritised (" + PRIORITY_COMMAND + ")";
        } catch (Exception e) {
            return "at the default priority: " + e;
        }
    }


    /** The real detector, then a busy-spin (a sleep would give the core away, as no slower model does), counted as inference. */
    static final class SlowerDetector implements Detector {
        private static final ThreadLocal<Boolean> PRIORITISED = ThreadLocal.withInitial(() -> false);
        private static final java.util.concurrent.atomic.AtomicBoolean REPORTED = new java.util.concurrent.atomic.AtomicBoolean();
        private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
        private final Detector real;
        private final long spinNanos;
        private final StageTimes times = new StageTimes();
        /** The calling thread's CPU time per call, spin included; read by the test thread once the pipeline has closed. */
        private final org.HdrHistogram.Histogram cpuNanos = new org.HdrHistogram.Histogram(3);

        SlowerDetector(Detector real, long spinNanos) {
            this.real = real;
            this.spinNanos = spinNanos;
        }

        @Override
        public ModelManifest manifest() {
            return real.manifest();
        }

        @Override
        public Detections detect(Mat bgr) {
            // Only the pipeline's detect thread: the warm-up runs on the test thread, whose priority every stage thread
            // (and FFmpeg's decoder threads) would inherit, and then competes with detection at the same priority.
            if (!PRIORITISED.get() && Thread.currentThread().getName().equals("sightline-" + StageBudgets.DETECT)) {
                PRIORITISED.set(true);
                String how = asTheVehicleWould();
                if (REPORTED.compareAndSet(false, true)) {
                    System.out.println("latency regression: detect thread " + how);
                }
            }
            long cpuBefore = THREADS.getCurrentThreadCpuTime();
            Detections d = real.detect(bgr);
            long start = System.nanoTime();
            while (System.nanoTime() - start < spinNanos) {
                Thread.onSpinWait();
            }
            long spun = System.nanoTime() - start;
            cpuNanos.recordValue(Math.max(0, THREADS.getCurrentThreadCpuTime() - cpuBefore));
            StageTimes t = real.lastTimes();
            times.preprocessNanos = t.preprocessNanos;
            times.inferenceNanos = t.inferenceNanos + spun;
            times.postprocessNanos = t.postprocessNanos;
            return d;
        }

        @Override
        public StageTimes lastTimes() {
            return times;
        }

        long cpuP95Micros() {
            return cpuNanos.getValueAtPercentile(95) / 1000;
        }

        /** The shared detector outlives the pipeline; the test closes it. */
        @Override
        public void close() {
        }
    }
}
