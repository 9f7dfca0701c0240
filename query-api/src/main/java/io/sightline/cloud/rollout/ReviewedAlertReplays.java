package io.sightline.cloud.rollout;

import io.sightline.cloud.evidence.AlertEvidenceService;
import io.sightline.cloud.registry.RegistryService;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.EvidenceClipRecorded;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.ReviewedAlertReplayed;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RolloutStarted;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.domain.rollout.RecordReviewedAlertReplay;
import io.sightline.domain.rollout.Rollout;
import io.sightline.edge.shadow.AlertAgreement;
import io.sightline.explain.EventLookup;
import io.sightline.explain.StoredEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Issue 17 §3, the last measure: confirmed alerts the challenger would have missed, for alerts of
 * sessions that ran no shadow (ADR-0040). On a shadow step each check replays a few of the fleet's
 * confirmed (latest verdict TRUE_POSITIVE) alerts of sessions on the champion model: the alert
 * window's clip goes through the challenger's model and policy and through the champion's, both
 * verified from the registry, each cold from the clip's first frame; the outcome is stored as
 * {@link ReviewedAlertReplayed} in the rollout's stream, so a restart replays nothing twice and a
 * halt can name it.
 *
 * <p>The champion is replayed too because a cold start is not the session: a replay in which the
 * champion does not raise its own confirmed alert again says nothing about the challenger
 * ({@code INCONCLUSIVE}).
 */
@Component
public class ReviewedAlertReplays {

    private static final Logger LOG = LoggerFactory.getLogger(ReviewedAlertReplays.class);
    private static final long WINDOW_NANOS = (long) (AlertAgreement.WINDOW_S * 1e9);

    private final RolloutEvidenceReader reader;
    private final EventLookup events;
    private final AlertEvidenceService evidence;
    private final RegistryService registry;
    private final CommandGateway commands;
    private final ObjectProvider<WindowReplayer> replayer;
    private final int maxAlerts;
    private final int maxPerCheck;

    public ReviewedAlertReplays(RolloutEvidenceReader reader, EventLookup events, AlertEvidenceService evidence, RegistryService registry,
                                CommandGateway commands, ObjectProvider<WindowReplayer> replayer,
                                @Value("${sightline.rollouts.replay.max-alerts:50}") int maxAlerts,
                                @Value("${sightline.rollouts.replay.max-per-check:4}") int maxPerCheck) {
        this.reader = reader;
        this.events = events;
        this.evidence = evidence;
        this.registry = registry;
        this.commands = commands;
        this.replayer = replayer;
        this.maxAlerts = maxAlerts;
        this.maxPerCheck = maxPerCheck;
    }

    /** A confirmed alert in scope: its AlertRaised and its latest review. */
    record Candidate(String alertEventId, String reviewEventId, String sessionId, String vehicleId) {
    }

    /**
     * The fleet's confirmed alerts of sessions on the champion model, newest first, at most
     * {@code max-alerts}; the sessions in {@code judgedDirectly} (they shadowed the challenger) are left out.
     */
    List<Candidate> candidates(RolloutStarted plan, Set<String> judgedDirectly) {
        List<Candidate> out = new ArrayList<>();
        for (RolloutEvidenceReader.ConfirmedAlert c : reader.confirmedAlerts(plan.fleetId(), plan.championModelSha256(), maxAlerts)) {
            if (!judgedDirectly.contains(c.sessionId())) {
                out.add(new Candidate(c.alertEventId(), c.reviewEventId(), c.sessionId(), c.vehicleId()));
            }
        }
        return out;
    }

    /** What the gate reads: the stored replays of the candidates, and how many are still to do or cannot be done. */
    public GateContext.Replays summary(RolloutState s, Set<String> judgedDirectly) {
        Map<String, GateContext.ReplayedAlert> stored = stored(s);
        int pending = 0;
        int without = 0;
        List<GateContext.ReplayedAlert> replayed = new ArrayList<>();
        for (Candidate c : candidates(s.plan(), judgedDirectly)) {
            GateContext.ReplayedAlert r = stored.get(c.alertEventId() + "\n" + c.reviewEventId());
            if (r != null) {
                replayed.add(r);
            } else if (clipOf(c).isPresent()) {
                pending++;
            } else {
                without++;
            }
        }
        return new GateContext.Replays(replayed, pending, without, replayer.getIfAvailable() != null);
    }

    private static Map<String, GateContext.ReplayedAlert> stored(RolloutState s) {
        Map<String, GateContext.ReplayedAlert> out = new HashMap<>();
        for (RolloutState.Stored e : s.events()) {
            if (e.payload() instanceof ReviewedAlertReplayed r) {
                out.put(r.alertEventId() + "\n" + r.reviewEventId(), new GateContext.ReplayedAlert(e.eventId(), r.alertEventId(),
                        r.reviewEventId(), r.causes().size() > 2 ? r.causes().get(2) : null, r.outcome(), r.ttcDifferenceS()));
            }
        }
        return out;
    }

    /**
     * Replays up to {@code max-per-check} confirmed alerts not replayed yet and stores each outcome;
     * returns how many were stored. Nothing happens without a replayer or a challenger model or policy.
     */
    public int replayPending(RolloutState s, Set<String> judgedDirectly, long nowNanos) {
        WindowReplayer r = replayer.getIfAvailable();
        RolloutStarted plan = s.plan();
        if (r == null || !s.active()) {
            return 0;
        }
        Map<String, GateContext.ReplayedAlert> stored = stored(s);
        List<Candidate> todo = new ArrayList<>();
        for (Candidate c : candidates(plan, judgedDirectly)) {
            if (!stored.containsKey(c.alertEventId() + "\n" + c.reviewEventId()) && clipOf(c).isPresent()) {
                todo.add(c);
            }
        }
        if (todo.isEmpty()) {
            return 0;
        }
        WindowReplayer.Model champion = model(plan.championModelSha256());
        WindowReplayer.Model challenger = plan.challengerModelSha256() == null ? champion : model(plan.challengerModelSha256());
        RegistryService.VerifiedArtifact championPolicy = policy(plan.championPolicySha256());
        RegistryService.VerifiedArtifact challengerPolicy = plan.challengerPolicySha256() == null ? championPolicy
                : policy(plan.challengerPolicySha256());
        int done = 0;
        for (Candidate c : todo.subList(0, Math.min(todo.size(), maxPerCheck))) {
            try {
                ReviewedAlertReplayed e = replay(plan, c, r, champion, new String(championPolicy.bytes(), StandardCharsets.UTF_8), challenger,
                        challengerPolicy, nowNanos);
                if (e != null) {
                    commands.sendAndWait(new RecordReviewedAlertReplay(Rollout.idFor(plan.rolloutId()), e));
                    done++;
                }
            } catch (IllegalArgumentException ex) {
                // A clip the decoder refuses stays pending and is reported; the other alerts still replay.
                LOG.warn("rollout {}: the window of alert {} could not be replayed: {}", plan.rolloutId(), c.alertEventId(), ex.getMessage());
            }
        }
        return done;
    }

    private WindowReplayer.Model model(String sha256) {
        RegistryService.VerifiedArtifact a = verified(ReleaseStatement.MODEL, sha256);
        return new WindowReplayer.Model(sha256, a.manifestJson(), a.bytes());
    }

    private RegistryService.VerifiedArtifact policy(String sha256) {
        return verified(ReleaseStatement.POLICY, sha256);
    }

    private RegistryService.VerifiedArtifact verified(String kind, String sha256) {
        try {
            return registry.verified(kind, sha256).orElseThrow(() -> new IllegalStateException("the " + kind + " " + sha256
                    + " of the rollout is not registered"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the " + kind + " " + sha256 + " from the registry: " + e.getMessage(), e);
        }
    }

    private record Clip(StoredEvent event, EvidenceClipRecorded clip, StoredEvent alert) {
    }

    private Optional<Clip> clipOf(Candidate c) {
        Optional<StoredEvent> alert = events.findAlert(c.alertEventId());
        if (alert.isEmpty() || !(alert.get().payload() instanceof AlertRaised a)) {
            return Optional.empty();
        }
        // The whole session, not from the alert's time on: a clip is stamped by the edge's wall clock when it is cut, and a
        // file read faster than real time raises its alerts on the video's clock, ahead of the wall clock.
        for (StoredEvent e : events.sessionEvents(alert.get().sessionId(), Long.MIN_VALUE, Long.MAX_VALUE, Set.of(EvidenceClipRecorded.class))) {
            EvidenceClipRecorded clip = (EvidenceClipRecorded) e.payload();
            if (clip.alertIds().contains(a.alertId()) && evidence.holds(clip.clipSha256(), fleetOf(c))) {
                return Optional.of(new Clip(e, clip, alert.get()));
            }
        }
        return Optional.empty();
    }

    private String fleetOf(Candidate c) {
        return reader.fleetOfSession(c.sessionId());
    }

    ReviewedAlertReplayed replay(RolloutStarted plan, Candidate c, WindowReplayer r, WindowReplayer.Model champion, String championPolicy,
                                 WindowReplayer.Model challenger, RegistryService.VerifiedArtifact challengerPolicy, long nowNanos) {
        Optional<Clip> found = clipOf(c);
        if (found.isEmpty()) {
            return null;
        }
        Clip clip = found.get();
        AlertRaised alert = (AlertRaised) clip.alert().payload();
        byte[] bytes = evidence.blob(clip.clip().clipSha256(), fleetOf(c)).orElseThrow().bytes();
        WindowReplayer.Window window = window(clip.alert().sessionId(), clip.clip(), bytes);
        WindowReplayer.Replay championReplay = r.replay(window, champion, championPolicy);
        WindowReplayer.Replay challengerReplay = r.replay(window, challenger, new String(challengerPolicy.bytes(), StandardCharsets.UTF_8));
        WindowReplayer.Alert championAgain = nearest(championReplay.alerts(), alert);
        WindowReplayer.Alert challengerAlert = nearest(challengerReplay.alerts(), alert);
        String outcome = challengerAlert != null ? ReviewedAlertReplayed.RAISED
                : championAgain != null ? ReviewedAlertReplayed.MISSED : ReviewedAlertReplayed.INCONCLUSIVE;
        Double championTtc = championTtc(clip.alert());
        Double challengerTtc = challengerAlert == null || !Double.isFinite(challengerAlert.ttcS()) ? null : challengerAlert.ttcS();
        Double difference = championTtc == null || challengerTtc == null ? null : challengerTtc - championTtc;
        return new ReviewedAlertReplayed(plan.rolloutId(), c.alertEventId(), c.reviewEventId(), clip.alert().sessionId(), c.vehicleId(),
                alert.kind(), alert.raisedAtNanos(), ReviewedAlertReplayed.CLIP, clip.clip().clipSha256(), challengerReplay.frames(),
                challenger.sha256(), challengerPolicy.version(), outcome, championAgain != null, challengerAlert != null,
                challengerAlert == null ? -1 : challengerAlert.raisedAtNanos(), challengerTtc, championTtc, difference, nowNanos,
                List.of(c.reviewEventId(), c.alertEventId(), clip.event().eventId()));
    }

    /** The replay's alert of the confirmed alert's kind nearest to it within ±0.5 s, or null. */
    static WindowReplayer.Alert nearest(List<WindowReplayer.Alert> alerts, AlertRaised confirmed) {
        WindowReplayer.Alert best = null;
        for (WindowReplayer.Alert a : alerts) {
            long dt = Math.abs(a.raisedAtNanos() - confirmed.raisedAtNanos());
            if (a.kind().equals(confirmed.kind()) && dt <= WINDOW_NANOS
                    && (best == null || dt < Math.abs(best.raisedAtNanos() - confirmed.raisedAtNanos()))) {
                best = a;
            }
        }
        return best;
    }

    /**
     * Frame k of the clip is source frame {@code firstFrameIndex + k}. Its time is the session clock
     * the edge decided on (a file's container time plus the session's base), which the frame's own
     * {@code VehicleStateSampled} carries with the speed it decided with; a frame whose sample is not
     * stored (a tiered upload) is counted from the nearest stored one at the clip's frame rate.
     * {@code FrameCaptured.captureTimeNanos} is the container time, not the session clock, so it is not used.
     */
    private WindowReplayer.Window window(String sessionId, EvidenceClipRecorded clip, byte[] bytes) {
        double fps = clip.frameRateHz() > 0 ? clip.frameRateHz() : 25.0;
        long framePeriod = Math.round(1e9 / fps);
        List<String> ids = new ArrayList<>(clip.frameCount());
        for (int k = 0; k < clip.frameCount(); k++) {
            ids.add(EventIds.of(EventIds.frame(sessionId, clip.firstFrameIndex() + k), "VehicleStateSampled", 0));
        }
        TreeMap<Long, VehicleStateSampled> sampleOfIndex = new TreeMap<>();
        Map<String, StoredEvent> found = events.findByIds(ids);
        for (int k = 0; k < ids.size(); k++) {
            StoredEvent e = found.get(ids.get(k));
            if (e != null && e.payload() instanceof VehicleStateSampled v) {
                sampleOfIndex.put(clip.firstFrameIndex() + k, v);
            }
        }
        if (sampleOfIndex.isEmpty()) {
            throw new IllegalArgumentException("no decided frame of session " + sessionId + " is stored for clip " + clip.clipSha256());
        }
        long[] times = new long[clip.frameCount()];
        double[] speeds = new double[clip.frameCount()];
        for (int k = 0; k < times.length; k++) {
            long index = clip.firstFrameIndex() + k;
            Map.Entry<Long, VehicleStateSampled> below = sampleOfIndex.floorEntry(index);
            Map.Entry<Long, VehicleStateSampled> ref = below != null ? below : sampleOfIndex.ceilingEntry(index);
            times[k] = ref.getValue().sampleTimeNanos() + (index - ref.getKey()) * framePeriod;
            speeds[k] = ref.getValue().egoSpeedMps();
        }
        return new WindowReplayer.Window(bytes, times, speeds);
    }

    /** The TTC of the RiskAssessed that raised the stored alert, or null. */
    private Double championTtc(StoredEvent alert) {
        Map<String, StoredEvent> causes = events.findByIds(((AlertRaised) alert.payload()).causes());
        for (String id : ((AlertRaised) alert.payload()).causes()) {
            StoredEvent e = causes.get(id);
            if (e != null && e.payload() instanceof RiskAssessed r && Double.isFinite(r.ttcS())) {
                return r.ttcS();
            }
        }
        return null;
    }
}
