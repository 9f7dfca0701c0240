package io.sightline.edge.app.host;

import io.sightline.domain.event.ActuationCommanded;
import io.sightline.domain.event.AlertCleared;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.AlertSuppressed;
import io.sightline.domain.event.DerivedEvent;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.TrackLost;
import io.sightline.domain.event.TrackStarted;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.edge.app.SafetyApplication;
import io.sightline.edge.app.SafetyApplications;
import io.sightline.edge.events.EdgeEventSink;
import io.sightline.edge.pipeline.EdgeProjector;
import io.sightline.edge.pipeline.EstimatorConfig;
import io.sightline.edge.range.CameraModel;
import io.sightline.edge.replay.RecordedInputs;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.tracking.TrackerConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Runs one safety application over a stored session, the way it runs at the edge (ADR-0029):
 * the session's recorded inputs go through an {@link EdgeProjector} holding only that
 * application, with the same tracker, range and actuator code as the vehicle's.
 *
 * <p>The projector re-derives the session's tracks under the edge's own ids (ids are derived from
 * the session and the inputs, ADR-0017), so the application's verdicts can name the edge's
 * {@code TrackUpdated}, vehicle-state and camera-health events as causes, and their traces work
 * in the cloud as an edge alert's do. That holds only where the re-derived tracks equal the
 * stored ones: every re-derived track event is compared with the stored event of its id, and a
 * verdict that names a track event the store does not hold, or holds with another payload, is
 * dropped and counted, never stored with a cause that does not exist. A session uploaded in tiers
 * (ADR-0027) is such a case: after a tier gap the tracker starts cold and its tracks are not the
 * edge's.
 *
 * <p>Only the application's decisions are kept: {@code RiskAssessed}, {@code AlertRaised},
 * {@code AlertCleared} and {@code AlertSuppressed}, under ids of their own
 * ({@link #decisionIdPrefix}). {@code ActuationCommanded} is dropped: nothing in the cloud
 * reaches the cab.
 */
public final class StoredSessionHost {

    /** Ids of a cloud-side application's events on a session, and the aggregate that stores them. */
    public static final String LOG_SEGMENT = "/apps/";
    private static final int MAX_EXAMPLES = 10;

    private StoredSessionHost() {
    }

    /** Where one application's cloud-side decisions on one session are stored, and what their ids start with. */
    public static String decisionIdPrefix(String sessionId, String application) {
        return sessionId + LOG_SEGMENT + application;
    }

    /**
     * The outcome of a run.
     *
     * @param outcome             {@code RAN}, {@code AT_EDGE} (the session's edge ran the application:
     *                            its decisions are already in the stream) or {@code REFUSED}
     * @param reason              why it did not run, or null
     * @param frames              frames fed to the projector
     * @param trackEventsRederived track events the projector derived again
     * @param trackEventsDiverged those the store does not hold under their id, or holds with another payload
     * @param verdictsDropped     decisions not kept because a cause was diverged or unknown
     * @param decisions           the decisions kept, in the order the projector made them
     * @param examples            a few diverged or dropped ids, for the operator
     */
    public record Run(String sessionId, String application, String policyVersion, Map<String, Double> thresholds,
                      String outcome, String reason, long frames, long trackEventsRederived, long trackEventsDiverged,
                      long verdictsDropped, List<Decision> decisions, List<String> examples) {

        public long alertsRaised() {
            return decisions.stream().filter(d -> d.payload() instanceof AlertRaised).count();
        }

        public long riskAssessments() {
            return decisions.stream().filter(d -> d.payload() instanceof RiskAssessed).count();
        }
    }

    /** One decision to store: its id, its time on the edge's clock, the event. */
    public record Decision(String eventId, long occurredAtNanos, SightlineEvent payload) {
    }

    /** Tracker and estimator settings; the edge's defaults unless the session says otherwise. */
    public record Settings(TrackerConfig tracker, EstimatorConfig estimator) {
        public static Settings defaults() {
            return new Settings(TrackerConfig.defaults(), EstimatorConfig.defaults());
        }
    }

    public static Run run(String sessionId, List<EventEnvelope> stored, SafetyApplication application, Settings settings) {
        Objects.requireNonNull(application, "application");
        String name = application.name();
        DriveSessionStarted start = RecordedInputs.start(stored);
        if (start == null) {
            return refused(sessionId, application, "the store holds no DriveSessionStarted for the session, so its camera"
                    + " calibration and start time are unknown; the application runs once the session's start is uploaded");
        }
        if (start.policyThresholds() != null && !application.thresholds().isEmpty()
                && start.policyThresholds().keySet().containsAll(application.thresholds().keySet())) {
            // Threshold keys are unique across applications (the factor catalog refuses a key twice),
            // so a session that recorded all of the application's keys had it installed at the edge.
            return new Run(sessionId, name, application.policyVersion(), application.thresholds(), "AT_EDGE",
                    "the session's edge ran " + name + " (its DriveSessionStarted records the application's thresholds):"
                            + " its decisions are already in the session's stream", 0, 0, 0, 0, List.of(), List.of());
        }
        if (start.calibration() == null) {
            return refused(sessionId, application, "the session's DriveSessionStarted has no camera calibration, so no range"
                    + " can be computed");
        }
        if (!RecordedInputs.hasModel(stored)) {
            return refused(sessionId, application, "the store holds no ModelActivated for the session, so its detections name"
                    + " no activated model");
        }
        double fps = RecordedInputs.inferFrameRateHz(stored);
        if (Double.isNaN(fps)) {
            return refused(sessionId, application, "the store holds fewer than two frames with increasing times, so the"
                    + " session's frame rate is unknown");
        }

        Map<String, SightlineEvent> byId = new HashMap<>(stored.size() * 2);
        for (EventEnvelope e : stored) {
            byId.put(e.eventId(), e.payload());
        }
        String prefix = decisionIdPrefix(sessionId, name);
        List<Decision> produced = new ArrayList<>();
        long[] rederived = new long[1];
        Set<String> diverged = new HashSet<>();
        EdgeEventSink sink = new EdgeEventSink() {
            @Override
            public void emit(String eventId, long occurredAtNanos, SightlineEvent event) {
                if (event instanceof TrackStarted || event instanceof TrackUpdated || event instanceof TrackLost) {
                    rederived[0]++;
                    if (!event.equals(byId.get(eventId))) {
                        diverged.add(eventId);
                    }
                } else if (event instanceof RiskAssessed || event instanceof AlertRaised || event instanceof AlertCleared
                        || event instanceof AlertSuppressed) {
                    produced.add(new Decision(eventId, occurredAtNanos, event));
                } else if (!(event instanceof ActuationCommanded)) {
                    // InputRejected: the edge recorded its own refusal of the same input under the same id
                    if (!byId.containsKey(eventId)) {
                        diverged.add(eventId);
                    }
                }
            }
        };
        EdgeProjector projector = new EdgeProjector(sessionId, prefix, CameraModel.of(start.calibration()), fps,
                settings.tracker(), settings.estimator(), RiskPolicy.defaults(), new SafetyApplications(List.of(application)),
                sink);
        long frames = RecordedInputs.feed(stored, start, projector);

        // Keep a decision only when every cause is a stored edge event (not a diverged one) or a kept decision.
        List<Decision> kept = new ArrayList<>(produced.size());
        Set<String> keptIds = new HashSet<>();
        List<String> examples = new ArrayList<>();
        for (String id : diverged) {
            if (examples.size() < MAX_EXAMPLES / 2) {
                examples.add("diverged " + id);
            }
        }
        long dropped = 0;
        for (Decision d : produced) {
            String missing = null;
            for (String cause : ((DerivedEvent) d.payload()).causes()) {
                boolean ok = keptIds.contains(cause) || (byId.containsKey(cause) && !diverged.contains(cause));
                if (!ok) {
                    missing = cause;
                    break;
                }
            }
            if (missing == null) {
                kept.add(d);
                keptIds.add(d.eventId());
            } else {
                dropped++;
                if (examples.size() < MAX_EXAMPLES) {
                    examples.add("dropped " + d.eventId() + ": cause " + missing + " is " + (diverged.contains(missing)
                            ? "re-derived differently from the stored event" : "not in the store"));
                }
            }
        }
        return new Run(sessionId, name, application.policyVersion(), application.thresholds(), "RAN", null, frames, rederived[0],
                diverged.size(), dropped, kept, examples);
    }

    private static Run refused(String sessionId, SafetyApplication app, String reason) {
        return new Run(sessionId, app.name(), app.policyVersion(), app.thresholds(), "REFUSED", reason, 0, 0, 0, 0, List.of(),
                List.of());
    }
}
