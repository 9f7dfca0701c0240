package io.sightline.domain.apps;

import io.sightline.domain.event.CloudApplicationRan;
import io.sightline.domain.event.SightlineEvent;
import java.util.List;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * What one run of a cloud-side safety application over a stored session decided: the decisions
 * to store, each under the id the application's projector gave it, and the run's summary.
 *
 * @param logId     {@link SessionApplicationLog#idFor(String, String)}
 * @param decisions RiskAssessed, AlertRaised, AlertCleared and AlertSuppressed, in the order made
 */
public record RecordApplicationRun(
        @TargetAggregateIdentifier String logId,
        List<Decision> decisions,
        CloudApplicationRan summary,
        String summaryEventId) {

    /** One decision: its id, its time on the edge's clock, the event. */
    public record Decision(String eventId, long occurredAtNanos, SightlineEvent payload) {
    }

    public RecordApplicationRun {
        decisions = List.copyOf(decisions);
    }
}
