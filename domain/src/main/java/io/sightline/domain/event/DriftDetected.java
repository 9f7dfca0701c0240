package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A feature of the edge's perception drifted: its current window of sessions differs from the
 * reference window by more than chance moving whole sessions around explains, and by the
 * Evidently-compatible rule over the pooled values too. Emitted by the cloud's drift monitor into
 * the scope's drift log ({@code drift/<scope>/<scopeKey>}); {@link DriftCleared} ends it.
 *
 * @param findingId            names the finding until it clears
 * @param scope                {@code MODEL} (one model sha256, every vehicle of the fleet), {@code VEHICLE} or {@code FLEET}
 * @param scopeKey             {@code fleet/modelSha256}, {@code fleet/vehicle} or {@code fleet}
 * @param fleetId              the fleet whose sessions were compared (a model scope is per fleet too: fleets never see each other)
 * @param modelSha256          the model in the current window (the scope's model for {@code MODEL})
 * @param measurement          the feature, statistic, threshold and p-values
 * @param referenceSessionIds  the reference window, oldest first
 * @param currentSessionIds    the current window, oldest first
 * @param referenceFromNanos   start of the reference window's first session
 * @param referenceToNanos     end of its last
 * @param currentFromNanos     start of the current window's first session
 * @param currentToNanos       end of its last: the time of the finding
 * @param driftPolicyVersion   the versioned configuration the monitor ran with
 * @param detectedAtNanos      when the monitor decided, the end of the current window's last session
 * @param causes               the {@link EdgeWindowSummarized} events of both windows
 */
@Revision("1")
public record DriftDetected(
        String findingId,
        String scope,
        String scopeKey,
        String fleetId,
        String modelSha256,
        DriftMeasurement measurement,
        List<String> referenceSessionIds,
        List<String> currentSessionIds,
        long referenceFromNanos,
        long referenceToNanos,
        long currentFromNanos,
        long currentToNanos,
        String driftPolicyVersion,
        long detectedAtNanos,
        List<String> causes) implements DerivedEvent {

    public DriftDetected {
        referenceSessionIds = List.copyOf(referenceSessionIds);
        currentSessionIds = List.copyOf(currentSessionIds);
        causes = List.copyOf(causes);
    }
}
