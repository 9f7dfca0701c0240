package io.sightline.runtime;

import io.sightline.inference.ActivatedModel;
import io.sightline.inference.FrameSource;
import io.sightline.inference.StageStats;
import io.sightline.inference.StreamEndedEarlyException;
import io.sightline.runtime.Handover.Captured;
import io.sightline.runtime.Handover.Downstream;
import io.sightline.runtime.Handover.Perceived;
import io.sightline.runtime.telemetry.EdgeTelemetry;
import io.sightline.runtime.telemetry.SessionTelemetry;
import java.util.function.BooleanSupplier;

/**
 * The one decode → detect loop of Sightline: the decode stage and the detect stage on their own
 * threads, joined by a one-frame hand-over. The edge pipeline hands each perceived frame on to its
 * decide stage; {@code detect --video} writes it out.
 *
 * <p>Only this hand-over may drop frames (latest-wins, when the source is live or paced in real
 * time): detection is the one stage slower than the camera, and a frame dropped after detection
 * would already have events in the journal. Every drop is counted in the {@link DropLedger} and
 * reported as FramesDropped before the next frame that goes through.
 */
final class PerceptionLoop {

    /** Capacity of the decode → detect hand-over: the frame in detection plus one waiting is all the latency we accept. */
    static final int INGEST_QUEUE_FRAMES = 1;

    private final DecodeStage decode;
    private final DetectStage detect;
    private final DropLedger drops;
    private final LatestWinsQueue<Captured> ingest;
    /** The hand-over's pixel buffers, reused frame after frame; released by {@link #release} after the threads end. */
    private final FrameBuffers buffers = new FrameBuffers(FrameBuffers.HANDOVER_BUFFERS);

    /**
     * @param latestWins         drop the oldest waiting frame when detection falls behind; else block the decoder
     * @param frameTimeBaseNanos added to a frame's source time to put it on the session clock
     * @param evidence           where evidence pictures go, or null to keep none
     * @param frameStatistics    measure each frame's picture for the window summaries, on the decode thread
     */
    PerceptionLoop(String sessionId, FrameSource source, ActivatedModel primary, ActivatedModel fallback, StageStats stats,
                   SessionTelemetry tel, boolean latestWins, long maxFrames, BooleanSupplier stopRequested,
                   long frameTimeBaseNanos, EvidenceStage evidence, boolean frameStatistics) {
        this.drops = new DropLedger(StageBudgets.DETECT, "latest-frame-wins: detector busy, oldest frame dropped");
        this.ingest = new LatestWinsQueue<>(INGEST_QUEUE_FRAMES,
                latestWins ? LatestWinsQueue.Overflow.DROP_OLDEST : LatestWinsQueue.Overflow.BLOCK,
                c -> {
                    drops.record(c.frame().index());
                    tel.frameDropped();
                    c.trace().dropped();
                    c.release();
                });
        this.decode = new DecodeStage(source, tel, maxFrames, stopRequested, frameStatistics ? new FrameStatistics() : null, buffers);
        this.detect = new DetectStage(sessionId, source.sourceId(), primary, fallback, stats, tel, drops, frameTimeBaseNanos,
                evidence);
    }

    /** Keeps every decoded frame in {@code ring}, on the decode thread (ADR-0041); set before {@link #start}. */
    void frameRing(io.sightline.runtime.clip.FrameRing ring, boolean block, StageStats stats) {
        decode.frameRing(ring, block, stats);
    }

    /** Events to journal with the next frame's (see {@link DetectStage#sideEvents}); set before {@link #start}. */
    void sideEvents(java.util.function.Supplier<java.util.List<? extends io.sightline.domain.event.SightlineEvent>> source) {
        detect.sideEvents(source);
    }

    /** Hands each frame on to the shadow challenger too; set before {@link #start}. */
    void shadow(ShadowStage stage, boolean yieldToBacklog) {
        detect.shadow(stage, yieldToBacklog);
    }

    /** The stages of a detect-only run: what {@link DetectStage} records. */
    static StageStats detectStats() {
        return new StageStats(StageBudgets.DECODE, StageStats.PREPROCESS, StageStats.INFERENCE, StageStats.POSTPROCESS,
                StageBudgets.DETECT);
    }

    /** Starts the decode and detect threads; each perceived frame goes to {@code out}, on the detect thread. */
    void start(StageThreads threads, Downstream<Perceived> out) {
        threads.onFailure(() -> ingest.cancel(c -> {
            c.trace().abandoned();
            c.release();
        }));
        threads.start("decode", () -> decode.run(ingest));
        threads.start("detect", () -> detect.run(ingest, out));
    }

    /** Called on the detect thread for each frame of a detect-only run; the frame's pixels are gone by then. */
    @FunctionalInterface
    interface FrameListener {
        void onFrame(Perceived frame);
    }

    /**
     * A detect-only run ({@code detect --video}): the loop without decisions or journal.
     *
     * @param framesDropped frames the latest-wins hand-over gave up
     */
    record Result(long frames, long detections, long framesDropped, StageStats stats, String endReason,
                  StreamEndedEarlyException endedEarly) {
    }

    /**
     * Runs the loop over {@code source} with {@code primary} (and {@code fallback}, null for none)
     * until the source ends or {@code maxFrames} (0 = all), handing each frame to {@code listener}.
     * Events are scoped to the source id, as one detect session.
     */
    static Result detectOnly(FrameSource source, ActivatedModel primary, ActivatedModel fallback, boolean latestWins,
                             long maxFrames, EdgeTelemetry telemetry, FrameListener listener) throws InterruptedException {
        StageStats stats = detectStats();
        SessionTelemetry tel = telemetry.session(source.sourceId()).stages(StageBudgets.DECODE, StageStats.PREPROCESS,
                StageStats.INFERENCE, StageStats.POSTPROCESS, StageBudgets.DETECT);
        PerceptionLoop loop = new PerceptionLoop(source.sourceId(), source, primary, fallback, stats, tel, latestWins, maxFrames,
                () -> false, 0, null, false);
        ToListener out = new ToListener(listener);
        StageThreads threads = new StageThreads();
        loop.start(threads, out);
        threads.joinAll();
        loop.release();
        tel.close();
        threads.rethrow();
        // Read after the join, which orders the detect thread's writes before these reads.
        return new Result(loop.framesCaptured(), out.detections, loop.drops().total(), stats, loop.endReason(), loop.endedEarly());
    }

    /** A detect-only run's downstream: the listener, and the count of detections it was handed. */
    private static final class ToListener implements Downstream<Perceived> {
        private final FrameListener listener;
        private long detections;

        ToListener(FrameListener listener) {
            this.listener = listener;
        }

        @Override
        public boolean accept(Perceived p) {
            detections += p.detections().size();
            listener.onFrame(p);
            return true;
        }

        @Override
        public void close() {
            // nothing further downstream: the listener has had every frame
        }
    }

    /** Frees the hand-over's pixel buffers; after the stage threads have ended. */
    void release() {
        buffers.close();
    }

    /** Buffers the hand-over had to allocate beyond its reused ones: 0 in a healthy run. */
    long extraBufferAllocations() {
        return buffers.extraAllocations();
    }

    /** The detect thread's Linux thread id (null without /proc), completed when the thread starts. */
    java.util.concurrent.CompletableFuture<String> detectThreadId() {
        return detect.threadId;
    }

    LatestWinsQueue<Captured> ingestQueue() {
        return ingest;
    }

    DropLedger drops() {
        return drops;
    }

    String endReason() {
        return decode.endReason();
    }

    StreamEndedEarlyException endedEarly() {
        return decode.endedEarly();
    }

    long framesCaptured() {
        return detect.framesCaptured();
    }
}
