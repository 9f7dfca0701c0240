package io.sightline.cloud.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.sightline.domain.event.EventEnvelope;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * The "ingest" span around storing one edge batch. A batch carries many frames, so the edge
 * spans that produced its events are not its parent but its links: one per distinct
 * {@code traceparent} in the batch, at most {@link #MAX_LINKS}, so a cloud-side trace leads
 * back to the edge frames (and stage spans) that caused it (ADR-0007).
 */
@Component
public class IngestTracing {

    public static final String SPAN_NAME = "ingest";
    /** A batch of a few hundred events holds tens of frames; beyond this a span's links stop helping anyone. */
    public static final int MAX_LINKS = 32;
    public static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("sightline.session_id");
    public static final AttributeKey<Long> FIRST_SEQUENCE = AttributeKey.longKey("sightline.first_sequence");
    public static final AttributeKey<Long> EVENT_COUNT = AttributeKey.longKey("sightline.event_count");
    /** Distinct edge traceparents beyond {@link #MAX_LINKS} that got no link. */
    public static final AttributeKey<Long> LINKS_DROPPED = AttributeKey.longKey("sightline.links_dropped");

    private final Tracer tracer;

    public IngestTracing(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer("io.sightline.cloud");
    }

    /** Runs the append inside the batch's ingest span; a failure marks the span and propagates. */
    public <T> T traced(String sessionId, long firstSequence, List<EventEnvelope> events, Supplier<T> append) {
        Span span = start(sessionId, firstSequence, events);
        try (Scope ignored = span.makeCurrent()) {
            return append.get();
        } catch (RuntimeException e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }

    Span start(String sessionId, long firstSequence, List<EventEnvelope> events) {
        SpanBuilder b = tracer.spanBuilder(SPAN_NAME).setNoParent().setSpanKind(SpanKind.CONSUMER)
                .setAttribute(SESSION_ID, sessionId).setAttribute(FIRST_SEQUENCE, firstSequence)
                .setAttribute(EVENT_COUNT, (long) events.size());
        Set<String> seen = new HashSet<>();
        String previous = null;
        long dropped = 0;
        for (EventEnvelope e : events) {
            String tp = e.traceparent();
            // A frame's events sit together and share their stage's traceparent: skip the set for runs.
            if (tp == null || tp.equals(previous)) {
                continue;
            }
            previous = tp;
            if (!seen.add(tp)) {
                continue;
            }
            if (seen.size() > MAX_LINKS) {
                dropped++;
                continue;
            }
            b.addLink(spanContext(tp));
        }
        if (dropped > 0) {
            b.setAttribute(LINKS_DROPPED, dropped);
        }
        return b.startSpan();
    }

    /** The envelope already checked the W3C shape ({@code 00-<32 hex>-<16 hex>-<2 hex>}). */
    static SpanContext spanContext(String traceparent) {
        return SpanContext.createFromRemoteParent(traceparent.substring(3, 35), traceparent.substring(36, 52),
                TraceFlags.fromHex(traceparent, 53), TraceState.getDefault());
    }
}
