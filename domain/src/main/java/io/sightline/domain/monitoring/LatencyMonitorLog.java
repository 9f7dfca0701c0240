package io.sightline.domain.monitoring;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.EventMetadataKeys;
import io.sightline.domain.event.LatencyRegressionDetected;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.messaging.MetaData;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.AggregateRoot;
import org.axonframework.modelling.command.CreationPolicy;

/**
 * The latency findings of one model ({@code model/<sha256>/latency}). The cloud's latency monitor
 * sends every alarm here; the log stores a finding once, so a replay of the processor, or a restart
 * that handles a batch again, stores nothing twice (ADR-0017, ADR-0023).
 */
@AggregateRoot
public class LatencyMonitorLog {

    public static final String ID_PREFIX = "model/";
    public static final String ID_SUFFIX = "/latency";
    public static final int MAX_ID_CHARS = 255;
    /** Sessions named by one finding: the detector keeps at most this many of a run. */
    public static final int MAX_SESSIONS = LatencyCusum.MAX_RUN_SESSIONS;

    @AggregateIdentifier
    private String logId;
    private final Set<String> findingIds = new HashSet<>();

    protected LatencyMonitorLog() {
    }

    public static String idFor(String modelSha256) {
        return ID_PREFIX + modelSha256 + ID_SUFFIX;
    }

    public static Optional<String> modelSha256Of(String logId) {
        if (logId != null && logId.startsWith(ID_PREFIX) && logId.endsWith(ID_SUFFIX) && logId.length() > ID_PREFIX.length() + ID_SUFFIX.length()) {
            return Optional.of(logId.substring(ID_PREFIX.length(), logId.length() - ID_SUFFIX.length()));
        }
        return Optional.empty();
    }

    /**
     * The finding's id: the key and the session that tripped it. The processor reaches the same
     * alarm at the same session on every replay, so it gets the same id.
     */
    public static String findingIdFor(String fleetId, String modelSha256, String softwareVersion, String stage, String trippingSessionId) {
        return EventIds.of(idFor(modelSha256), "LatencyRegressionDetected",
                fleetId + "/" + softwareVersion + "/" + stage + "/" + trippingSessionId);
    }

    /** Stores the finding, or nothing when its id is already stored. */
    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public void handle(RecordLatencyRegression command) {
        LatencyRegressionDetected f = command.finding();
        if (f == null) {
            throw new IllegalArgumentException("finding is missing");
        }
        require("eventId", command.eventId());
        require("findingId", f.findingId());
        require("fleetId", f.fleetId());
        require("modelSha256", f.modelSha256());
        require("softwareVersion", f.softwareVersion());
        require("stage", f.stage());
        require("configVersion", f.configVersion());
        if (!idFor(f.modelSha256()).equals(command.logId())) {
            throw new IllegalArgumentException("a finding of model " + f.modelSha256() + " belongs in log " + idFor(f.modelSha256())
                    + ", not " + command.logId());
        }
        if (f.sessionIds().isEmpty() || f.sessionIds().size() != f.sessionP95Micros().size() || f.sessionIds().size() > MAX_SESSIONS) {
            throw new IllegalArgumentException("a finding names 1.." + MAX_SESSIONS + " sessions, each with its p95; got "
                    + f.sessionIds().size() + " sessions and " + f.sessionP95Micros().size() + " p95s");
        }
        if (!(f.statistic() > f.thresholdSigmas())) {
            throw new IllegalArgumentException("a finding's statistic " + f.statistic() + " must be above its threshold " + f.thresholdSigmas());
        }
        if (logId == null) {
            logId = command.logId();
        }
        if (findingIds.contains(f.findingId())) {
            return;
        }
        apply(f, MetaData.from(Map.of(EventMetadataKeys.EVENT_ID, command.eventId(), EventMetadataKeys.OCCURRED_AT_NANOS, f.detectedAtNanos())));
    }

    private static void require(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is missing");
        }
        if (value.length() > MAX_ID_CHARS) {
            throw new IllegalArgumentException(field + " is " + value.length() + " characters; at most " + MAX_ID_CHARS + " are kept");
        }
    }

    @EventSourcingHandler
    void on(LatencyRegressionDetected f, DomainEventMessage<?> message) {
        logId = message.getAggregateIdentifier();
        findingIds.add(f.findingId());
    }

    public String logId() {
        return logId;
    }
}
