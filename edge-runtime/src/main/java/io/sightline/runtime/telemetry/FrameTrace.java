package io.sightline.runtime.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.concurrent.TimeUnit;

/**
 * One frame's trace as it moves through the stage threads: the root "frame" span, its Context,
 * and the span of the stage the frame is in. It travels inside the items handed between the
 * queues; the queue hand-over orders each stage's writes before the next stage's reads, and a
 * frame is in one stage at a time, so it needs no locking.
 *
 * <p>It also remembers which stage produced which of the frame's events (the stages append to one
 * list), so the journal can give each event the traceparent of the stage span that produced it.
 */
public final class FrameTrace {

    /** decode is closed early; detect, decide and journal produce events. */
    private static final int MAX_STAGES = 3;

    private final Tracer tracer;
    private final String sessionId;
    private final long frameIndex;
    private final Span frame;
    private final Context context;
    private Span decode;
    private final long decodedAtEpochNanos;
    private String frameId;
    private Span stage;
    private String stageTraceparent;
    private final String[] traceparents = new String[MAX_STAGES];
    private final int[] eventsUpTo = new int[MAX_STAGES];
    private int stagesEnded;

    FrameTrace(Tracer tracer, String sessionId, long frameIndex, Span frame, Context context, Span decode, long decodedAtEpochNanos) {
        this.tracer = tracer;
        this.sessionId = sessionId;
        this.frameIndex = frameIndex;
        this.frame = frame;
        this.context = context;
        this.decode = decode;
        this.decodedAtEpochNanos = decodedAtEpochNanos;
    }

    /** The frame span's Context: the parent of every stage span of this frame. */
    public Context context() {
        return context;
    }

    public SpanContext frameSpanContext() {
        return frame.getSpanContext();
    }

    /** Starts the span of the stage the frame has just entered; returns its traceparent. */
    public String beginStage(String name) {
        var builder = tracer.spanBuilder(name).setParent(context)
                .setAttribute(SessionTelemetry.SESSION_ID, sessionId).setAttribute(SessionTelemetry.FRAME_INDEX, frameIndex);
        if (frameId != null) {
            builder.setAttribute(SessionTelemetry.FRAME_ID, frameId);
        }
        stage = builder.startSpan();
        stageTraceparent = traceparent(stage.getSpanContext());
        return stageTraceparent;
    }

    /**
     * The frame's id (its FrameCaptured event id) is known: every span of the frame gets it, and
     * the decode span, kept open for this, ends when decoding ended.
     */
    public void identify(String frameId) {
        this.frameId = frameId;
        frame.setAttribute(SessionTelemetry.FRAME_ID, frameId);
        if (stage != null) {
            stage.setAttribute(SessionTelemetry.FRAME_ID, frameId);
        }
        endDecode();
    }

    /**
     * Ends the current stage's span; the frame's events up to {@code eventsSoFar} (exclusive)
     * that no earlier stage claimed were produced by it.
     */
    public void endStage(int eventsSoFar) {
        if (stage == null) {
            return;
        }
        stage.end();
        stage = null;
        if (stagesEnded < MAX_STAGES) {
            traceparents[stagesEnded] = stageTraceparent;
            eventsUpTo[stagesEnded] = eventsSoFar;
            stagesEnded++;
        }
    }

    /** Traceparent of the span of the stage that produced the frame's {@code index}-th event. */
    public String traceparentOfEvent(int index) {
        for (int i = 0; i < stagesEnded; i++) {
            if (index < eventsUpTo[i]) {
                return traceparents[i];
            }
        }
        // Produced by the stage still open (the journal stage's own late-deadline event).
        return stageTraceparent;
    }

    /** Traceparent of the stage span open now (or last ended). */
    public String stageTraceparent() {
        return stageTraceparent;
    }

    /** The frame's events are in the journal: its trace is complete. */
    public void journaled() {
        endDecode();
        frame.end();
    }

    /** Latest-frame-wins dropped the frame before detection; its trace ends here. */
    public void dropped() {
        frame.setAttribute(SessionTelemetry.FRAME_DROPPED, true);
        endDecode();
        frame.end();
    }

    /** The run failed or stopped with the frame in flight. */
    public void abandoned() {
        if (stage != null) {
            stage.end();
            stage = null;
        }
        endDecode();
        frame.end();
    }

    private void endDecode() {
        if (decode != null) {
            if (frameId != null) {
                decode.setAttribute(SessionTelemetry.FRAME_ID, frameId);
            }
            decode.end(decodedAtEpochNanos, TimeUnit.NANOSECONDS);
            decode = null;
        }
    }

    /** W3C {@code version-traceid-spanid-flags}; the ids are the SDK's cached hex strings. */
    static String traceparent(SpanContext c) {
        return new StringBuilder(55).append("00-").append(c.getTraceId()).append('-').append(c.getSpanId()).append('-')
                .append(c.getTraceFlags().asHex()).toString();
    }
}
