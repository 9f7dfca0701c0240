package io.sightline.explain.trace;

import static io.sightline.explain.Fmt.num;

import io.sightline.domain.event.ActuationCommanded;
import io.sightline.domain.event.AlertCleared;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.AlertReviewed;
import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.TrackStarted;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.domain.event.EventCatalog;
import io.sightline.explain.Fmt;

/** One-line payload summaries for trace nodes, with units. */
public final class EventSummaries {

    private EventSummaries() {
    }

    public static String summarize(SightlineEvent p) {
        if (p instanceof AlertRaised a) {
            return a.kind() + " " + a.level() + " on " + a.trackId() + " (policy " + a.policyVersion() + ")";
        } else if (p instanceof RiskAssessed r) {
            return r.ruleName() + " " + r.level() + " on " + r.trackId() + ": range " + num(r.rangeM()) + " m, closing "
                    + num(r.closingSpeedMps()) + " m/s, rel. accel " + num(r.relativeAccelMps2()) + " m/s², TTC " + num(r.ttcS())
                    + " s, ego " + num(r.egoSpeedMps()) + " m/s";
        } else if (p instanceof TrackUpdated t) {
            return t.className() + " " + t.trackId() + " " + t.state() + " in " + t.frameId() + ", box " + box(t.boxPx())
                    + ", hits " + t.hits() + ", age " + t.ageFrames() + " frames";
        } else if (p instanceof TrackStarted t) {
            return t.className() + " " + t.trackId() + " started in " + t.frameId() + ", box " + box(t.boxPx());
        } else if (p instanceof DetectionObserved d) {
            return d.className() + " " + num(d.score()) + " in " + d.frameId() + ", box " + box(d.boxPx()) + " by " + d.modelName()
                    + " " + d.modelVersion();
        } else if (p instanceof FrameCaptured f) {
            String at = f.captureTimeNanos() >= Fmt.WALL_CLOCK_FROM_NANOS ? Fmt.frameTime(f.captureTimeNanos()) + " from "
                    : "at " + Fmt.seconds(f.captureTimeNanos()) + " s of ";
            return "frame " + f.frameIndex() + " (" + f.frameId() + ") " + at + f.sourceId() + ", " + f.widthPx() + "×" + f.heightPx() + " px";
        } else if (p instanceof VehicleStateSampled v) {
            return "ego " + num(v.egoSpeedMps()) + " m/s from " + v.source();
        } else if (p instanceof ModelActivated m) {
            return m.modelName() + " " + m.modelVersion() + " (" + m.role() + ", sha256 " + Fmt.shortSha(m.modelSha256()) + ")";
        } else if (p instanceof DriveSessionStarted s) {
            return "session " + s.sessionId() + " of " + s.vehicleId() + " in " + s.fleetId() + ", policy " + s.policyVersion()
                    + ", calibration " + (s.calibration() == null ? "none" : s.calibration().calibrationId());
        } else if (p instanceof ActuationCommanded a) {
            return a.actuator() + " " + a.pattern() + " for " + Fmt.seconds(a.durationNanos()) + " s";
        } else if (p instanceof AlertCleared c) {
            return "cleared (" + c.reason() + ") after " + Fmt.seconds(c.activeForNanos()) + " s";
        } else if (p instanceof io.sightline.domain.event.CameraObstructed c) {
            return "camera " + c.condition() + " since frame " + c.sinceFrameIndex() + ": " + c.statistic() + " " + num(statisticOf(c))
                    + " below " + num(c.thresholdValue()) + " (margin " + num(c.margin()) + ", policy " + c.policyVersion() + ")";
        } else if (p instanceof io.sightline.domain.event.CameraRestored c) {
            return "camera restored at frame " + c.restoredAtFrameIndex() + " after " + Fmt.seconds(c.obstructedForNanos()) + " s";
        } else if (p instanceof io.sightline.domain.event.LatencyRegressionDetected l) {
            return latency(l);
        } else if (p instanceof io.sightline.domain.event.EdgeWindowSummarized w) {
            return "window " + w.windowIndex() + " of " + w.sessionId() + ": " + w.frames() + " frames, frames " + w.firstFrameIndex() + "–"
                    + w.lastFrameIndex() + w.stageLatencies().stream().filter(l -> l.stage().equals("detect"))
                    .map(l -> ", detect p95 " + num(l.p95Micros() / 1000.0) + " ms").findFirst().orElse("");
        } else if (p instanceof AlertReviewed r) {
            return r.verdict() + " by " + r.reviewer() + (r.note() == null || r.note().isBlank() ? "" : ": " + r.note());
        }
        return EventCatalog.nameOf(p);
    }

    /** E.g. "detect p95 11.04 ms over 2 sessions vs 10 ms reference (+10.4 %, CUSUM 6 > 3 spreads of 0.2 ms) for model 31cb14c0 on 0.2.0". */
    private static String latency(io.sightline.domain.event.LatencyRegressionDetected l) {
        double rise = l.referenceP95Micros() > 0 ? 100.0 * (l.currentP95Micros() - l.referenceP95Micros()) / l.referenceP95Micros() : 0;
        return l.stage() + " p95 " + num(l.currentP95Micros() / 1000.0) + " ms over " + l.sessionIds().size() + " sessions vs "
                + num(l.referenceP95Micros() / 1000.0) + " ms reference (" + (rise >= 0 ? "+" : "") + num(rise) + " %, CUSUM "
                + num(l.statistic()) + " > " + num(l.thresholdSigmas()) + " spreads of " + num(l.referenceScaleMicros() / 1000.0)
                + " ms) for model " + Fmt.shortSha(l.modelSha256()) + " on " + l.softwareVersion() + " in " + l.fleetId()
                + " (" + l.configVersion() + ")";
    }

    private static double statisticOf(io.sightline.domain.event.CameraObstructed c) {
        return switch (c.statistic()) {
            case "meanLuma" -> c.meanLuma();
            case "lumaStdDev" -> c.lumaStdDev();
            default -> c.laplacianVariance();
        };
    }

    private static String box(BoxPx b) {
        return "(" + num(b.x1()) + "," + num(b.y1()) + ")-(" + num(b.x2()) + "," + num(b.y2()) + ") px";
    }
}
