package io.sightline.runtime.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.ObservableLongGauge;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.sightline.inference.Clocks;
import io.sightline.inference.ModelManifest;
import io.sightline.inference.StageStats;
import io.sightline.inference.StageTimes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * One drive session's telemetry: starts each frame's trace and records the pipeline's metrics.
 * The stage threads share it; everything it holds is immutable after construction except the
 * gauge list, which only the run's thread touches.
 */
public final class SessionTelemetry implements AutoCloseable {

    public static final String FRAME_SPAN = "frame";
    /** Same name as the decode stage's budget and metric (StageBudgets.DECODE). */
    public static final String DECODE_SPAN = "decode";
    public static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("sightline.session_id");
    public static final AttributeKey<String> FRAME_ID = AttributeKey.stringKey("sightline.frame_id");
    public static final AttributeKey<Long> FRAME_INDEX = AttributeKey.longKey("sightline.frame_index");
    /** Set on a frame span whose frame latest-frame-wins dropped before detection. */
    public static final AttributeKey<Boolean> FRAME_DROPPED = AttributeKey.booleanKey("sightline.frame.dropped");

    private final Tracer tracer;
    private final EdgeMetrics metrics;
    private final String sessionId;
    /** Per stage name, built once: recording must not allocate per frame. */
    private final Map<String, Attributes> stageAttributes = new HashMap<>();
    private final List<ObservableLongGauge> gauges = new ArrayList<>();

    SessionTelemetry(Tracer tracer, EdgeMetrics metrics, String sessionId) {
        this.tracer = tracer;
        this.metrics = metrics;
        this.sessionId = sessionId;
    }

    /**
     * Registers the stage names metrics will be recorded under. Called once before the stage
     * threads start, so the map is only read while they run.
     */
    public SessionTelemetry stages(String... names) {
        for (String n : names) {
            stageAttributes.put(n, Attributes.of(EdgeMetrics.STAGE, n));
        }
        return this;
    }

    /** The attributes inference times of this model are recorded under; build once per model. */
    public static Attributes model(ModelManifest manifest) {
        return Attributes.of(EdgeMetrics.MODEL_NAME, manifest.name(), EdgeMetrics.MODEL_VERSION, String.valueOf(manifest.version()));
    }

    /**
     * Starts the trace of a frame that has just been decoded: its root span and the decode span
     * both begin when decoding began. The decode span ends once the frame has its id
     * ({@link FrameTrace#identify}), so it carries the id like every other stage span.
     */
    public FrameTrace frameDecoded(long frameIndex, long decodeNanos) {
        long decodedAt = Clocks.epochNanos();
        long decodeStart = decodedAt - decodeNanos;
        Span frame = tracer.spanBuilder(FRAME_SPAN).setNoParent().setSpanKind(SpanKind.INTERNAL)
                .setStartTimestamp(decodeStart, TimeUnit.NANOSECONDS)
                .setAttribute(SESSION_ID, sessionId).setAttribute(FRAME_INDEX, frameIndex).startSpan();
        Context context = Context.root().with(frame);
        Span decode = tracer.spanBuilder(DECODE_SPAN).setParent(context)
                .setStartTimestamp(decodeStart, TimeUnit.NANOSECONDS)
                .setAttribute(SESSION_ID, sessionId).setAttribute(FRAME_INDEX, frameIndex).startSpan();
        return new FrameTrace(tracer, sessionId, frameIndex, frame, context, decode, decodedAt);
    }

    /** A stage's time for one frame, into {@code sightline.edge.stage.duration}. */
    public void stageDuration(String stage, long nanos) {
        Attributes a = stageAttributes.get(stage);
        if (a == null) {
            throw new IllegalArgumentException("stage " + stage + " was not registered with stages(...)");
        }
        metrics.stageDurationMs.record(nanos / 1e6, a);
    }

    /** The detector's three stage times, and its inference time under its model's attributes. */
    public void detector(StageTimes t, Attributes model) {
        stageDuration(StageStats.PREPROCESS, t.preprocessNanos);
        stageDuration(StageStats.INFERENCE, t.inferenceNanos);
        stageDuration(StageStats.POSTPROCESS, t.postprocessNanos);
        metrics.inferenceDurationMs.record(t.inferenceNanos / 1e6, model);
    }

    public void frameJournaled() {
        metrics.frames.add(1);
    }

    public void frameDropped() {
        metrics.framesDropped.add(1);
    }

    /** Reports the queues' depths as {@code sightline.edge.queue.depth} until {@link #close}. */
    public void observeQueues(List<String> names, List<IntSupplier> depths) {
        Attributes[] attributes = new Attributes[names.size()];
        IntSupplier[] suppliers = depths.toArray(IntSupplier[]::new);
        for (int i = 0; i < attributes.length; i++) {
            attributes[i] = Attributes.of(EdgeMetrics.QUEUE, names.get(i));
        }
        gauges.add(metrics.meter.gaugeBuilder(EdgeMetrics.QUEUE_DEPTH).ofLongs().setUnit("{frame}")
                .setDescription("Frames waiting in a hand-over queue between two stages")
                .buildWithCallback(m -> {
                    for (int i = 0; i < suppliers.length; i++) {
                        m.record(suppliers[i].getAsInt(), attributes[i]);
                    }
                }));
    }

    public String sessionId() {
        return sessionId;
    }

    /** Stops reporting this session's queue depths. */
    @Override
    public void close() {
        for (ObservableLongGauge g : gauges) {
            g.close();
        }
        gauges.clear();
    }
}
