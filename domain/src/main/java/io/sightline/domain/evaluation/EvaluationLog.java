package io.sightline.domain.evaluation;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import io.sightline.domain.event.EvaluationCompleted;
import io.sightline.domain.event.EventMetadataKeys;
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
 * The evaluations of one policy version ({@code policy/<version>/evaluations}): what a rollout of
 * that version may cite as its gate. A separate aggregate per version keeps each log short and lets
 * a rollout read its version's evaluations in one indexed read.
 */
@AggregateRoot
public class EvaluationLog {

    public static final String ID_PREFIX = "policy/";
    public static final String ID_SUFFIX = "/evaluations";
    public static final int MAX_ID_CHARS = 255;
    /** Families per evaluation: the shipped suites have 24; a bound keeps one request from storing megabytes. */
    public static final int MAX_FAMILIES = 1_000;

    @AggregateIdentifier
    private String logId;
    private final Set<String> evaluationIds = new HashSet<>();

    protected EvaluationLog() {
    }

    public static String idFor(String policyVersion) {
        return ID_PREFIX + policyVersion + ID_SUFFIX;
    }

    public static Optional<String> policyVersionOf(String logId) {
        if (logId != null && logId.startsWith(ID_PREFIX) && logId.endsWith(ID_SUFFIX) && logId.length() > ID_PREFIX.length() + ID_SUFFIX.length()) {
            return Optional.of(logId.substring(ID_PREFIX.length(), logId.length() - ID_SUFFIX.length()));
        }
        return Optional.empty();
    }

    /** Stores the evaluation, or nothing when its id is already stored (a retried submission). */
    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public void handle(RecordEvaluation command) {
        EvaluationCompleted e = command.evaluation();
        if (e == null) {
            throw new IllegalArgumentException("evaluation is missing");
        }
        require("eventId", command.eventId());
        require("evaluationId", e.evaluationId());
        require("policyVersion", e.policyVersion());
        require("suiteSha256", e.suiteSha256());
        require("submittedBy", e.submittedBy());
        if (!idFor(e.policyVersion()).equals(command.logId())) {
            throw new IllegalArgumentException("an evaluation of policy " + e.policyVersion() + " belongs in log " + idFor(e.policyVersion())
                    + ", not " + command.logId());
        }
        if (e.familyResults().size() > MAX_FAMILIES) {
            throw new IllegalArgumentException("familyResults holds " + e.familyResults().size() + " families; at most " + MAX_FAMILIES);
        }
        if (e.runs() < 0 || e.failedRuns() < 0 || e.failedRuns() > e.runs()) {
            throw new IllegalArgumentException("failedRuns must be in 0..runs, got " + e.failedRuns() + " of " + e.runs());
        }
        if (e.completedAtNanos() <= 0) {
            throw new IllegalArgumentException("completedAtNanos must be epoch nanoseconds > 0, got " + e.completedAtNanos());
        }
        if (logId == null) {
            logId = command.logId();
        }
        if (evaluationIds.contains(e.evaluationId())) {
            return;
        }
        apply(e, MetaData.from(Map.of(EventMetadataKeys.EVENT_ID, command.eventId(), EventMetadataKeys.OCCURRED_AT_NANOS, e.completedAtNanos())));
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
    void on(EvaluationCompleted e, DomainEventMessage<?> message) {
        logId = message.getAggregateIdentifier();
        evaluationIds.add(e.evaluationId());
    }

    public String logId() {
        return logId;
    }
}
