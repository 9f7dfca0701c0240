package io.sightline.domain.review;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * Record a human verdict on one alert of the session.
 *
 * @param reviewLogId     {@link SessionReviewLog#idFor(String)} of the alert's session
 * @param eventId         made by the caller (a UUID), so the stored event has a known id from the start
 * @param alertEventId    event id of the AlertRaised reviewed; becomes the review's only cause
 * @param reviewedAtNanos cloud wall-clock time of the review, epoch nanoseconds
 */
public record ReviewAlert(
        @TargetAggregateIdentifier String reviewLogId,
        String eventId,
        String alertId,
        String alertEventId,
        String verdict,
        String reviewer,
        String note,
        long reviewedAtNanos) {
}
