package io.sightline.explain;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.explain.narrative.Narrator;
import io.sightline.explain.trace.CausalTrace;
import io.sightline.explain.trace.CausalTraceEngine;
import io.sightline.explain.trace.EventSummaries;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A file's frames carry seconds into the file, a live source's the capture wall clock: an alert
 * from a camera must not be told as "1764275293 s into the source".
 */
class FrameTimeTest {

    /** 2025-11-27T20:28:13.123456789Z. */
    static final long CAPTURED_EPOCH_NANOS = 1_764_275_293_123_456_789L;

    @Test
    void fileTimeIsSecondsIntoTheSourceAndLiveTimeIsTheCaptureInstant() {
        assertThat(Fmt.frameTime(10_400_000_000L)).isEqualTo("10.4 s into the source");
        assertThat(Fmt.frameTime(0)).isEqualTo("0 s into the source");
        // Three years of video is still container time; the epoch clock is far beyond it.
        assertThat(Fmt.frameTime(Fmt.WALL_CLOCK_FROM_NANOS - 1)).endsWith(" s into the source");
        assertThat(Fmt.frameTime(CAPTURED_EPOCH_NANOS)).isEqualTo("captured 2025-11-27T20:28:13.123Z");
    }

    @Test
    void traceNodeSummariesSayWhenALiveFrameWasCaptured() {
        assertThat(EventSummaries.summarize(new FrameCaptured("f7", 7, 30_300_000_000L, 960, 540, "clip.mp4", null)))
                .isEqualTo("frame 7 (f7) at 30.3 s of clip.mp4, 960×540 px");
        assertThat(EventSummaries.summarize(new FrameCaptured("f7", 7, CAPTURED_EPOCH_NANOS, 1280, 720, "rtsp://10.0.0.7:554/live/main", null)))
                .isEqualTo("frame 7 (f7) captured 2025-11-27T20:28:13.123Z from rtsp://10.0.0.7:554/live/main, 1280×720 px");
    }

    @Test
    void theNarrativeOfALiveSourceNamesTheCaptureInstant() {
        String s = "s-live";
        List<EventEnvelope> live = Sessions.unitSession(s).events().stream().map(e -> e.payload() instanceof FrameCaptured f
                ? new EventEnvelope(e.eventId(), e.sequence(), e.occurredAtNanos(), new FrameCaptured(f.frameId(), f.frameIndex(),
                        CAPTURED_EPOCH_NANOS + f.captureTimeNanos(), f.widthPx(), f.heightPx(), "rtsp://10.0.0.7:554/live/main",
                        f.evidenceSha256()), e.traceparent())
                : e).toList();
        CausalTrace trace = new CausalTraceEngine(Sessions.lookup(live, s)).trace(s + "/alert/1");
        // The deciding frame is 10.4 s after the first capture instant of the synthetic drive's clock.
        assertThat(Narrator.narrate(trace).details().get(0)).isEqualTo("Decided on frame 4 of rtsp://10.0.0.7:554/live/main"
                + " (captured 2025-11-27T20:28:23.523Z) from 5 track updates and 5 detections in the trace.");
    }
}
