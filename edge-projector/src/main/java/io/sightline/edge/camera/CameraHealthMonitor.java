package io.sightline.edge.camera;

import io.sightline.domain.event.CameraObstructed;
import io.sightline.domain.event.CameraRestored;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.SightlineEvent;
import java.util.List;

/**
 * Turns each frame's picture statistics into camera-health episodes: a condition (covered, dark,
 * blurred) that holds for the policy's confirmation time is a {@link CameraObstructed}; its absence
 * for the restore time a {@link CameraRestored}. One instance per session, fed frames in order on
 * one thread; it allocates only when it emits.
 */
public final class CameraHealthMonitor {

    /**
     * What a frame shows, in the order the conditions are tested: a dark picture is also flat and
     * unsharp, and a flat one unsharp, so each is reported as the most telling of them. A black
     * lens cap reads DARK; mud, a hand or a white-out reads COVERED.
     */
    public enum Condition {
        DARK("meanLuma"), COVERED("lumaStdDev"), BLURRED("laplacianVariance");

        final String statistic;

        Condition(String statistic) {
            this.statistic = statistic;
        }
    }

    /** Where the monitor hands what it decides: the frame's events, in order. */
    @FunctionalInterface
    public interface Sink {
        void emit(String eventId, long occurredAtNanos, SightlineEvent event);
    }

    private final String sessionId;
    private final CameraHealthPolicy policy;
    private final long confirmNanos;
    private final long restoreNanos;

    private Condition suspect;
    private long suspectSinceNanos;
    private long suspectSinceFrame;
    private long n;
    private double sumLuma;
    private double sumStdDev;
    private double sumLaplacian;

    private String obstructionEventId;
    private String obstructionId;
    private long obstructedAtNanos;
    private int episodes;
    private long healthySinceNanos = Long.MIN_VALUE;
    private long healthyFrames;
    private double healthyLuma;
    private double healthyStdDev;
    private double healthyLaplacian;

    public CameraHealthMonitor(String sessionId, CameraHealthPolicy policy) {
        this.sessionId = sessionId;
        this.policy = policy;
        this.confirmNanos = Math.round(policy.confirmAfterS() * 1e9);
        this.restoreNanos = Math.round(policy.restoreAfterS() * 1e9);
    }

    /** The condition a frame shows, or null when the camera sees the road. */
    public Condition classify(double meanLuma, double lumaStdDev, double laplacianVariance) {
        if (meanLuma < policy.darkMeanLumaBelow()) {
            return Condition.DARK;
        }
        if (lumaStdDev < policy.coveredLumaStdDevBelow()) {
            return Condition.COVERED;
        }
        if (laplacianVariance < policy.blurredLaplacianVarianceBelow()) {
            return Condition.BLURRED;
        }
        return null;
    }

    /** The CameraObstructed in force, or null while the camera is healthy. */
    public String activeObstructionEventId() {
        return obstructionEventId;
    }

    /**
     * One frame: {@code frameEventId} its FrameCaptured, {@code frameTimeNanos} on the session clock.
     * Frames without statistics (NaN) change nothing.
     */
    public void onFrame(String frameEventId, long frameIndex, long frameTimeNanos, double meanLuma, double lumaStdDev,
                        double laplacianVariance, Sink sink) {
        if (Double.isNaN(meanLuma) || Double.isNaN(lumaStdDev) || Double.isNaN(laplacianVariance)) {
            return;
        }
        Condition c = classify(meanLuma, lumaStdDev, laplacianVariance);
        if (obstructionEventId == null) {
            whileHealthy(c, frameEventId, frameIndex, frameTimeNanos, meanLuma, lumaStdDev, laplacianVariance, sink);
        } else {
            whileObstructed(c, frameEventId, frameIndex, frameTimeNanos, meanLuma, lumaStdDev, laplacianVariance, sink);
        }
    }

    private void whileHealthy(Condition c, String frameEventId, long frameIndex, long t, double luma, double std, double lap, Sink sink) {
        if (c == null) {
            suspect = null;
            return;
        }
        if (c != suspect) {
            suspect = c;
            suspectSinceNanos = t;
            suspectSinceFrame = frameIndex;
            n = 0;
            sumLuma = 0;
            sumStdDev = 0;
            sumLaplacian = 0;
        }
        n++;
        sumLuma += luma;
        sumStdDev += std;
        sumLaplacian += lap;
        if (t - suspectSinceNanos < confirmNanos) {
            return;
        }
        double meanLuma = sumLuma / n;
        double meanStd = sumStdDev / n;
        double meanLap = sumLaplacian / n;
        double statistic = switch (c) {
            case DARK -> meanLuma;
            case COVERED -> meanStd;
            case BLURRED -> meanLap;
        };
        double threshold = switch (c) {
            case DARK -> policy.darkMeanLumaBelow();
            case COVERED -> policy.coveredLumaStdDevBelow();
            case BLURRED -> policy.blurredLaplacianVarianceBelow();
        };
        obstructionId = sessionId + "/camera/" + (++episodes);
        obstructionEventId = EventIds.of(sessionId, "CameraObstructed", episodes);
        obstructedAtNanos = t;
        healthySinceNanos = Long.MIN_VALUE;
        sink.emit(obstructionEventId, t, new CameraObstructed(obstructionId, c.name(), frameEventId, suspectSinceFrame, frameIndex, meanLuma,
                meanStd, meanLap, c.statistic, threshold, threshold - statistic, policy.confirmAfterS(), policy.version(), policy.thresholds(), t,
                List.of(frameEventId)));
        suspect = null;
    }

    private void whileObstructed(Condition c, String frameEventId, long frameIndex, long t, double luma, double std, double lap, Sink sink) {
        if (c != null) {
            healthySinceNanos = Long.MIN_VALUE;
            return;
        }
        if (healthySinceNanos == Long.MIN_VALUE) {
            healthySinceNanos = t;
            healthyFrames = 0;
            healthyLuma = 0;
            healthyStdDev = 0;
            healthyLaplacian = 0;
        }
        healthyFrames++;
        healthyLuma += luma;
        healthyStdDev += std;
        healthyLaplacian += lap;
        if (t - healthySinceNanos < restoreNanos) {
            return;
        }
        String restoredId = EventIds.of(sessionId, "CameraRestored", episodes);
        sink.emit(restoredId, t, new CameraRestored(obstructionId, frameEventId, frameIndex, t - obstructedAtNanos, healthyLuma / healthyFrames,
                healthyStdDev / healthyFrames, healthyLaplacian / healthyFrames, t, List.of(obstructionEventId, frameEventId)));
        obstructionEventId = null;
        obstructionId = null;
        healthySinceNanos = Long.MIN_VALUE;
    }
}
