package io.sightline.inference;

/**
 * Single-threaded video → detections loop: grab, detect (primary with fallback, or one detector),
 * emit FrameCaptured and DetectionObserved events, record per-stage timings.
 */
public final class VideoDetection {

    /** Called for every frame after detection; the detections are valid only during the call. */
    @FunctionalInterface
    public interface FrameListener {
        void onFrame(VideoFrame frame, String frameEventId, Detector usedModel, Detections detections);
    }

    /** Outcome of a run. {@code endedEarly} is set when the file ended before its declared frame count. */
    public record Summary(long frames, long detections, StageStats stats, StreamEndedEarlyException endedEarly) {
    }

    private VideoDetection() {
    }

    public static Summary run(FrameSource source, FallbackDetector chain, long maxFrames, EventSink sink, FrameListener listener) {
        return run(source, chain, null, maxFrames, sink, listener);
    }

    public static Summary run(FrameSource source, Detector detector, long maxFrames, EventSink sink, FrameListener listener) {
        return run(source, null, detector, maxFrames, sink, listener);
    }

    private static Summary run(FrameSource source, FallbackDetector chain, Detector single, long maxFrames,
                               EventSink sink, FrameListener listener) {
        StageStats stats = StageStats.pipeline();
        long frames = 0;
        long detections = 0;
        try {
            while (maxFrames <= 0 || frames < maxFrames) {
                VideoFrame f = source.next();
                if (f == null) {
                    break;
                }
                stats.record(StageStats.DECODE, f.decodeNanos());
                ProducedEvent captured = PerceptionEvents.frameCaptured(source.sourceId(), f, source.sourceId());
                sink.emit(captured);
                Detections d;
                Detector used;
                if (chain != null) {
                    d = chain.detect(f.image(), captured.eventId());
                    used = chain.lastUsed();
                } else {
                    d = single.detect(f.image());
                    used = single;
                }
                StageTimes t = used.lastTimes();
                stats.recordDetector(t);
                detections += PerceptionEvents.detectionsObserved(captured.eventId(), d, used.manifest(), sink);
                frames++;
                if (listener != null) {
                    listener.onFrame(f, captured.eventId(), used, d);
                }
            }
        } catch (StreamEndedEarlyException e) {
            return new Summary(frames, detections, stats, e);
        }
        return new Summary(frames, detections, stats, null);
    }
}
