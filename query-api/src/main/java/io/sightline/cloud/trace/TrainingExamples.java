package io.sightline.cloud.trace;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.api.AlertReadModel;
import io.sightline.cloud.api.AlertReadModel.Reviewed;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.explain.EventLookup;
import io.sightline.explain.StoredEvent;
import io.sightline.explain.trace.CausalTrace;
import io.sightline.explain.trace.CausalTraceEngine;
import io.sightline.explain.trace.TraceNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Reviewed alerts as labelled examples for the perception team (docs/observability.md): one JSON
 * line per frame of each alert's causal trace, with the reviewer's verdict, where the frame came
 * from (source, index, capture time), and every detection the model made on it (class, score, box
 * in pixels, model name, version and sha256): the bystanders too, not only the detections the
 * deciding track took in, since a label set that leaves out objects teaches a detector to miss them.
 *
 * <p>It is a manifest, not a dataset: the cloud holds evidence JPEGs with the boxes drawn in, which
 * are not training images, so each line names the source frame to pull from the fleet's recordings
 * and the evidence sha256 for a reviewer to look at. The verdict is on the alert: a false positive
 * may come from the detector, the tracker or the range estimate, and the line says which model
 * produced what so the team can tell.
 */
@Component
public class TrainingExamples {

    public static final int SCHEMA = 1;
    public static final Set<String> VERDICTS = Set.of("TRUE_POSITIVE", "FALSE_POSITIVE", "UNSURE");
    public static final int MAX_ALERTS = 5_000;

    private final AlertReadModel alertReads;
    private final CausalTraceEngine traces;
    private final EventLookup events;
    private final ObjectMapper mapper = new ObjectMapper();

    public TrainingExamples(AlertReadModel alertReads, CausalTraceEngine traces, EventLookup events) {
        this.alertReads = alertReads;
        this.traces = traces;
        this.events = events;
    }

    /** Checks the request before anything is written, so a bad one gets a 400 instead of a cut stream. */
    public static void validate(String verdict, Long fromNanos, Long toNanos, int limit) {
        if (verdict != null && !VERDICTS.contains(verdict)) {
            throw new IllegalArgumentException("verdict must be one of " + VERDICTS.stream().sorted().toList() + ", was '" + verdict + "'");
        }
        if (fromNanos != null && toNanos != null && fromNanos >= toNanos) {
            throw new IllegalArgumentException("fromNanos must be before toNanos");
        }
        if (limit < 1 || limit > MAX_ALERTS) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_ALERTS + " alerts, was " + limit);
        }
    }

    /** Writes the examples of the fleet's reviewed alerts raised in [fromNanos, toNanos), oldest first; returns the lines. */
    public long write(String fleetId, String verdict, Long fromNanos, Long toNanos, int limit, OutputStream out) throws IOException {
        validate(verdict, fromNanos, toNanos, limit);
        // An absent verdict means every reviewed alert.
        List<String> verdicts = verdict == null ? List.copyOf(VERDICTS) : List.of(verdict);
        List<Reviewed> alerts = alertReads.withVerdict(fleetId, verdicts, fromNanos == null ? Long.MIN_VALUE : fromNanos,
                toNanos == null ? Long.MAX_VALUE : toNanos, limit);
        long lines = 0;
        try (JsonGenerator json = mapper.getFactory().createGenerator(out)) {
            json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            for (Reviewed alert : alerts) {
                CausalTrace trace = traces.trace(alert.alertId());
                // The trace holds the frames; the detections on them are the frames' effects, all of them.
                List<String> frameEventIds = trace.nodes().values().stream().filter(n -> n.payload() instanceof FrameCaptured)
                        .map(TraceNode::eventId).toList();
                Map<String, List<DetectionObserved>> byFrame = new HashMap<>();
                for (StoredEvent e : events.findEffectsOfAny(frameEventIds)) {
                    if (e.payload() instanceof DetectionObserved d) {
                        byFrame.computeIfAbsent(d.frameId(), k -> new ArrayList<>()).add(d);
                    }
                }
                for (DetectionObserved d : trace.detections()) {
                    // The trace's own are there already unless the trace-edge index lags the store.
                    List<DetectionObserved> onFrame = byFrame.computeIfAbsent(d.frameId(), k -> new ArrayList<>());
                    if (onFrame.stream().noneMatch(o -> o.detectionId().equals(d.detectionId()))) {
                        onFrame.add(d);
                    }
                }
                List<FrameCaptured> frames = new ArrayList<>(trace.payloads(FrameCaptured.class));
                frames.sort(Comparator.comparingLong(FrameCaptured::frameIndex));
                for (FrameCaptured f : frames) {
                    writeLine(json, alert, f, byFrame.getOrDefault(f.frameId(), List.of()));
                    json.writeRaw('\n');
                    lines++;
                }
                json.flush();
            }
        }
        return lines;
    }

    private static void writeLine(JsonGenerator json, Reviewed alert, FrameCaptured f, List<DetectionObserved> detections) throws IOException {
        json.writeStartObject();
        json.writeNumberField("schema", SCHEMA);
        json.writeStringField("alertId", alert.alertId());
        json.writeStringField("verdict", alert.verdict());
        json.writeStringField("kind", alert.kind());
        json.writeStringField("policyVersion", alert.policyVersion());
        json.writeStringField("sessionId", alert.sessionId());
        json.writeStringField("vehicleId", alert.vehicleId());
        json.writeStringField("sourceId", f.sourceId());
        json.writeStringField("frameId", f.frameId());
        json.writeNumberField("frameIndex", f.frameIndex());
        json.writeNumberField("captureTimeNanos", f.captureTimeNanos());
        json.writeNumberField("widthPx", f.widthPx());
        json.writeNumberField("heightPx", f.heightPx());
        json.writeStringField("evidenceSha256", f.evidenceSha256());
        json.writeArrayFieldStart("detections");
        for (DetectionObserved d : detections) {
            json.writeStartObject();
            json.writeStringField("detectionId", d.detectionId());
            json.writeNumberField("classId", d.classId());
            json.writeStringField("className", d.className());
            json.writeNumberField("score", d.score());
            json.writeNumberField("x1Px", d.boxPx().x1());
            json.writeNumberField("y1Px", d.boxPx().y1());
            json.writeNumberField("x2Px", d.boxPx().x2());
            json.writeNumberField("y2Px", d.boxPx().y2());
            json.writeStringField("modelName", d.modelName());
            json.writeStringField("modelVersion", d.modelVersion());
            json.writeStringField("modelSha256", d.modelSha256());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
    }
}
