package io.sightline.inference;

import io.sightline.domain.event.FramesDropped;
import org.bytedeco.opencv.opencv_core.Mat;

import java.util.ArrayDeque;

/**
 * Two-stage video → detections: a decoder thread grabs frames, <b>copies</b> them (the grabber's
 * buffer is reused) and hands them over; the calling thread detects and emits events, so the sink
 * and listener are only ever called from the caller's thread.
 *
 * <p>Hand-over policy:
 * <ul>
 *   <li>{@code latestWins} (live sources, realtime pacing): one slot; a frame not yet picked up
 *       is replaced by the newer one, closed, and counted. Drops are reported as a
 *       {@link FramesDropped} event before the next frame, never silently. Latency stays bounded.</li>
 *   <li>otherwise (files as fast as possible): a bounded queue of 2 with back-pressure; no drops,
 *       decoding overlaps detection.</li>
 * </ul>
 */
public final class ConcurrentVideoDetection {
    private static final int QUEUE = 2;

    private ConcurrentVideoDetection() {
    }

    /** Detection step: a single detector or a fallback chain. */
    public interface Step {
        Detections detect(Mat bgr, String frameEventId);

        Detector lastUsed();

        static Step of(Detector d) {
            return new Step() {
                @Override
                public Detections detect(Mat bgr, String frameEventId) {
                    return d.detect(bgr);
                }

                @Override
                public Detector lastUsed() {
                    return d;
                }
            };
        }

        static Step of(FallbackDetector chain) {
            return new Step() {
                @Override
                public Detections detect(Mat bgr, String frameEventId) {
                    return chain.detect(bgr, frameEventId);
                }

                @Override
                public Detector lastUsed() {
                    return chain.lastUsed();
                }
            };
        }
    }

    /** Summary plus the number of frames dropped by latest-wins. */
    public record Result(VideoDetection.Summary summary, long framesDropped) {
    }

    private static final class Handover {
        private final boolean latestWins;
        private final ArrayDeque<VideoFrame> frames = new ArrayDeque<>(QUEUE);
        private boolean end;
        private boolean stopped;
        private RuntimeException error;
        private long dropped;
        private long droppedSinceReport;
        private long firstDropped = -1;
        private long lastDropped = -1;

        Handover(boolean latestWins) {
            this.latestWins = latestWins;
        }

        /** Returns false when the consumer stopped. */
        synchronized boolean put(VideoFrame f) throws InterruptedException {
            if (latestWins) {
                VideoFrame old = frames.pollFirst();
                if (old != null) {
                    old.close();
                    dropped++;
                    droppedSinceReport++;
                    if (firstDropped < 0) firstDropped = old.index();
                    lastDropped = old.index();
                }
            } else {
                while (frames.size() >= QUEUE && !stopped) {
                    wait();
                }
            }
            if (stopped) {
                f.close();
                return false;
            }
            frames.addLast(f);
            notifyAll();
            return true;
        }

        synchronized void finish(RuntimeException e) {
            end = true;
            error = e;
            notifyAll();
        }

        synchronized VideoFrame take() throws InterruptedException {
            while (frames.isEmpty() && !end) {
                wait();
            }
            VideoFrame f = frames.pollFirst();
            notifyAll();
            return f;
        }

        synchronized FramesDropped drainDropReport() {
            if (droppedSinceReport == 0) {
                return null;
            }
            FramesDropped e = new FramesDropped("detect", droppedSinceReport, firstDropped, lastDropped,
                    "latest-frame-wins: detector busy", Clocks.epochNanos());
            droppedSinceReport = 0;
            firstDropped = -1;
            lastDropped = -1;
            return e;
        }

        synchronized void stop() {
            stopped = true;
            VideoFrame f;
            while ((f = frames.pollFirst()) != null) {
                f.close();
            }
            notifyAll();
        }

        synchronized RuntimeException error() {
            return error;
        }

        synchronized long dropped() {
            return dropped;
        }
    }

    public static Result run(FrameSource source, Step step, long maxFrames, boolean latestWins,
                             EventSink sink, VideoDetection.FrameListener listener) {
        Handover h = new Handover(latestWins);
        Thread decoder = new Thread(() -> {
            RuntimeException failure = null;
            try {
                for (VideoFrame f; (f = source.next()) != null; ) {
                    if (!h.put(f.copy())) {
                        break;
                    }
                }
            } catch (RuntimeException e) {
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                h.finish(failure);
            }
        }, "sightline-decode");
        decoder.setDaemon(true);
        decoder.start();

        StageStats stats = StageStats.pipeline();
        long frames = 0;
        long detections = 0;
        try {
            while (maxFrames <= 0 || frames < maxFrames) {
                VideoFrame f = h.take();
                if (f == null) {
                    break;
                }
                try (f) {
                    FramesDropped drop = h.drainDropReport();
                    if (drop != null) {
                        sink.emit(new ProducedEvent(io.sightline.domain.event.EventIds.of(source.sourceId(), "FramesDropped", drop.firstFrameIndex()), drop.droppedAtNanos(), drop));
                    }
                    stats.record(StageStats.DECODE, f.decodeNanos());
                    ProducedEvent captured = PerceptionEvents.frameCaptured(source.sourceId(), f, source.sourceId());
                    sink.emit(captured);
                    Detections d = step.detect(f.image(), captured.eventId());
                    Detector used = step.lastUsed();
                    StageTimes t = used.lastTimes();
                    stats.recordDetector(t);
                    detections += PerceptionEvents.detectionsObserved(captured.eventId(), d, used.manifest(), sink);
                    frames++;
                    if (listener != null) {
                        listener.onFrame(f, captured.eventId(), used, d);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            h.stop();
            try {
                decoder.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        RuntimeException err = h.error();
        StreamEndedEarlyException early = null;
        if (err instanceof StreamEndedEarlyException e) {
            early = e;
        } else if (err != null && (maxFrames <= 0 || frames < maxFrames)) {
            throw err;
        }
        return new Result(new VideoDetection.Summary(frames, detections, stats, early), h.dropped());
    }
}
