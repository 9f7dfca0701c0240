package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A drifted feature is back: a later current window no longer differs from the reference by the
 * session-level test. Ends the {@link DriftDetected} it names.
 *
 * @param findingId           the finding that ends
 * @param measurement         the comparison that cleared it
 * @param currentSessionIds   the current window that no longer differs, oldest first
 * @param clearedAtNanos      the end of the current window's last session
 * @param causes              the {@link DriftDetected} it ends, then the current window's {@link EdgeWindowSummarized} events
 */
@Revision("1")
public record DriftCleared(
        String findingId,
        String scope,
        String scopeKey,
        String fleetId,
        String modelSha256,
        DriftMeasurement measurement,
        List<String> currentSessionIds,
        long currentFromNanos,
        long currentToNanos,
        String driftPolicyVersion,
        long clearedAtNanos,
        List<String> causes) implements DerivedEvent {

    public DriftCleared {
        currentSessionIds = List.copyOf(currentSessionIds);
        causes = List.copyOf(causes);
    }
}
