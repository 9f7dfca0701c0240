package io.sightline.edge.actuation;

import io.sightline.domain.event.ActuationCommanded;
import io.sightline.domain.event.AlertCleared;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.AlertSuppressed;
import io.sightline.domain.risk.FactorRole;
import io.sightline.edge.app.SafetyApplication;
import io.sightline.edge.app.SafetyApplications;
import io.sightline.edge.events.EdgeEventSink;
import io.sightline.edge.risk.AlertKind;
import io.sightline.edge.risk.RuleEvaluation;
import io.sightline.edge.risk.SuppressionReason;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns rule verdicts into in-cab alerts: at most one alert of each kind at a time, bound to the
 * object that raised it.
 *
 * <ul>
 *   <li><b>Raise</b> when a rule requests, unless an alert of the kind is on for another object
 *       (ALREADY_ACTIVE), the kind cleared less than {@code cooldownS} ago (COOLDOWN),
 *       {@code maxPerHour} alerts of the kind were raised in the last hour (RATE_CAP), or the
 *       fleet-wide cap on in-cab alerts of all kinds together is used up (IN_CAB_CAP).</li>
 *   <li><b>Hold</b> while the raising object's rule reports {@code sustained} (threshold
 *       hysteresis), and for {@code clearHoldS} after (time hysteresis), and for at least
 *       {@code minOnS} in all.</li>
 *   <li><b>Suppressions</b> (including the policy's SPEED_GATE and LOW_CONFIDENCE) are emitted
 *       once when an object's suppression reason starts or changes, not every frame.</li>
 * </ul>
 * Events: AlertRaised (causes: the RiskAssessed), ActuationCommanded per actuator (causes: the
 * AlertRaised), AlertCleared (causes: the AlertRaised and the last RiskAssessed that sustained it),
 * AlertSuppressed (causes: the RiskAssessed).
 */
public final class Actuator {

    private static final long NANOS_PER_HOUR = 3_600_000_000_000L;

    private final String idPrefix;
    private final EdgeEventSink sink;
    /** In the applications' order, which is the order {@link #tick} clears in. */
    private final Map<String, KindState> states = new LinkedHashMap<>();
    private final HourWindow inCab;
    private long alertCounter;

    /** Raise times in the last hour, in a ring the size of the cap. */
    private static final class HourWindow {
        final long[] raiseTimesNanos;
        int raiseHead;
        int raiseCount;

        HourWindow(int cap) {
            raiseTimesNanos = new long[cap];
        }

        int raisesWithinHour(long nowNanos) {
            int n = 0;
            for (int i = 0; i < raiseCount; i++) {
                if (nowNanos - raiseTimesNanos[i] < NANOS_PER_HOUR) {
                    n++;
                }
            }
            return n;
        }

        void recordRaise(long nowNanos) {
            raiseTimesNanos[raiseHead] = nowNanos;
            raiseHead = (raiseHead + 1) % raiseTimesNanos.length;
            raiseCount = Math.min(raiseCount + 1, raiseTimesNanos.length);
        }
    }

    private static final class KindState {
        final AlertKind kind;
        final String policyVersion;
        final ActuationConfig.PerKind timing;
        final HourWindow raises;
        boolean active;
        String alertId;
        String trackKey;
        long raisedAtNanos;
        long lastSustainedNanos;
        String lastAssessmentId;
        long lastClearedNanos = Long.MIN_VALUE;
        final Map<String, SuppressionReason> lastSuppression = new HashMap<>();

        KindState(AlertKind kind, String policyVersion, ActuationConfig.PerKind timing) {
            this.kind = kind;
            this.policyVersion = policyVersion;
            this.timing = timing;
            this.raises = new HourWindow(timing.maxPerHour());
        }
    }

    /** The three built-in kinds under one policy version, with no other application (for tests of timing alone). */
    public Actuator(ActuationConfig config, String policyVersion, String idPrefix, EdgeEventSink sink) {
        this.idPrefix = idPrefix;
        this.sink = sink;
        this.inCab = new HourWindow(SafetyApplications.DEFAULT_MAX_IN_CAB_ALERTS_PER_HOUR);
        for (AlertKind k : List.of(AlertKind.FORWARD_COLLISION, AlertKind.FOLLOWING_DISTANCE, AlertKind.VULNERABLE_ROAD_USER)) {
            states.put(k.name(), new KindState(k, policyVersion, config.of(k)));
        }
    }

    /** Every installed application's kinds, each with its application's timing and policy version. */
    public Actuator(SafetyApplications applications, String idPrefix, EdgeEventSink sink) {
        this.idPrefix = idPrefix;
        this.sink = sink;
        this.inCab = new HourWindow(applications.maxInCabAlertsPerHour());
        for (SafetyApplication app : applications.applications()) {
            for (AlertKind k : app.alertKinds()) {
                states.put(k.name(), new KindState(k, app.policyVersion(), app.actuation(k)));
            }
        }
    }

    /** True while an alert of {@code kind} is on. */
    public boolean isActive(AlertKind kind) {
        return state(kind).active;
    }

    private KindState state(AlertKind kind) {
        KindState s = states.get(kind.name());
        if (s == null) {
            throw new IllegalArgumentException("no installed application raises " + kind + "; installed: " + states.keySet());
        }
        return s;
    }

    /**
     * Takes one rule verdict.
     *
     * @param trackKey the object the verdict is about
     * @param assessmentId id of the RiskAssessed event that carries the verdict
     */
    public void offer(String trackKey, RuleEvaluation ev, String assessmentId, long nowNanos) {
        KindState s = state(ev.kind());
        if (s.active && s.trackKey.equals(trackKey)) {
            if (ev.sustained() || ev.requested()) {
                s.lastSustainedNanos = nowNanos;
                s.lastAssessmentId = assessmentId;
            }
            s.lastSuppression.remove(trackKey);
            return;
        }
        SuppressionReason reason;
        if (ev.requested()) {
            if (s.active) {
                reason = SuppressionReason.ALREADY_ACTIVE;
            } else if (s.lastClearedNanos != Long.MIN_VALUE
                    && nowNanos - s.lastClearedNanos < seconds(s.timing.cooldownS())) {
                reason = SuppressionReason.COOLDOWN;
            } else if (s.raises.raisesWithinHour(nowNanos) >= s.timing.maxPerHour()) {
                reason = SuppressionReason.RATE_CAP;
            } else if (inCab.raisesWithinHour(nowNanos) >= inCab.raiseTimesNanos.length) {
                reason = SuppressionReason.IN_CAB_CAP;
            } else {
                raise(s, ev, trackKey, assessmentId, nowNanos);
                return;
            }
        } else {
            reason = ev.suppression();
        }
        if (reason == null) {
            s.lastSuppression.remove(trackKey);
            return;
        }
        if (s.lastSuppression.put(trackKey, reason) != reason) {
            sink.emit(idPrefix + "/sup/" + ev.kind() + "/" + trackKey + "/" + nowNanos, nowNanos,
                    new AlertSuppressed(ev.kind().name(), levelOf(ev), trackKey, reason.name(),
                            detail(reason, s, ev), nowNanos, List.of(assessmentId)));
        }
    }

    private static String levelOf(RuleEvaluation ev) {
        return ev.kind().level();
    }

    private String detail(SuppressionReason reason, KindState s, RuleEvaluation ev) {
        return switch (reason) {
            case ALREADY_ACTIVE -> "alert " + s.alertId + " is on for " + s.trackKey;
            case COOLDOWN -> "cooldown " + s.timing.cooldownS() + " s after the last " + ev.kind() + " cleared";
            case RATE_CAP -> s.timing.maxPerHour() + " " + ev.kind() + " alerts in the last hour";
            case IN_CAB_CAP -> inCab.raiseTimesNanos.length + " in-cab alerts of all kinds in the last hour";
            case SPEED_GATE, LOW_CONFIDENCE -> gateDetail(ev);
        };
    }

    private static String gateDetail(RuleEvaluation ev) {
        StringBuilder b = new StringBuilder("failed gates:");
        for (int i = 0; i < ev.factorCount(); i++) {
            if (!ev.factorTriggered(i) && ev.factor(i).role() == FactorRole.GATE) {
                b.append(' ').append(ev.factorName(i)).append('=').append(String.format(java.util.Locale.ROOT,
                        "%.3f", ev.factorValue(i))).append(" vs ").append(ev.factorThreshold(i));
            }
        }
        return b.toString();
    }

    private void raise(KindState s, RuleEvaluation ev, String trackKey, String assessmentId, long nowNanos) {
        String alertId = idPrefix + "/alert/" + (++alertCounter);
        s.active = true;
        s.alertId = alertId;
        s.trackKey = trackKey;
        s.raisedAtNanos = nowNanos;
        s.lastSustainedNanos = nowNanos;
        s.lastAssessmentId = assessmentId;
        s.raises.recordRaise(nowNanos);
        inCab.recordRaise(nowNanos);
        s.lastSuppression.remove(trackKey);
        sink.emit(alertId, nowNanos, new AlertRaised(alertId, ev.kind().name(), ev.level(), trackKey, s.policyVersion,
                nowNanos, List.of(assessmentId)));
        long durationNanos = seconds(s.timing.minOnS());
        for (String actuator : s.timing.actuators()) {
            sink.emit(alertId + "/act/" + actuator, nowNanos, new ActuationCommanded(alertId, actuator,
                    s.timing.pattern(), durationNanos, nowNanos, List.of(alertId)));
        }
    }

    /** Clears alerts whose hold has run out; call once per input time step after all offers. */
    public void tick(long nowNanos) {
        for (KindState s : states.values()) {
            if (!s.active) {
                continue;
            }
            boolean released = nowNanos - s.lastSustainedNanos >= seconds(s.timing.clearHoldS());
            boolean longEnough = nowNanos - s.raisedAtNanos >= seconds(s.timing.minOnS());
            if (released && longEnough) {
                s.active = false;
                s.lastClearedNanos = nowNanos;
                sink.emit(s.alertId + "/clr", nowNanos, new AlertCleared(s.alertId, "CONDITION_ENDED", nowNanos,
                        nowNanos - s.raisedAtNanos, List.of(s.alertId, s.lastAssessmentId)));
            }
        }
    }

    /** Forgets an object that no longer exists (its suppression edge state). */
    public void forget(String trackKey) {
        for (KindState s : states.values()) {
            s.lastSuppression.remove(trackKey);
        }
    }

    private static long seconds(double s) {
        return Math.round(s * 1e9);
    }
}
