package io.sightline.domain.review;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import io.sightline.domain.event.AlertReviewed;
import io.sightline.domain.event.EventMetadataKeys;
import io.sightline.domain.event.MissedEventReported;
import io.sightline.domain.event.SightlineEvent;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.messaging.MetaData;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.AggregateRoot;
import org.axonframework.modelling.command.CreationPolicy;

/**
 * Cloud-side human input about one drive session: alert reviews and missed-event reports.
 *
 * <p>It is a separate aggregate ({@code <sessionId>/reviews}) because the DriveSession's stored
 * sequence must stay equal to the edge's sequence: a review appended there would take a number
 * the edge will use next, and that edge batch would then be refused as a duplicate.
 *
 * <p>Each event is stored under the id the caller made (metadata {@link EventMetadataKeys#EVENT_ID}),
 * exactly as edge events are, so a review's id is known before it is stored and can be named as a
 * cause later.
 */
@AggregateRoot
public class SessionReviewLog {

    /** Suffix of a review log's aggregate id after its session id. */
    public static final String ID_SUFFIX = "/reviews";
    /** Width of alerts.kind / alerts.verdict (migration V2): longer values would dead-letter in the projection. */
    public static final int MAX_SHORT_TEXT_CHARS = 64;
    /** Notes are free text for people; a bound keeps one request from storing megabytes in the log. */
    public static final int MAX_NOTE_CHARS = 4_000;
    /** Width of the reviewer and id columns the projections copy these values into. */
    public static final int MAX_ID_CHARS = 255;

    @AggregateIdentifier
    private String reviewLogId;

    /** For Axon: the log is created by its first review or report. */
    protected SessionReviewLog() {
    }

    public static String idFor(String sessionId) {
        return sessionId + ID_SUFFIX;
    }

    /** The session a review-log aggregate id belongs to; empty for any other aggregate id (a drive session's). */
    public static Optional<String> sessionIdOf(String aggregateId) {
        if (aggregateId != null && aggregateId.endsWith(ID_SUFFIX) && aggregateId.length() > ID_SUFFIX.length()) {
            return Optional.of(aggregateId.substring(0, aggregateId.length() - ID_SUFFIX.length()));
        }
        return Optional.empty();
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public void handle(ReviewAlert command) {
        require("eventId", command.eventId(), MAX_ID_CHARS);
        require("alertId", command.alertId(), MAX_ID_CHARS);
        require("alertEventId", command.alertEventId(), MAX_ID_CHARS);
        require("reviewer", command.reviewer(), MAX_ID_CHARS);
        if (ReviewVerdict.parse(command.verdict()).isEmpty()) {
            throw new IllegalArgumentException("verdict '" + command.verdict() + "' is not one of "
                    + List.of(ReviewVerdict.values()));
        }
        requireNote(command.note());
        requirePositive("reviewedAtNanos", command.reviewedAtNanos());
        identify(command.reviewLogId());
        apply(new AlertReviewed(command.alertId(), command.verdict(), command.reviewer(), command.note(), command.reviewedAtNanos(),
                List.of(command.alertEventId())), metaData(command.eventId(), command.reviewedAtNanos()));
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public void handle(ReportMissedEvent command) {
        require("eventId", command.eventId(), MAX_ID_CHARS);
        require("sessionId", command.sessionId(), MAX_ID_CHARS);
        if (!idFor(command.sessionId()).equals(command.reviewLogId())) {
            throw new IllegalArgumentException("a report on session " + command.sessionId() + " belongs in review log "
                    + idFor(command.sessionId()) + ", not " + command.reviewLogId());
        }
        require("kind", command.kind(), MAX_SHORT_TEXT_CHARS);
        require("reporter", command.reporter(), MAX_ID_CHARS);
        requireNote(command.note());
        requirePositive("occurredAtNanos", command.occurredAtNanos());
        requirePositive("reportedAtNanos", command.reportedAtNanos());
        identify(command.reviewLogId());
        apply(new MissedEventReported(command.eventId(), command.sessionId(), command.kind(), command.occurredAtNanos(),
                command.reporter(), command.note(), command.reportedAtNanos()), metaData(command.eventId(), command.reportedAtNanos()));
    }

    /**
     * Neither event names the log, so a new log cannot learn its id from its first event the way
     * DriveSession does from DriveSessionStarted. Axon resolves the new aggregate's id lazily, after
     * the command handler, so it is set here just before the first apply; when the log is loaded
     * from the store the event sourcing handler sets the same value from the stored aggregate id.
     */
    private void identify(String commandLogId) {
        if (sessionIdOf(commandLogId).isEmpty()) {
            throw new IllegalArgumentException("review log id must be '<sessionId>" + ID_SUFFIX + "', got '" + commandLogId + "'");
        }
        if (reviewLogId == null) {
            reviewLogId = commandLogId;
        }
    }

    private static MetaData metaData(String eventId, long occurredAtNanos) {
        return MetaData.from(Map.of(EventMetadataKeys.EVENT_ID, eventId, EventMetadataKeys.OCCURRED_AT_NANOS, occurredAtNanos));
    }

    private static void require(String field, String value, int maxChars) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is missing");
        }
        if (value.length() > maxChars) {
            throw new IllegalArgumentException(field + " is " + value.length() + " characters; at most " + maxChars + " are kept");
        }
    }

    private static void requireNote(String note) {
        if (note != null && note.length() > MAX_NOTE_CHARS) {
            throw new IllegalArgumentException("note is " + note.length() + " characters; at most " + MAX_NOTE_CHARS + " are kept");
        }
    }

    private static void requirePositive(String field, long nanos) {
        if (nanos <= 0) {
            throw new IllegalArgumentException(field + " must be epoch nanoseconds > 0, got " + nanos);
        }
    }

    @EventSourcingHandler
    void on(SightlineEvent event, DomainEventMessage<?> message) {
        reviewLogId = message.getAggregateIdentifier();
    }

    public String reviewLogId() {
        return reviewLogId;
    }
}
