package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A stage of the edge pipeline got slower (issue 16 §3): the CUSUM of the per-session p95 of
 * {@code stage}, for one fleet, model and software version, passed its threshold (ADR-0023).
 * Emitted in the cloud by the latency monitor into the model's {@code LatencyMonitorLog}.
 *
 * @param findingId            deterministic: the key and the session that tripped it; stored once
 * @param configVersion        the detector configuration (LatencyDetectorConfig) it was found under
 * @param referenceSessions    sessions in the reference
 * @param referenceP95Micros   median of the reference sessions' p95s
 * @param referenceScaleMicros the reference's robust spread (1.4826 × MAD, floored): the unit of the statistic
 * @param currentP95Micros     median p95 of the sessions that tripped it
 * @param statistic            the CUSUM when it alarmed, in reference spreads
 * @param thresholdSigmas      the alarm threshold (λ), in reference spreads
 * @param allowanceSigmas      the allowance (δ) subtracted per session, in reference spreads
 * @param marginSigmas         statistic − threshold
 * @param sessionIds           the sessions since the statistic last stood at 0, oldest first; the last one tripped it
 * @param sessionP95Micros     their p95s, in the same order
 * @param detectedAtNanos      the tripping session's DriveSessionEnded time (edge clock, epoch ns)
 * @param causes               the EdgeWindowSummarized events of those sessions
 */
@Revision("1")
public record LatencyRegressionDetected(
        String findingId,
        String fleetId,
        String modelSha256,
        String softwareVersion,
        String stage,
        String configVersion,
        int referenceSessions,
        long referenceP95Micros,
        long referenceScaleMicros,
        long currentP95Micros,
        double statistic,
        double thresholdSigmas,
        double allowanceSigmas,
        double marginSigmas,
        List<String> sessionIds,
        List<Long> sessionP95Micros,
        long detectedAtNanos,
        List<String> causes) implements DerivedEvent {

    public LatencyRegressionDetected {
        sessionIds = List.copyOf(sessionIds);
        sessionP95Micros = List.copyOf(sessionP95Micros);
        causes = List.copyOf(causes);
    }
}
