package io.sightline.domain.event;

import org.axonframework.serialization.Revision;

/** A human reported a hazard the system did not alert on (a false negative); feeds recall figures. */
@Revision("1")
public record MissedEventReported(
        String reportId,
        String sessionId,
        String kind,
        long occurredAtNanos,
        String reporter,
        String note,
        long reportedAtNanos) implements SightlineEvent {
}
