package io.sightline.cloud.uplink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.cloud.api.ForbiddenException;
import io.sightline.cloud.api.ResourceNotFoundException;
import io.sightline.cloud.ingest.MqttIngestionSubscriber;
import io.sightline.cloud.security.FleetScope;
import io.sightline.cloud.stream.SessionDirectory;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Windows of a session asked for on demand (ADR-0027, tier 4): recorded here, sent to the vehicle
 * over MQTT ({@code {root}/{fleet}/{vehicle}/windows/request}), and closed by the vehicle's answer
 * ({@code .../windows/answer}): UPLOADED once its events are in the store, or GONE when its journal
 * no longer holds them. A request never blocks the caller; it is pending until the vehicle answers.
 */
@Component
public class WindowRequests {

    private static final Logger LOG = LoggerFactory.getLogger(WindowRequests.class);
    /** Ten minutes: a window is for an investigation, a whole drive is not one window. */
    public static final long MAX_WINDOW_NANOS = 600_000_000_000L;

    public static final String REQUESTED = "REQUESTED";
    public static final String NOT_DELIVERED = "NOT_DELIVERED";

    /**
     * @param status REQUESTED (sent, no answer yet), UPLOADED, GONE, FAILED or NOT_DELIVERED
     */
    public record Request(String requestId, String sessionId, String fleetId, String vehicleId, long fromNanos, long toNanos,
                          String requestedBy, long requestedAtNanos, String status, Long answeredAtNanos, Long uploadedEvents,
                          Long firstSequence, Long lastSequence, String detail) {
    }

    private final JdbcTemplate jdbc;
    private final SessionDirectory sessions;
    private final ObjectProvider<MqttIngestionSubscriber> mqtt;
    private final ObjectMapper json = new ObjectMapper();
    private final Clock clock = Clock.systemUTC();

    public WindowRequests(JdbcTemplate jdbc, SessionDirectory sessions, ObjectProvider<MqttIngestionSubscriber> mqtt) {
        this.jdbc = jdbc;
        this.sessions = sessions;
        this.mqtt = mqtt;
    }

    /** The session's fleet and vehicle, if the caller may see it: 404 when unknown, 403 when another fleet's. */
    public SessionDirectory.SessionInfo session(String sessionId, FleetScope fleet) {
        SessionDirectory.SessionInfo info = sessions.lookup(sessionId);
        if (info.fleetId().isEmpty() || sessionId.contains("/")) {
            throw new ResourceNotFoundException("no session '" + sessionId + "'");
        }
        if (!fleet.allows(info.fleetId())) {
            throw new ForbiddenException("session '" + sessionId + "' belongs to another fleet than your token's");
        }
        return info;
    }

    public Request request(String sessionId, FleetScope fleet, long fromNanos, long toNanos, String requestedBy) {
        if (toNanos < fromNanos) {
            throw new IllegalArgumentException("toNanos (" + toNanos + ") is before fromNanos (" + fromNanos + ")");
        }
        if (toNanos - fromNanos > MAX_WINDOW_NANOS) {
            throw new IllegalArgumentException("a window is at most " + MAX_WINDOW_NANOS / 1_000_000_000L + " s long; ask for several");
        }
        SessionDirectory.SessionInfo info = session(sessionId, fleet);
        String requestId = UUID.randomUUID().toString();
        long now = nanos(clock.instant());
        MqttIngestionSubscriber broker = mqtt.getIfAvailable();
        String status = broker == null ? NOT_DELIVERED : REQUESTED;
        String detail = broker == null ? "this cloud has no MQTT broker to reach vehicles through (sightline.ingest.mqtt.enabled=false)" : null;
        jdbc.update("insert into window_requests (request_id, session_id, fleet_id, vehicle_id, from_nanos, to_nanos, requested_by,"
                        + " requested_at_nanos, status, detail) values (?,?,?,?,?,?,?,?,?,?)", requestId, sessionId, info.fleetId(),
                info.vehicleId(), fromNanos, toNanos, requestedBy, now, status, detail);
        if (broker != null) {
            ObjectNode message = json.createObjectNode();
            message.put("requestId", requestId);
            message.put("sessionId", sessionId);
            message.put("fromNanos", fromNanos);
            message.put("toNanos", toNanos);
            try {
                broker.publishWindowRequest(info.fleetId(), info.vehicleId(), json.writeValueAsBytes(message));
            } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
                jdbc.update("update window_requests set status = ?, detail = ? where request_id = ?", NOT_DELIVERED,
                        "the broker did not take the request: " + e.getMessage(), requestId);
            }
        }
        return find(requestId).orElseThrow();
    }

    /**
     * Records a vehicle's answer. Only the vehicle the request went to may answer it (the topic names
     * it), and only once.
     */
    public void answered(String fleetId, String vehicleId, byte[] payload) {
        JsonNode a;
        try {
            a = json.readTree(payload);
        } catch (java.io.IOException e) {
            LOG.warn("Unreadable window answer from {}/{}: {}", fleetId, vehicleId, e.getMessage());
            return;
        }
        String status = a.path("status").asText("");
        if (!List.of("UPLOADED", "GONE", "FAILED").contains(status)) {
            LOG.warn("Window answer from {}/{} has unknown status '{}'", fleetId, vehicleId, status);
            return;
        }
        int updated = jdbc.update("update window_requests set status = ?, answered_at_nanos = ?, uploaded_events = ?, first_sequence = ?,"
                        + " last_sequence = ?, detail = ? where request_id = ? and fleet_id = ? and vehicle_id = ? and status = ?",
                status, nanos(clock.instant()), a.path("uploadedEvents").asLong(0), nullIfNegative(a.path("firstSequence").asLong(-1)),
                nullIfNegative(a.path("lastSequence").asLong(-1)), a.hasNonNull("detail") ? a.get("detail").asText() : null,
                a.path("requestId").asText(""), fleetId, vehicleId, REQUESTED);
        if (updated == 0) {
            LOG.info("Window answer {} from {}/{} matched no open request (already answered, or not this vehicle's)",
                    a.path("requestId").asText(""), fleetId, vehicleId);
        }
    }

    public java.util.Optional<Request> find(String requestId) {
        return jdbc.query("select * from window_requests where request_id = ?", WindowRequests::row, requestId).stream().findFirst();
    }

    public List<Request> list(String sessionId, FleetScope fleet) {
        session(sessionId, fleet);
        return jdbc.query("select * from window_requests where session_id = ? order by requested_at_nanos, request_id",
                WindowRequests::row, sessionId);
    }

    /** A declared tier gap: edge sequences [fromSequence, toSequence) and their edge times, not uploaded. */
    public record Gap(long fromSequence, long toSequence, long fromNanos, long toNanos) {
    }

    /**
     * What the cloud holds of a session uploaded by tier: the ranges the vehicle declared it kept
     * to itself, and the windows asked for later (an UPLOADED one fills the part of a gap it covers).
     * A session uploaded in full has no gaps.
     */
    public record Coverage(String sessionId, long declaredGaps, long eventsNotUploaded, List<Gap> gaps, List<Request> windowRequests) {
    }

    public Coverage coverage(String sessionId, FleetScope fleet) {
        session(sessionId, fleet);
        List<Gap> gaps = jdbc.query("select payload from domain_event_entry where aggregate_identifier = ? and payload_type = ?"
                + " order by sequence_number", (rs, i) -> {
                    try {
                        JsonNode g = json.readTree(rs.getBytes(1));
                        return new Gap(g.path("fromSequence").asLong(), g.path("toSequence").asLong(), g.path("fromNanos").asLong(),
                                g.path("toNanos").asLong());
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException("unreadable TierGapDeclared in session " + sessionId, e);
                    }
                }, sessionId, io.sightline.domain.event.TierGapDeclared.class.getName());
        long missing = gaps.stream().mapToLong(g -> g.toSequence() - g.fromSequence()).sum();
        return new Coverage(sessionId, gaps.size(), missing, gaps, list(sessionId, fleet));
    }

    private static Long nullIfNegative(long v) {
        return v < 0 ? null : v;
    }

    private static Request row(java.sql.ResultSet rs, int i) throws java.sql.SQLException {
        return new Request(rs.getString("request_id"), rs.getString("session_id"), rs.getString("fleet_id"), rs.getString("vehicle_id"),
                rs.getLong("from_nanos"), rs.getLong("to_nanos"), rs.getString("requested_by"), rs.getLong("requested_at_nanos"),
                rs.getString("status"), (Long) rs.getObject("answered_at_nanos"), (Long) rs.getObject("uploaded_events"),
                (Long) rs.getObject("first_sequence"), (Long) rs.getObject("last_sequence"), rs.getString("detail"));
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
