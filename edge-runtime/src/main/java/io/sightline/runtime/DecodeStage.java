package io.sightline.runtime;

import io.sightline.inference.FrameSource;
import io.sightline.inference.StreamEndedEarlyException;
import io.sightline.inference.VideoFrame;
import io.sightline.runtime.Handover.Captured;
import io.sightline.runtime.telemetry.FrameTrace;
import io.sightline.runtime.telemetry.SessionTelemetry;
import java.util.function.BooleanSupplier;

/**
 * Decode: grabs each frame from the source and hands a copy to the detect stage. The decoder
 * reuses one native buffer for every frame, so the copy is what crosses threads; it goes into one
 * of the hand-over's reused buffers, so no frame allocates pixels.
 */
final class DecodeStage {

    private final FrameSource source;
    private final SessionTelemetry tel;
    private final long maxFrames;
    private final BooleanSupplier stopRequested;
    /** Measures frames for the window summaries and camera health; null when off. */
    private final FrameStatistics statistics;
    /** The hand-over's reused pixel buffers: no frame allocates its copy (ADR-0039). */
    private final FrameBuffers buffers;
    /**
     * Pictures are measured at most this often (source time): 10 Hz gives camera health ten
     * looks within its one-second confirmation and a summary hundreds a minute, at a third of the
     * cost of measuring every frame of a 25 Hz camera (bench-pipeline --phases summaries).
     */
    static final long PICTURE_STATISTICS_PERIOD_NANOS = 100_000_000L;
    private long lastMeasuredNanos = Long.MIN_VALUE;
    /** The encode path's frame ring (ADR-0041), or null. */
    private io.sightline.runtime.clip.FrameRing ring;
    private boolean ringBlocks;
    private io.sightline.inference.StageStats ringStats;
    private long ringFailures;
    private volatile String endReason = "end-of-video";
    private volatile StreamEndedEarlyException endedEarly;

    DecodeStage(FrameSource source, SessionTelemetry tel, long maxFrames, BooleanSupplier stopRequested, FrameStatistics statistics,
                FrameBuffers buffers) {
        this.buffers = buffers;
        this.source = source;
        this.tel = tel;
        this.maxFrames = maxFrames;
        this.stopRequested = stopRequested;
        this.statistics = statistics;
    }

    /**
     * Keeps every decoded frame in {@code ring} (evidence encoded once per alert window, ADR-0041),
     * on this thread, not the detector's; {@code block}: wait for a slot the encoder still reads
     * (a file, which can wait) instead of not keeping the frame (a live source). Set before {@link #run}.
     */
    void frameRing(io.sightline.runtime.clip.FrameRing ring, boolean block, io.sightline.inference.StageStats stats) {
        this.ring = ring;
        this.ringBlocks = block;
        this.ringStats = stats;
    }

    private void keep(VideoFrame borrowed) throws InterruptedException {
        long t0 = System.nanoTime();
        try {
            ring.put(borrowed.image(), borrowed.index(), ringBlocks);
        } catch (RuntimeException e) {
            // Evidence is secondary: the frame goes on to detection; its window's clip starts after it.
            if (ringFailures++ == 0) {
                org.slf4j.LoggerFactory.getLogger(DecodeStage.class).error(
                        "Evidence: frame {} could not be kept for its alert window's clip; the session goes on", borrowed.index(), e);
            }
        }
        ringStats.record(ClipStage.RING_STAGE, System.nanoTime() - t0);
    }

    void run(LatestWinsQueue<Captured> out) throws InterruptedException {
        try {
            long n = 0;
            while (!stopRequested.getAsBoolean() && (maxFrames <= 0 || n < maxFrames)) {
                VideoFrame borrowed = source.next();
                if (borrowed == null) {
                    return;
                }
                // Entered when its pixels existed; pacing sleeps after decoding are not latency.
                long entered = System.nanoTime() - borrowed.decodeNanos();
                FrameTrace trace = tel.frameDecoded(borrowed.index(), borrowed.decodeNanos());
                double meanLuma = Double.NaN;
                double lumaStdDev = Double.NaN;
                double laplacianVariance = Double.NaN;
                long t = borrowed.captureTimeNanos();
                if (statistics != null && (lastMeasuredNanos == Long.MIN_VALUE || t < lastMeasuredNanos
                        || t - lastMeasuredNanos >= PICTURE_STATISTICS_PERIOD_NANOS)) {
                    lastMeasuredNanos = t;
                    // On the decode thread, which the detector does not use: the second core's work, not the first's.
                    statistics.measure(borrowed.image());
                    meanLuma = statistics.meanLuma();
                    lumaStdDev = statistics.lumaStdDev();
                    laplacianVariance = statistics.laplacianVariance();
                }
                if (ring != null) {
                    keep(borrowed);
                }
                Captured c = new Captured(borrowed.copyInto(buffers.take()), buffers, entered, trace, meanLuma, lumaStdDev,
                        laplacianVariance);
                if (!out.put(c)) {
                    trace.abandoned();
                    c.release();
                    return;
                }
                n++;
            }
            endReason = stopRequested.getAsBoolean() ? "stopped" : "max-frames";
        } catch (StreamEndedEarlyException e) {
            endedEarly = e;
            endReason = "stream-ended-early: " + e.getMessage();
        } finally {
            out.close();
            if (statistics != null) {
                statistics.close();
            }
        }
    }

    /** Why decoding ended: end-of-video, stopped, max-frames or stream-ended-early. */
    String endReason() {
        return endReason;
    }

    /** The file ended before its declared frame count, or null. */
    StreamEndedEarlyException endedEarly() {
        return endedEarly;
    }
}
