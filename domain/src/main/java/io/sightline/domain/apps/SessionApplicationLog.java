package io.sightline.domain.apps;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import io.sightline.domain.event.AlertCleared;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.AlertSuppressed;
import io.sightline.domain.event.CloudApplicationRan;
import io.sightline.domain.event.EventMetadataKeys;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.SightlineEvent;
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
 * One cloud-side safety application's decisions on one drive session
 * ({@code <sessionId>/apps/<application>}, ADR-0029). The {@code DriveSession} aggregate's
 * sequence is the edge's and stays gap-free as uploaded, so what the cloud decides about a session
 * lives beside it, as reviews do ({@code <sessionId>/reviews}).
 *
 * <p>One run per application and session: the application's alerts are part of the session's
 * record, and a second run under another policy would put two opinions in one stream. Judging
 * stored sessions under another version is what {@code replay --policy} and evaluation are for. A
 * repeated run under the same version (a processor replaying its stream) stores nothing; a
 * refused run leaves the log open, so the application runs once the session is complete.
 */
@AggregateRoot
public class SessionApplicationLog {

    public static final String SEGMENT = "/apps/";
    public static final int MAX_KEY_CHARS = 200;
    /** Decisions per run: a bound keeps one command within a transaction's and a message's reach. */
    public static final int MAX_DECISIONS = 100_000;
    static final Set<String> OUTCOMES = Set.of("RAN", "AT_EDGE", "REFUSED");

    @AggregateIdentifier
    private String logId;
    /** The policy version of the run that settled this log, or null while none has. */
    private String settledBy;

    protected SessionApplicationLog() {
    }

    public static String idFor(String sessionId, String application) {
        return sessionId + SEGMENT + application;
    }

    /** The drive session a log id belongs to, when it is one. */
    public static Optional<String> sessionIdOf(String aggregateId) {
        if (aggregateId == null) {
            return Optional.empty();
        }
        int at = aggregateId.lastIndexOf(SEGMENT);
        if (at <= 0 || at + SEGMENT.length() >= aggregateId.length()
                || aggregateId.indexOf('/', at + SEGMENT.length()) >= 0) {
            return Optional.empty();
        }
        return Optional.of(aggregateId.substring(0, at));
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public void handle(RecordApplicationRun c) {
        CloudApplicationRan s = c.summary();
        if (s == null) {
            throw new IllegalArgumentException("summary is missing");
        }
        require("sessionId", s.sessionId());
        require("application", s.application());
        require("policyVersion", s.policyVersion());
        require("summaryEventId", c.summaryEventId());
        if (!idFor(s.sessionId(), s.application()).equals(c.logId())) {
            throw new IllegalArgumentException("a run of " + s.application() + " on " + s.sessionId() + " belongs in log "
                    + idFor(s.sessionId(), s.application()) + ", not " + c.logId());
        }
        if (!OUTCOMES.contains(s.outcome())) {
            throw new IllegalArgumentException("outcome must be one of " + OUTCOMES + ", got " + s.outcome());
        }
        if (!"RAN".equals(s.outcome()) && !c.decisions().isEmpty()) {
            throw new IllegalArgumentException("a run with outcome " + s.outcome() + " decides nothing, got " + c.decisions().size()
                    + " decisions");
        }
        if (c.decisions().size() > MAX_DECISIONS) {
            throw new IllegalArgumentException("a run stores at most " + MAX_DECISIONS + " decisions, got " + c.decisions().size());
        }
        String prefix = c.logId() + "/";
        for (RecordApplicationRun.Decision d : c.decisions()) {
            SightlineEvent p = d.payload();
            if (!(p instanceof RiskAssessed || p instanceof AlertRaised || p instanceof AlertCleared || p instanceof AlertSuppressed)) {
                throw new IllegalArgumentException("a cloud-side application stores only its decisions, not "
                        + (p == null ? "null" : p.getClass().getSimpleName()));
            }
            if (d.eventId() == null || !d.eventId().startsWith(prefix)) {
                // its own ids, never one the edge used for the session
                throw new IllegalArgumentException("decision id " + d.eventId() + " is outside the log's ids (" + prefix + "…)");
            }
        }
        if (settledBy != null) {
            if (settledBy.equals(s.policyVersion())) {
                return;
            }
            throw new IllegalStateException(s.application() + " already ran on session " + s.sessionId() + " under " + settledBy
                    + "; one run per application and session (judge it under " + s.policyVersion()
                    + " with replay --policy or an evaluation instead)");
        }
        logId = c.logId();
        for (RecordApplicationRun.Decision d : c.decisions()) {
            apply(d.payload(), meta(d.eventId(), d.occurredAtNanos()));
        }
        apply(s, meta(c.summaryEventId(), s.ranAtNanos()));
    }

    @EventSourcingHandler
    void on(RiskAssessed e, DomainEventMessage<?> message) {
        logId = message.getAggregateIdentifier();
    }

    @EventSourcingHandler
    void on(AlertRaised e, DomainEventMessage<?> message) {
        logId = message.getAggregateIdentifier();
    }

    @EventSourcingHandler
    void on(AlertCleared e, DomainEventMessage<?> message) {
        logId = message.getAggregateIdentifier();
    }

    @EventSourcingHandler
    void on(AlertSuppressed e, DomainEventMessage<?> message) {
        logId = message.getAggregateIdentifier();
    }

    @EventSourcingHandler
    void on(CloudApplicationRan e, DomainEventMessage<?> message) {
        logId = message.getAggregateIdentifier();
        if (!"REFUSED".equals(e.outcome())) {
            settledBy = e.policyVersion();
        }
    }

    private static MetaData meta(String eventId, long atNanos) {
        return MetaData.from(Map.of(EventMetadataKeys.EVENT_ID, eventId, EventMetadataKeys.OCCURRED_AT_NANOS, atNanos));
    }

    private static void require(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is missing");
        }
        if (value.length() > MAX_KEY_CHARS) {
            throw new IllegalArgumentException(field + " is " + value.length() + " characters; at most " + MAX_KEY_CHARS);
        }
    }
}
