package io.sightline.cloud.mining;

import io.sightline.cloud.api.AlertReadModel;
import io.sightline.cloud.api.AlertReadModel.MissedReport;
import io.sightline.cloud.api.AlertReadModel.Reviewed;
import io.sightline.cloud.api.SessionReadModel;
import io.sightline.cloud.api.SessionReadModel.SessionSpan;
import io.sightline.cloud.mining.MiningResult.Candidate;
import io.sightline.cloud.mining.MiningResult.Enrichment;
import io.sightline.cloud.mining.MiningResult.FrameContent;
import io.sightline.cloud.mining.MiningResult.Reason;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.TrackStarted;
import io.sightline.domain.event.TrackState;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.explain.EventLookup;
import io.sightline.explain.StoredEvent;
import io.sightline.explain.trace.CausalTraceEngine;
import io.sightline.explain.trace.TraceNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Service;

/**
 * Hard-example mining (issue 16 §7, docs/mining.md): ranks a fleet's frames by the {@link MiningTrigger}s
 * they fire, keeps the budget's best, and measures how many reviewed false-positive and
 * false-negative frames that budget holds against a random sample of the same size.
 *
 * <p>Sessions are read one at a time from the event store ({@link EventLookup#sessionEvents}); only the
 * frames some trigger fired on are kept, with their detections and tracks for the exports.
 */
@Service
public class HardExampleMiner {

    static final Set<Class<? extends SightlineEvent>> TYPES = Set.of(FrameCaptured.class, DetectionObserved.class, TrackStarted.class,
            TrackUpdated.class, RiskAssessed.class, AlertRaised.class, VehicleStateSampled.class);
    /** Reviewed alerts read per run; far above any real review backlog, and a bound on the traces built. */
    static final int MAX_REVIEWED_ALERTS = 100_000;

    private final List<MiningTrigger> triggers;
    private final SessionReadModel sessions;
    private final AlertReadModel alerts;
    private final EventLookup events;
    private final CausalTraceEngine traces;

    public HardExampleMiner(List<MiningTrigger> triggers, SessionReadModel sessions, AlertReadModel alerts, EventLookup events,
                            CausalTraceEngine traces) {
        this.triggers = List.copyOf(triggers);
        this.sessions = sessions;
        this.alerts = alerts;
        this.events = events;
        this.traces = traces;
    }

    public List<String> triggerNames() {
        return triggers.stream().map(MiningTrigger::name).toList();
    }

    /** A frame some trigger fired on, while the scope is scanned. */
    private static final class Scored {
        final StoredEvent frame;
        final SessionSpan session;
        final Map<String, Reason> bestPerTrigger = new LinkedHashMap<>();
        boolean reviewed;
        FrameContent content;
        ModelActivated model;

        Scored(StoredEvent frame, SessionSpan session) {
            this.frame = frame;
            this.session = session;
        }

        double score(boolean withReviewBacked, Set<String> reviewBackedNames) {
            double s = 0;
            for (Reason r : bestPerTrigger.values()) {
                if (withReviewBacked || !reviewBackedNames.contains(r.trigger())) {
                    s += r.weight();
                }
            }
            return s;
        }
    }

    public MiningResult mine(MiningRequest request) {
        long from = request.fromNanos();
        long toInclusive = request.toNanos() == Long.MAX_VALUE ? Long.MAX_VALUE : request.toNanos() - 1;
        List<SessionSpan> spans = sessions.overlapping(request.fleetId(), request.fromNanos(), request.toNanos());
        Set<String> inScope = new HashSet<>();
        spans.forEach(s -> inScope.add(s.sessionId()));
        Map<String, List<MinedSession.FalsePositive>> falsePositives = new HashMap<>();
        for (Reviewed r : alerts.withVerdict(request.fleetId(), List.of("FALSE_POSITIVE"), Long.MIN_VALUE, Long.MAX_VALUE,
                MAX_REVIEWED_ALERTS)) {
            // The alert may have been raised before the window while frames of its trace lie inside: every
            // reviewed alert of the sessions in scope is traced, and the trigger keeps only frames in the window.
            if (!inScope.contains(r.sessionId())) {
                continue;
            }
            var trace = traces.trace(r.alertId());
            List<String> frames = trace.nodesOfType(FrameCaptured.class.getSimpleName()).stream().map(TraceNode::eventId).toList();
            falsePositives.computeIfAbsent(r.sessionId(), k -> new ArrayList<>())
                    .add(new MinedSession.FalsePositive(r.alertId(), trace.alertEventId(), r.kind(), frames));
        }
        Map<String, List<MissedReport>> misses = new HashMap<>();
        for (MissedReport m : alerts.missedEvents(request.fleetId(), Long.MIN_VALUE, Long.MAX_VALUE)) {
            misses.computeIfAbsent(m.sessionId(), k -> new ArrayList<>()).add(m);
        }
        Set<String> reviewBackedNames = new HashSet<>();
        for (MiningTrigger t : triggers) {
            if (t.reviewBacked()) {
                reviewBackedNames.add(t.name());
            }
        }

        long framesInScope = 0;
        long sessionsInScope = 0;
        long reviewedFrames = 0;
        List<Scored> scored = new ArrayList<>();
        Map<String, ModelActivated> models = new LinkedHashMap<>();
        List<String> classes = new ArrayList<>();
        for (SessionSpan span : spans) {
            List<StoredEvent> sessionEvents = events.sessionEvents(span.sessionId(), from, toInclusive, TYPES);
            MinedSession session = new MinedSession(span.sessionId(), span.vehicleId(), span.policyVersion(), sessionEvents,
                    falsePositives.getOrDefault(span.sessionId(), List.of()), misses.getOrDefault(span.sessionId(), List.of()));
            if (session.frames().isEmpty()) {
                continue;
            }
            sessionsInScope++;
            framesInScope += session.frames().size();
            List<StoredEvent> activations = events.sessionEvents(span.sessionId(), Long.MIN_VALUE, Long.MAX_VALUE,
                    Set.of(ModelActivated.class));
            for (StoredEvent a : activations) {
                ModelActivated m = (ModelActivated) a.payload();
                models.putIfAbsent(m.modelSha256(), m);
                for (String c : m.classes()) {
                    if (!classes.contains(c)) {
                        classes.add(c);
                    }
                }
            }
            Map<String, Scored> byFrame = new LinkedHashMap<>();
            for (MiningTrigger trigger : triggers) {
                trigger.scan(session, (frameEventId, weight, text, alertId, eventIds) -> {
                    StoredEvent frame = session.event(frameEventId);
                    if (frame == null || !(frame.payload() instanceof FrameCaptured)) {
                        throw new IllegalStateException("trigger " + trigger.name() + " named " + frameEventId + ", not a frame of "
                                + session.sessionId() + " in the window");
                    }
                    Scored s = byFrame.computeIfAbsent(frameEventId, k -> new Scored(frame, span));
                    Reason previous = s.bestPerTrigger.get(trigger.name());
                    if (previous == null || weight > previous.weight()) {
                        s.bestPerTrigger.put(trigger.name(), new Reason(trigger.name(), weight, text, alertId,
                                alertId == null ? null : "/api/v1/alerts/" + alertId + "/trace", List.copyOf(eventIds)));
                    }
                    if (trigger.reviewBacked()) {
                        s.reviewed = true;
                    }
                });
            }
            for (Scored s : byFrame.values()) {
                s.content = content(session, (FrameCaptured) s.frame.payload());
                s.model = modelOf(s.content, activations, s.frame);
                if (s.reviewed) {
                    reviewedFrames++;
                }
            }
            scored.addAll(byFrame.values());
        }

        int budget = request.budgetFor(framesInScope);
        List<Scored> ranked = rank(scored, true, reviewBackedNames);
        List<Scored> chosen = ranked.subList(0, Math.min(budget, ranked.size()));
        long reviewedInBudget = chosen.stream().filter(s -> s.reviewed).count();
        List<Scored> automatic = rank(scored.stream().filter(s -> s.score(false, reviewBackedNames) > 0).toList(), false, reviewBackedNames);
        long reviewedInAutomaticBudget = automatic.subList(0, Math.min(budget, automatic.size())).stream().filter(s -> s.reviewed).count();
        double expected = framesInScope == 0 ? 0 : (double) budget * reviewedFrames / framesInScope;
        Enrichment enrichment = new Enrichment(framesInScope, budget, reviewedFrames, reviewedInBudget, expected,
                reviewedFrames == 0 || expected == 0 ? null : reviewedInBudget / expected, reviewedInAutomaticBudget,
                reviewedFrames == 0 || expected == 0 ? null : reviewedInAutomaticBudget / expected);

        List<Candidate> candidates = new ArrayList<>(chosen.size());
        Map<String, FrameContent> content = new HashMap<>();
        int rank = 1;
        for (Scored s : chosen) {
            FrameCaptured f = (FrameCaptured) s.frame.payload();
            ModelActivated m = s.model;
            candidates.add(new Candidate(rank++, s.score(true, reviewBackedNames), s.session.sessionId(), s.session.vehicleId(),
                    s.session.policyVersion(), s.frame.eventId(), f.frameId(), f.frameIndex(), s.frame.occurredAtNanos(),
                    f.captureTimeNanos(), f.widthPx(), f.heightPx(), f.sourceId(), f.evidenceSha256(), m == null ? null : m.modelName(),
                    m == null ? null : m.modelVersion(), m == null ? null : m.modelSha256(), s.reviewed,
                    List.copyOf(s.bestPerTrigger.values())));
            content.put(s.frame.eventId(), s.content);
        }
        Map<String, Long> perTrigger = new LinkedHashMap<>();
        triggers.forEach(t -> perTrigger.put(t.name(), 0L));
        for (Scored s : scored) {
            s.bestPerTrigger.keySet().forEach(name -> perTrigger.merge(name, 1L, Long::sum));
        }
        return new MiningResult(request, sessionsInScope, framesInScope, scored.size(), budget, triggerNames(), perTrigger,
                List.copyOf(classes),
                List.copyOf(models.values()), candidates, enrichment, content);
    }

    private static List<Scored> rank(List<Scored> scored, boolean withReviewBacked, Set<String> reviewBackedNames) {
        List<Scored> out = new ArrayList<>(scored);
        out.sort(Comparator.comparingDouble((Scored s) -> -s.score(withReviewBacked, reviewBackedNames))
                .thenComparing(s -> -s.bestPerTrigger.size())
                .thenComparingLong(s -> s.frame.occurredAtNanos())
                .thenComparing(s -> s.frame.eventId()));
        return out;
    }

    /** Every detection on the frame and the tracks updated on it (confirmed with a detection, or coasting). */
    private static FrameContent content(MinedSession session, FrameCaptured frame) {
        List<DetectionObserved> detections = new ArrayList<>();
        for (StoredEvent e : session.events(DetectionObserved.class)) {
            if (((DetectionObserved) e.payload()).frameId().equals(frame.frameId())) {
                detections.add((DetectionObserved) e.payload());
            }
        }
        List<TrackUpdated> tracks = new ArrayList<>();
        for (StoredEvent e : session.events(TrackUpdated.class)) {
            TrackUpdated u = (TrackUpdated) e.payload();
            if (u.frameId().equals(frame.frameId()) && (u.state() == TrackState.CONFIRMED || u.state() == TrackState.LOST)) {
                tracks.add(u);
            }
        }
        return new FrameContent(List.copyOf(detections), List.copyOf(tracks));
    }

    /** The model of the frame's detections, else the session's last activation before the frame. */
    private static ModelActivated modelOf(FrameContent content, List<StoredEvent> activations, StoredEvent frame) {
        Set<String> shas = new LinkedHashSet<>();
        content.detections().forEach(d -> shas.add(d.modelSha256()));
        ModelActivated last = null;
        for (StoredEvent a : activations) {
            ModelActivated m = (ModelActivated) a.payload();
            if (!shas.isEmpty() && shas.contains(m.modelSha256())) {
                return m;
            }
            if (a.sequence() <= frame.sequence()) {
                last = m;
            }
        }
        return last;
    }
}
