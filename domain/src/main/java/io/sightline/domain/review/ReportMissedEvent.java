package io.sightline.domain.review;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * Report a hazard in the session that raised no alert (a false negative).
 *
 * @param eventId          made by the caller (a UUID); also the report's id
 * @param occurredAtNanos  when the hazard happened, edge epoch nanoseconds (the session's clock)
 * @param reportedAtNanos  cloud wall-clock time of the report, epoch nanoseconds
 */
public record ReportMissedEvent(
        @TargetAggregateIdentifier String reviewLogId,
        String eventId,
        String sessionId,
        String kind,
        long occurredAtNanos,
        String reporter,
        String note,
        long reportedAtNanos) {
}
