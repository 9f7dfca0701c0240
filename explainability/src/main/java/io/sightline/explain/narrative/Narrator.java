package io.sightline.explain.narrative;

import static io.sightline.explain.Fmt.num;
import static io.sightline.explain.Fmt.sign;

import io.sightline.domain.event.ActuationCommanded;
import io.sightline.domain.event.AlertCleared;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.AlertReviewed;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.domain.event.TrackStarted;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.explain.Fmt;
import io.sightline.explain.margins.Counterfactual;
import io.sightline.explain.margins.Counterfactuals;
import io.sightline.explain.margins.FactorNames;
import io.sightline.explain.margins.KinematicBound;
import io.sightline.explain.trace.CausalTrace;
import io.sightline.explain.trace.TraceNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Tells the story of an alert from its causal trace, using only what the trace recorded: the
 * deciding assessment's kinematics and factors, the policy version, the models that produced the
 * detections, and what happened afterwards.
 */
public final class Narrator {

    private Narrator() {
    }

    public static Narrative narrate(CausalTrace trace) {
        AlertRaised alert = trace.alert();
        Optional<DriveSessionStarted> start = trace.sessionStarted();
        Optional<TraceNode> decidingNode = trace.decidingAssessment();
        StringBuilder h = new StringBuilder(kindLabel(alert.kind(), alert.level()));
        start.ifPresent(s -> h.append(" at ").append(num((alert.raisedAtNanos() - s.startTimeNanos()) / 1e9)).append(" s"));
        List<String> details = new ArrayList<>();
        if (decidingNode.isEmpty()) {
            h.append(" on ").append(alert.trackId()).append(" (policy ").append(alert.policyVersion())
                    .append("); the assessment that raised it is not in the store.");
            return new Narrative(h.toString(), details);
        }
        RiskAssessed r = (RiskAssessed) decidingNode.get().payload();
        h.append(": ").append(objectClass(trace, r)).append(" track ").append(r.trackId()).append(" at ").append(num(r.rangeM()))
                .append(" m closing at ").append(num(r.closingSpeedMps())).append(" m/s");
        List<String> clauses = new ArrayList<>();
        boolean hazardSaid = false;
        for (RiskFactor f : r.factors()) {
            if (FactorNames.informational(f.name())) {
                continue;
            }
            String label = FactorNames.label(f.name());
            if (!hazardSaid && !FactorNames.isGate(f.name()) && !FactorNames.isPath(f.name())) {
                h.append(", ").append(label).append(' ').append(num(f.value())).append(' ').append(f.unit()).append(" against the ")
                        .append(num(f.threshold())).append(' ').append(f.unit()).append(" threshold (policy ").append(r.policyVersion())
                        .append(')');
                hazardSaid = true;
            } else {
                clauses.add(label + " " + num(f.value()) + " " + f.unit() + " " + sign(f.triggered() ? f.comparison()
                        : Fmt.negate(f.comparison())) + " " + num(f.threshold()) + " " + f.unit() + (FactorNames.isGate(f.name()) ? " gate" : ""));
            }
        }
        if (!hazardSaid) {
            h.append(" (policy ").append(r.policyVersion()).append(')');
        }
        for (String c : clauses) {
            h.append("; ").append(c);
        }
        Set<String> models = new LinkedHashSet<>();
        for (DetectionObserved d : trace.detections()) {
            models.add(d.modelName() + " " + d.modelVersion() + " (sha256 " + Fmt.shortSha(d.modelSha256()) + ")");
        }
        if (!models.isEmpty()) {
            h.append("; detections by ").append(String.join(", ", models));
        }
        h.append('.');

        frameOf(trace, r).ifPresent(f -> details.add("Decided on frame " + f.frameIndex() + " of " + f.sourceId() + " ("
                + Fmt.frameTime(f.captureTimeNanos()) + ") from " + trace.nodesOfType("TrackUpdated").size()
                + " track updates and " + trace.detections().size() + " detections in the trace."));
        start.ifPresent(s -> details.add("Session " + s.sessionId() + " of vehicle " + s.vehicleId() + " (fleet " + s.fleetId()
                + "), calibration " + (s.calibration() == null ? "none" : s.calibration().calibrationId()
                + (s.calibration().assumed() ? " (assumed)" : "")) + "."));
        Counterfactual cf = Counterfactuals.of(r);
        for (KinematicBound k : cf.kinematics()) {
            if (k.quantity().equals("closingSpeedMps")) {
                details.add(capitalise(k.statement().replaceFirst(" \\(recorded.*", "")) + ".");
            }
        }
        consequences(trace, details);
        return new Narrative(h.toString(), details);
    }

    private static void consequences(CausalTrace trace, List<String> details) {
        for (TraceNode n : trace.nodes().values()) {
            if (n.role() != TraceNode.Role.CONSEQUENCE) {
                continue;
            }
            if (n.payload() instanceof ActuationCommanded a) {
                details.add("Actuated " + a.actuator() + " (" + a.pattern() + ", " + Fmt.seconds(a.durationNanos()) + " s).");
            } else if (n.payload() instanceof AlertCleared c) {
                details.add("Cleared after " + Fmt.seconds(c.activeForNanos()) + " s (" + c.reason() + ").");
            } else if (n.payload() instanceof AlertReviewed v) {
                details.add("Reviewed " + v.verdict() + " by " + v.reviewer() + ".");
            }
        }
    }

    private static String objectClass(CausalTrace trace, RiskAssessed r) {
        for (String cause : r.causes()) {
            TraceNode n = trace.nodes().get(cause);
            if (n != null && n.payload() instanceof TrackUpdated t) {
                return t.className();
            }
            if (n != null && n.payload() instanceof TrackStarted t) {
                return t.className();
            }
        }
        return "object";
    }

    private static Optional<FrameCaptured> frameOf(CausalTrace trace, RiskAssessed r) {
        return trace.payloads(FrameCaptured.class).stream().filter(f -> f.frameId().equals(r.frameId())).findFirst();
    }

    static String kindLabel(String kind, String level) {
        // from the kind's own name, so an application's new kind reads as well as the built-in ones
        String k = capitalise(kind.toLowerCase(Locale.ROOT).replace('_', ' '));
        return k + " " + level.toLowerCase(Locale.ROOT);
    }

    private static String capitalise(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
