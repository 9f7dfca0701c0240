package io.sightline.cloud.stream;

import io.sightline.domain.event.DriveSessionStarted;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.stereotype.Component;

/**
 * Fleet and vehicle of each session, from its DriveSessionStarted (sequence 0), cached. Read from
 * the event store, not a projection, so a stream never waits for projection catch-up.
 */
@Component
public class SessionDirectory {

    public record SessionInfo(String fleetId, String vehicleId) {
    }

    private static final SessionInfo UNKNOWN = new SessionInfo("", "");
    private final EventStore eventStore;
    private final Map<String, SessionInfo> cache = new ConcurrentHashMap<>();

    public SessionDirectory(EventStore eventStore) {
        this.eventStore = eventStore;
    }

    public SessionInfo lookup(String sessionId) {
        // Reviews and missed-event reports live in the session's review log (aggregate id
        // "<sessionId>/reviews", see SessionReviewLog), which has no DriveSessionStarted of its own:
        // it belongs to the fleet and vehicle of its session, so its events reach that fleet's streams.
        // So does a cloud-side application's log ("<sessionId>/apps/<application>", ADR-0029).
        sessionId = io.sightline.domain.session.SessionAggregates.driveSessionOf(sessionId);
        SessionInfo known = cache.get(sessionId);
        if (known != null) {
            return known;
        }
        SessionInfo info = load(sessionId);
        if (info != UNKNOWN) {
            cache.put(sessionId, info);
        }
        return info;
    }

    /** Learns a session from its first event as it streams past, saving the lookup. */
    public void learn(DriveSessionStarted started) {
        cache.putIfAbsent(started.sessionId(), new SessionInfo(started.fleetId(), started.vehicleId()));
    }

    private SessionInfo load(String sessionId) {
        try (var stream = eventStore.readEvents(sessionId, 0).asStream()) {
            return stream.findFirst()
                    .map(DomainEventMessage::getPayload)
                    .filter(DriveSessionStarted.class::isInstance)
                    .map(p -> new SessionInfo(((DriveSessionStarted) p).fleetId(), ((DriveSessionStarted) p).vehicleId()))
                    .orElse(UNKNOWN);
        }
    }
}
