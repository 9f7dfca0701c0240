package io.sightline.cloud.api;

import io.sightline.cloud.security.FleetScope;
import io.sightline.cloud.stream.SessionDirectory;
import io.sightline.domain.event.EventCatalog;
import io.sightline.domain.event.EventMetadataKeys;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.review.ReportMissedEvent;
import io.sightline.domain.review.SessionReviewLog;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A drive session's stored events, and false-negative reports on it, within the caller's fleet.
 * The fleet comes from the session's DriveSessionStarted in the event store, not a projection, so a
 * session is visible as soon as it is stored.
 */
@RestController
@RequestMapping("/api/v1/sessions")
@Tag(name = "Sessions", description = "Session events and missed-event reports (role investigator, fleet from the token)")
@SecurityRequirement(name = "bearer")
public class SessionsController {

    static final String EVENTS = "events";
    static final String MISSED_EVENTS = "missed-events";
    static final String WINDOWS = "windows";
    static final String COVERAGE = "coverage";
    public static final int MAX_PAGE_SIZE = 1_000;

    private final SessionDirectory sessions;
    private final EventStore eventStore;
    private final CommandGateway commands;
    private final Clock clock = Clock.systemUTC();

    private final io.sightline.cloud.uplink.WindowRequests windows;

    public SessionsController(SessionDirectory sessions, EventStore eventStore, CommandGateway commands,
                              io.sightline.cloud.uplink.WindowRequests windows) {
        this.windows = windows;
        this.sessions = sessions;
        this.eventStore = eventStore;
        this.commands = commands;
    }

    /**
     * @param occurredAtNanos edge wall-clock time, epoch ns (metadata of the stored event)
     * @param payload         the event as stored, decoded and upcast
     */
    public record SessionEventView(long sequence, String eventId, String type, Long occurredAtNanos, Object payload) {
    }

    /** @param nextCursor the sequence to continue from; null when the stored session has no more events */
    public record EventPage(String sessionId, List<SessionEventView> items, String nextCursor) {
    }

    @Operation(summary = "A session's events in sequence order, or its window requests",
            description = "Path {sessionId}/events: paged, cursor is the next sequence number (the previous page's nextCursor); the"
                    + " sequence is the store's, and after a tier gap (ADR-0027) the edge's is in the event's metadata. Path"
                    + " {sessionId}/windows: the windows asked for on demand and the vehicle's answers (UPLOADED, GONE, FAILED,"
                    + " REQUESTED while unanswered, NOT_DELIVERED without a broker). Path {sessionId}/coverage: the edge-sequence"
                    + " ranges the vehicle declared it did not upload (TierGapDeclared) and the windows asked for since; none for a"
                    + " session uploaded in full. 404 unknown session, 403 another fleet's.")
    @GetMapping("/{*path}")
    public Object events(Authentication authentication,
            @Parameter(description = "{sessionId}/events, {sessionId}/windows or {sessionId}/coverage") @PathVariable("path") String path,
            @Parameter(description = "next sequence, from a previous page") @RequestParam(name = "cursor", required = false) String cursor,
            @Parameter(description = "page size, 1..1000") @RequestParam(name = "limit", defaultValue = "100") int limit) {
        FleetScope fleet = FleetScope.of(authentication);
        SubresourcePath target = SubresourcePath.parse(path, EVENTS, WINDOWS, COVERAGE).orElseThrow(() -> notFound(path));
        if (WINDOWS.equals(target.subresource())) {
            return windows.list(target.id(), fleet);
        }
        if (COVERAGE.equals(target.subresource())) {
            return windows.coverage(target.id(), fleet);
        }
        if (limit < 1 || limit > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("limit must be 1.." + MAX_PAGE_SIZE + ", got " + limit);
        }
        long fromSequence = parseCursor(cursor);
        String sessionId = visibleSession(target.id(), fleet);
        List<SessionEventView> items;
        // readEvents(id, sequence) reads from that sequence on (no snapshot), in batches, lazily: only limit + 1 rows are decoded.
        try (var stream = eventStore.readEvents(sessionId, fromSequence).asStream()) {
            items = stream.limit(limit + 1L).map(SessionsController::view).toList();
        }
        if (items.size() <= limit) {
            return new EventPage(sessionId, items, null);
        }
        return new EventPage(sessionId, items.subList(0, limit), Long.toString(items.get(limit).sequence()));
    }

    private static SessionEventView view(DomainEventMessage<?> m) {
        Object occurredAt = m.getMetaData().get(EventMetadataKeys.OCCURRED_AT_NANOS);
        Object eventId = m.getMetaData().getOrDefault(EventMetadataKeys.EVENT_ID, m.getIdentifier());
        String type = m.getPayload() instanceof SightlineEvent e ? EventCatalog.nameOf(e) : m.getPayloadType().getSimpleName();
        return new SessionEventView(m.getSequenceNumber(), String.valueOf(eventId), type,
                occurredAt instanceof Number n ? n.longValue() : null, m.getPayload());
    }

    private static long parseCursor(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return 0;
        }
        try {
            long sequence = Long.parseLong(cursor);
            if (sequence >= 0) {
                return sequence;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new IllegalArgumentException("cursor is malformed; pass the nextCursor of a previous page unchanged");
    }

    /** @param occurredAtNanos when the hazard happened, edge epoch ns (the session's clock) */
    public record MissedEventRequest(String kind, Long occurredAtNanos, String note) {
    }

    /** @param eventId id of the stored MissedEventReported event, also its reportId */
    public record MissedEventAccepted(String eventId, String sessionId, String kind, long occurredAtNanos, String reporter,
                                      long reportedAtNanos) {
    }

    /** @param fromNanos start of the window, edge epoch ns (the session's clock); toNanos its end, both included */
    public record WindowRequestBody(Long fromNanos, Long toNanos) {
    }

    @Operation(summary = "Report a missed event (false negative), or ask the vehicle for a window of the session",
            description = "Path {sessionId}/missed-events: stores a MissedEventReported event; reporter = token subject. Path"
                    + " {sessionId}/windows with {fromNanos, toNanos}: asks the vehicle over MQTT to upload that window of its journal"
                    + " (ADR-0027); 202 with the request, whose status the vehicle's answer sets (UPLOADED, or GONE when retention"
                    + " already deleted it). 404 unknown session, 403 another fleet's.")
    @PostMapping("/{*path}")
    public ResponseEntity<?> reportMissed(Authentication authentication,
            @Parameter(description = "{sessionId}/missed-events or {sessionId}/windows") @PathVariable("path") String path,
            @RequestBody java.util.Map<String, Object> raw) {
        FleetScope fleet = FleetScope.of(authentication);
        SubresourcePath target = SubresourcePath.parse(path, MISSED_EVENTS, WINDOWS).orElseThrow(() -> notFound(path));
        if (WINDOWS.equals(target.subresource())) {
            Long from = asLong(raw, "fromNanos");
            Long to = asLong(raw, "toNanos");
            if (from == null || to == null) {
                throw new IllegalArgumentException("fromNanos and toNanos are required: the window's edge times, epoch nanoseconds");
            }
            return ResponseEntity.status(HttpStatus.ACCEPTED).body(windows.request(target.id(), fleet, from, to, authentication.getName()));
        }
        if (raw != null && raw.get("kind") != null && !(raw.get("kind") instanceof String)) {
            throw new IllegalArgumentException("kind must be a string, e.g. FORWARD_COLLISION");
        }
        MissedEventRequest body = new MissedEventRequest(raw == null ? null : (String) raw.get("kind"), asLong(raw, "occurredAtNanos"),
                raw == null || raw.get("note") == null ? null : String.valueOf(raw.get("note")));
        if (body == null || body.kind() == null || body.kind().isBlank()) {
            throw new IllegalArgumentException("kind is required, e.g. FORWARD_COLLISION");
        }
        if (body.occurredAtNanos() == null || body.occurredAtNanos() <= 0) {
            throw new IllegalArgumentException("occurredAtNanos is required: when the hazard happened, epoch nanoseconds");
        }
        String sessionId = visibleSession(target.id(), fleet);
        String eventId = UUID.randomUUID().toString();
        long nowNanos = AlertsController.epochNanos(clock.instant());
        commands.sendAndWait(new ReportMissedEvent(SessionReviewLog.idFor(sessionId), eventId, sessionId, body.kind(),
                body.occurredAtNanos(), authentication.getName(), body.note(), nowNanos));
        return ResponseEntity.status(HttpStatus.CREATED).body(new MissedEventAccepted(eventId, sessionId, body.kind(),
                body.occurredAtNanos(), authentication.getName(), nowNanos));
    }

    private static Long asLong(java.util.Map<String, Object> raw, String key) {
        Object v = raw == null ? null : raw.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n && !(v instanceof Double) && !(v instanceof Float)) {
            return n.longValue();
        }
        throw new IllegalArgumentException(key + " must be an integer, got " + v);
    }

    /** The session id if it names a drive session of the caller's fleet; a review or application log is not a session. */
    private String visibleSession(String sessionId, FleetScope fleet) {
        if (io.sightline.domain.session.SessionAggregates.logOf(sessionId).isPresent() || !fleet.allows(sessions.lookup(sessionId).fleetId())) {
            throw new ResourceNotFoundException("no session '" + sessionId + "' in your fleet");
        }
        return sessionId;
    }

    private static ResourceNotFoundException notFound(String path) {
        return new ResourceNotFoundException("no such resource under /api/v1/sessions: '" + path + "'");
    }
}
