package io.sightline.app.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventCatalog;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.events.EdgeEventSink;
import io.sightline.edge.pipeline.EdgeProjector;
import io.sightline.edge.pipeline.EstimatorConfig;
import io.sightline.edge.replay.RecordedInputs;
import io.sightline.edge.range.CameraModel;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.tracking.TrackerConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Re-runs a recorded session's inputs through this build's edge projector (tracker, range/TTC,
 * risk policy, actuation) and compares what it derives with what was recorded, in the manner of
 * openpilot's process_replay (ADR-0017).
 *
 * <p>Inputs taken from the recording: {@code DriveSessionStarted} (camera calibration, policy and
 * the start time that frame times count from), {@code ModelActivated} (required: detections of an
 * unknown model are not replayed), {@code FrameCaptured}, {@code DetectionObserved} and
 * {@code VehicleStateSampled}, in the recorded order: a frame is decided once its detections and
 * vehicle state are in, as the live pipeline does. Everything the projector derives
 * ({@link #DERIVED_TYPES}) is made again; since its ids are deterministic, the recorded and replayed
 * events are matched by id and compared as payload JSON, byte for byte.
 */
public final class SessionReplay {

    /** The event types the edge projector derives; a replay re-makes exactly these. */
    public static final Set<String> DERIVED_TYPES = RecordedInputs.DERIVED_TYPES;

    private SessionReplay() {
    }

    /** A stored session, in sequence order, and where it was read from (for messages). */
    public record Recorded(String sessionId, String source, List<EventEnvelope> events) {
    }

    /**
     * @param policy        the policy to decide with, or null for the one the session recorded
     * @param tracker       the tracker's thresholds
     * @param frameRateHz   the stream's frame rate, or null to infer it from the frame times
     */
    public record Settings(RiskPolicy policy, TrackerConfig tracker, Double frameRateHz) {
        public static Settings recorded() {
            return new Settings(null, TrackerConfig.defaults(), null);
        }
    }

    /** One event the replay derived. */
    public record Produced(String eventId, SightlineEvent payload) {
    }

    /**
     * @param policy       the policy the replay decided with
     * @param policyRecorded whether it is the session's own
     * @param frameRateHz  the frame rate used
     * @param frames       frames replayed
     * @param replayed     the derived events, in the order the projector made them
     */
    public record Outcome(Recorded recorded, DriveSessionStarted start, RiskPolicy policy, boolean policyRecorded,
                          double frameRateHz, long frames, List<Produced> replayed) {
    }

    /** A session replay refuses: what is missing, and what to do. */
    public static final class RefusedException extends IllegalArgumentException {
        public RefusedException(String message) {
            super(message);
        }
    }

    public static Outcome replay(Recorded recorded, Settings settings) {
        DriveSessionStarted start = RecordedInputs.start(recorded.events());
        boolean model = RecordedInputs.hasModel(recorded.events());
        String where = "session " + recorded.sessionId() + " in " + recorded.source();
        if (start == null) {
            throw new RefusedException(where + " has no DriveSessionStarted, so its camera calibration, policy and start"
                    + " time are unknown and nothing can be replayed. Replay needs the session from its first event: read it"
                    + " from the cloud store (--jdbc-url) if the edge journal's retention removed the start, or record the"
                    + " session again.");
        }
        if (start.calibration() == null) {
            throw new RefusedException(where + " has a DriveSessionStarted without a camera calibration; ranges cannot be"
                    + " computed. Record the session with a calibration (./sightline run records the assumed one).");
        }
        if (!model) {
            throw new RefusedException(where + " has no ModelActivated event, so its detections name no activated model"
                    + " and replaying them would explain nothing. Replay needs the session from its first events: read it"
                    + " from the cloud store (--jdbc-url), or record the session again.");
        }
        RiskPolicy policy = settings.policy();
        boolean policyRecorded = policy == null;
        if (policyRecorded) {
            try {
                policy = RiskPolicy.fromThresholds(start.policyVersion(), start.policyThresholds());
            } catch (IllegalArgumentException e) {
                throw new RefusedException(where + ": " + e.getMessage() + "; pass the policy it ran with as --policy FILE");
            }
        }
        double fps = settings.frameRateHz() != null ? settings.frameRateHz() : inferFrameRate(recorded, where);

        List<Produced> out = new ArrayList<>();
        EdgeProjector projector = new EdgeProjector(recorded.sessionId(), CameraModel.of(start.calibration()), fps,
                settings.tracker(), EstimatorConfig.defaults(), policy, ActuationConfig.defaults(), new EdgeEventSink() {
                    @Override
                    public void emit(String eventId, long occurredAtNanos, SightlineEvent event) {
                        out.add(new Produced(eventId, event));
                    }
                });
        long frames = RecordedInputs.feed(recorded.events(), start, projector);
        return new Outcome(recorded, start, policy, policyRecorded, fps, frames, out);
    }

    /**
     * The frame rate from the frame times: the median step between consecutive frames, snapped to
     * the nearest common container rate (N or N·1000/1001 Hz, as FFmpeg reports them) when within
     * 0.5 %. The session does not record the rate itself (see ADR-0017).
     */
    static double inferFrameRate(Recorded recorded, String where) {
        double hz = RecordedInputs.inferFrameRateHz(recorded.events());
        if (Double.isNaN(hz)) {
            throw new RefusedException(where + " has fewer than two frames with increasing times, so its frame rate is"
                    + " unknown; pass --frame-rate HZ");
        }
        return hz;
    }

    /** Recorded against replayed, by event id and payload bytes; alerts by kind, track and time. */
    public record Diff(Map<String, TypeCounts> byType, List<AlertAt> alertsLost, List<AlertAt> alertsGained,
                       List<String> examples) {
        public boolean identical() {
            return byType.values().stream().allMatch(c -> c.added == 0 && c.removed == 0 && c.changed == 0);
        }

        public long differing() {
            return byType.values().stream().mapToLong(c -> c.added + c.removed + c.changed).sum();
        }
    }

    /** Per event type: how many were recorded and replayed, and how many were added, removed or changed. */
    public static final class TypeCounts {
        public long recorded;
        public long replayed;
        public long added;
        public long removed;
        public long changed;
    }

    /**
     * An alert raised in one run and not the other.
     *
     * @param atS seconds since the session start
     */
    public record AlertAt(String alertId, String kind, String level, String trackId, long raisedAtNanos, double atS) {
    }

    private static final int MAX_EXAMPLES = 10;

    public static Diff diff(Outcome outcome) {
        ObjectMapper json = new EventCodec().mapper();
        Map<String, TypeCounts> byType = new TreeMap<>();
        Map<String, EventEnvelope> recorded = new LinkedHashMap<>();
        for (EventEnvelope e : outcome.recorded().events()) {
            String type = EventCatalog.nameOf(e.payload());
            if (DERIVED_TYPES.contains(type)) {
                recorded.put(e.eventId(), e);
                byType.computeIfAbsent(type, k -> new TypeCounts()).recorded++;
            }
        }
        List<String> examples = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (Produced p : outcome.replayed()) {
            String type = EventCatalog.nameOf(p.payload());
            TypeCounts c = byType.computeIfAbsent(type, k -> new TypeCounts());
            c.replayed++;
            seen.add(p.eventId());
            EventEnvelope stored = recorded.get(p.eventId());
            if (stored == null) {
                c.added++;
                example(examples, "added   " + type + " " + p.eventId());
            } else if (!EventCatalog.nameOf(stored.payload()).equals(type)
                    || !bytes(json, stored.payload()).equals(bytes(json, p.payload()))) {
                c.changed++;
                example(examples, "changed " + type + " " + p.eventId() + ": " + changedFields(json, stored.payload(), p.payload()));
            }
        }
        for (EventEnvelope e : recorded.values()) {
            if (!seen.contains(e.eventId())) {
                String type = EventCatalog.nameOf(e.payload());
                byType.get(type).removed++;
                example(examples, "removed " + type + " " + e.eventId());
            }
        }
        List<AlertAt> before = alerts(outcome, recorded.values().stream().map(EventEnvelope::payload).toList(),
                recorded.values().stream().map(EventEnvelope::eventId).toList());
        List<AlertAt> after = alerts(outcome, outcome.replayed().stream().map(Produced::payload).toList(),
                outcome.replayed().stream().map(Produced::eventId).toList());
        return new Diff(byType, minus(before, after), minus(after, before), examples);
    }

    private static void example(List<String> examples, String line) {
        if (examples.size() < MAX_EXAMPLES) {
            examples.add(line);
        }
    }

    /** The payload fields that differ, e.g. {@code policyVersion, factors}. */
    private static String changedFields(ObjectMapper json, SightlineEvent recorded, SightlineEvent replayed) {
        com.fasterxml.jackson.databind.JsonNode a = json.valueToTree(recorded);
        com.fasterxml.jackson.databind.JsonNode b = json.valueToTree(replayed);
        List<String> fields = new ArrayList<>();
        a.fieldNames().forEachRemaining(f -> {
            if (!a.get(f).equals(b.get(f))) {
                fields.add(f);
            }
        });
        return fields.isEmpty() ? "type" : String.join(", ", fields);
    }

    private static String bytes(ObjectMapper json, SightlineEvent e) {
        try {
            return json.writeValueAsString(e);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot encode " + e, ex);
        }
    }

    private static List<AlertAt> alerts(Outcome o, List<SightlineEvent> events, List<String> ids) {
        List<AlertAt> out = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof AlertRaised a) {
                out.add(new AlertAt(ids.get(i), a.kind(), a.level(), a.trackId(), a.raisedAtNanos(),
                        (a.raisedAtNanos() - o.start().startTimeNanos()) / 1e9));
            }
        }
        return out;
    }

    /** Alerts of {@code a} with no alert of the same kind, track and time in {@code b}. */
    private static List<AlertAt> minus(List<AlertAt> a, List<AlertAt> b) {
        List<AlertAt> out = new ArrayList<>();
        for (AlertAt x : a) {
            boolean matched = b.stream().anyMatch(y -> y.kind().equals(x.kind()) && y.trackId().equals(x.trackId())
                    && y.raisedAtNanos() == x.raisedAtNanos());
            if (!matched) {
                out.add(x);
            }
        }
        return out;
    }
}
