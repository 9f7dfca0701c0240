package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * What the edge saw and how fast it ran over one window of a session (a minute of frames by
 * default): uncensored latency percentiles per stage, the pictures' statistics, and the detector's
 * output distributions. Monitoring compares windows (drift, latency regressions, camera health)
 * without uploading every frame's events. Emitted by the journal stage when a window closes, and
 * for the last partial window before {@code DriveSessionEnded}.
 *
 * @param windowIndex              0, 1, 2, ... within the session
 * @param firstFrameIndex          source index of the window's first journaled frame
 * @param lastFrameIndex           source index of its last
 * @param windowStartNanos         session-clock time of the first frame
 * @param windowEndNanos           session-clock time of the last frame
 * @param frames                   frames journaled in the window
 * @param framesWithoutDetections  frames on which the detector found nothing
 * @param framesOnFallback         frames detected by the fallback model instead of {@code modelSha256}'s
 * @param modelSha256              the session's primary model, activated before this event
 * @param stageLatencies           per stage, the latencies of the window's frames (all of them, not only late ones)
 * @param image                    the pictures' statistics, averaged over the frames measured
 * @param detectionsPerFrame       detections / frames
 * @param classScores              per class, how many detections and their scores in ten bins of 0.1
 * @param boxAreaFractionBinCounts detections by box area as a fraction of the frame, in the bins of
 *                                 {@link #BOX_AREA_FRACTION_EDGES} (one more bin than edges)
 * @param causes                   the primary model's ModelActivated: the window describes that model's perception
 */
@Revision("1")
public record EdgeWindowSummarized(
        String sessionId,
        int windowIndex,
        long firstFrameIndex,
        long lastFrameIndex,
        long windowStartNanos,
        long windowEndNanos,
        long frames,
        long framesWithoutDetections,
        long framesOnFallback,
        String modelSha256,
        List<StageLatency> stageLatencies,
        ImageStatistics image,
        double detectionsPerFrame,
        List<ClassScores> classScores,
        List<Long> boxAreaFractionBinCounts,
        List<String> causes) implements DerivedEvent {

    /** Bin edges of box area / frame area: below 0.1 %, 0.1–0.3 %, ..., 30 % and above. Never change: add a field instead. */
    public static final List<Double> BOX_AREA_FRACTION_EDGES = List.of(0.001, 0.003, 0.01, 0.03, 0.1, 0.3);
    /** Score bins: [0, 0.1), [0.1, 0.2), ..., [0.9, 1.0]. */
    public static final int SCORE_BINS = 10;

    public EdgeWindowSummarized {
        stageLatencies = List.copyOf(stageLatencies);
        classScores = List.copyOf(classScores);
        boxAreaFractionBinCounts = List.copyOf(boxAreaFractionBinCounts);
        causes = List.copyOf(causes);
    }

    /**
     * One stage's latency over the window, from an HdrHistogram (3 significant digits).
     *
     * @param count frames the stage handled in the window
     */
    public record StageLatency(String stage, long count, long p50Micros, long p95Micros, long p99Micros, long maxMicros) {
    }

    /**
     * Means over the window's measured frames of each frame's statistics, computed on its
     * grey-scale picture at quarter resolution. Luma is in 8-bit code values (0–255).
     *
     * @param framesMeasured      frames the statistics cover
     * @param meanLuma            brightness; a covered or night-blind camera is dark
     * @param lumaStdDev          spread of brightness within a frame
     * @param rmsContrast         the same spread on the 0–1 scale (RMS contrast); fog and glare lower it
     * @param laplacianVariance   sharpness, the variance of the Laplacian; blur and dirt lower it
     */
    public record ImageStatistics(long framesMeasured, double meanLuma, double lumaStdDev, double rmsContrast, double laplacianVariance) {
    }

    /** @param scoreBinCounts {@link #SCORE_BINS} counts of detections by score */
    public record ClassScores(String className, long detections, List<Long> scoreBinCounts) {
        public ClassScores {
            scoreBinCounts = List.copyOf(scoreBinCounts);
        }
    }
}
