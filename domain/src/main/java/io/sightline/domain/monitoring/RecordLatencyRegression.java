package io.sightline.domain.monitoring;

import io.sightline.domain.event.LatencyRegressionDetected;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Store a latency regression in its model's {@link LatencyMonitorLog} under {@code eventId}. */
public record RecordLatencyRegression(@TargetAggregateIdentifier String logId, String eventId, LatencyRegressionDetected finding) {
}
