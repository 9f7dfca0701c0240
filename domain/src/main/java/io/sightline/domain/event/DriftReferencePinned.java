package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * An administrator pinned a drift scope's reference window to chosen sessions, instead of the
 * scope's first sessions: a known-good week, or the champion's sessions when a challenger takes
 * over. Later comparisons of the scope use it, and its findings name it through their windows.
 *
 * @param sessionIds  the reference sessions, each already ended and stored by the drift monitor
 * @param note        why, in the administrator's words
 */
@Revision("1")
public record DriftReferencePinned(
        String scope,
        String scopeKey,
        String fleetId,
        List<String> sessionIds,
        String pinnedBy,
        String note,
        long pinnedAtNanos) implements SightlineEvent {

    public DriftReferencePinned {
        sessionIds = List.copyOf(sessionIds);
    }
}
