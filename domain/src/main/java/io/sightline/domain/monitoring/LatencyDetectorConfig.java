package io.sightline.domain.monitoring;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The latency-regression detector's parameters (ADR-0023), versioned like the risk policy's
 * thresholds: a finding names the version it was found under, and a new tuning is a new version,
 * never an edit of a published one (a replay under the old version must find the same regressions).
 *
 * <p>The statistic is a one-sided CUSUM of each session's p95 against a frozen reference, in units
 * of the reference's robust spread (z = (p95 − median) / scale, scale = 1.4826 × MAD):
 * S = max(0, S + min(z, clip) − allowance), alarm when S &gt; threshold. In Page–Hinkley's terms
 * the allowance is δ and the threshold λ, with the running mean replaced by the reference median.
 *
 * @param version                 what findings and the API cite
 * @param referenceSessions       sessions of a key that form its reference before any verdict (N)
 * @param allowanceSigmas         k (δ): the drift, in reference spreads per session, the statistic forgives
 * @param thresholdSigmas         h (λ): the alarm threshold of the statistic, in reference spreads
 * @param clipSigmas              a session adds at most {@code clip − allowance} to the statistic: with
 *                                {@code clip − allowance ≤ threshold}, one session alone (a scheduling hiccup) never alarms
 * @param minRelativeScale        floor of the scale as a fraction of the reference median: a reference quieter than this is
 *                                treated as this noisy, so rises below a few percent are not regressions
 * @param minStageFramesPerSession a session whose stage handled fewer frames gives no p95 worth a verdict and is skipped
 */
public record LatencyDetectorConfig(String version, int referenceSessions, double allowanceSigmas, double thresholdSigmas,
                                    double clipSigmas, double minRelativeScale, long minStageFramesPerSession) {

    /**
     * The stages an {@code EdgeWindowSummarized} reports latencies of (the edge's WindowSummarizer
     * order); what the monitor and its API accept as a stage.
     */
    public static final List<String> STAGES = List.of("decode", "inference", "detect", "decide", "journal", "frame-to-decision");

    /** The first published tuning; see ADR-0023 for how the numbers follow from the targets. */
    public static final LatencyDetectorConfig V1 = new LatencyDetectorConfig("latency-cusum-1", 20, 1.0, 3.0, 4.0, 0.02, 20);

    private static final Map<String, LatencyDetectorConfig> BY_VERSION = List.of(V1).stream()
            .collect(Collectors.toUnmodifiableMap(LatencyDetectorConfig::version, Function.identity()));

    public LatencyDetectorConfig {
        if (version == null || version.isBlank()) {
            throw new IllegalArgumentException("a detector configuration needs a version");
        }
        if (referenceSessions < 3) {
            throw new IllegalArgumentException("a reference needs at least 3 sessions for a spread, got " + referenceSessions);
        }
        if (!(allowanceSigmas >= 0) || !(thresholdSigmas > 0) || !(clipSigmas > allowanceSigmas) || Double.isInfinite(clipSigmas)
                || Double.isInfinite(thresholdSigmas)) {
            throw new IllegalArgumentException("need 0 <= allowance < clip and threshold > 0, all finite; got allowance " + allowanceSigmas
                    + ", threshold " + thresholdSigmas + ", clip " + clipSigmas);
        }
        if (!(minRelativeScale >= 0) || Double.isInfinite(minRelativeScale)) {
            throw new IllegalArgumentException("minRelativeScale must be a finite fraction >= 0, got " + minRelativeScale);
        }
        if (minStageFramesPerSession < 1) {
            throw new IllegalArgumentException("minStageFramesPerSession must be >= 1, got " + minStageFramesPerSession);
        }
    }

    /** The configuration that runs now. */
    public static LatencyDetectorConfig current() {
        return V1;
    }

    public static Optional<LatencyDetectorConfig> byVersion(String version) {
        return Optional.ofNullable(BY_VERSION.get(version));
    }

    /** Sessions a rise of {@code zSigmas} spreads (above the allowance) needs to alarm; 0 when it never does. */
    public int sessionsToAlarm(double zSigmas) {
        double perSession = Math.min(zSigmas, clipSigmas) - allowanceSigmas;
        return perSession <= 0 ? 0 : (int) Math.floor(thresholdSigmas / perSession) + 1;
    }
}
