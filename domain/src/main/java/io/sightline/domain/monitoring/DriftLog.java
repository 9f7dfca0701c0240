package io.sightline.domain.monitoring;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import io.sightline.domain.event.DriftCleared;
import io.sightline.domain.event.DriftDetected;
import io.sightline.domain.event.DriftReferencePinned;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.EventMetadataKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * The drift findings of one scope ({@code drift/<scope>/<scopeKey>}): which features are drifted
 * now, so that a finding is reported once when it starts and once when it ends, however many
 * sessions it lasts.
 *
 * <p>Evaluations are applied in the order of their current window's end. One at or before the last
 * finding is ignored: a monitor that replays the stream re-sends its old evaluations, and they must
 * neither repeat a finding nor end a later one.
 */
@AggregateRoot
public class DriftLog {

    public static final String ID_PREFIX = "drift/";
    public static final Set<String> SCOPES = Set.of("MODEL", "VEHICLE", "FLEET");
    public static final int MAX_KEY_CHARS = 200;
    /** Causes per finding: a bound keeps one finding from storing a whole fleet's summaries. */
    public static final int MAX_CAUSES = 2_000;

    @AggregateIdentifier
    private String logId;
    /** Open findings by feature: finding id and the DriftDetected event's id. */
    private final Map<String, OpenFinding> open = new HashMap<>();
    private long lastEvaluatedAtNanos = Long.MIN_VALUE;

    private record OpenFinding(String findingId, String eventId) {
    }

    protected DriftLog() {
    }

    public static String idFor(String scope, String scopeKey) {
        return ID_PREFIX + scope.toLowerCase(java.util.Locale.ROOT) + "/" + scopeKey;
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public void handle(RecordDriftEvaluation c) {
        validate(c);
        if (logId == null) {
            logId = c.logId();
        }
        if (c.evaluatedAtNanos() <= lastEvaluatedAtNanos) {
            return;
        }
        List<String> causes = bounded(c.referenceCauses(), c.currentCauses());
        for (RecordDriftEvaluation.FeatureResult r : c.results()) {
            OpenFinding finding = open.get(r.feature());
            if (r.verdict() == RecordDriftEvaluation.Verdict.DRIFTED && finding == null) {
                String part = c.evaluationId() + "/" + r.feature();
                DriftDetected e = new DriftDetected(EventIds.of(c.logId(), "DriftFinding", part), c.scope(), c.scopeKey(), c.fleetId(),
                        c.modelSha256(), r.measurement(), c.referenceSessionIds(), c.currentSessionIds(), c.referenceFromNanos(),
                        c.referenceToNanos(), c.currentFromNanos(), c.currentToNanos(), c.driftPolicyVersion(), c.evaluatedAtNanos(), causes);
                apply(e, meta(EventIds.of(c.logId(), "DriftDetected", part), c.evaluatedAtNanos()));
            } else if (r.verdict() == RecordDriftEvaluation.Verdict.NOT_DRIFTED && finding != null) {
                List<String> clearedCauses = new ArrayList<>();
                clearedCauses.add(finding.eventId());
                clearedCauses.addAll(c.currentCauses().subList(0, Math.min(c.currentCauses().size(), MAX_CAUSES - 1)));
                DriftCleared e = new DriftCleared(finding.findingId(), c.scope(), c.scopeKey(), c.fleetId(), c.modelSha256(), r.measurement(),
                        c.currentSessionIds(), c.currentFromNanos(), c.currentToNanos(), c.driftPolicyVersion(), c.evaluatedAtNanos(), clearedCauses);
                apply(e, meta(EventIds.of(c.logId(), "DriftCleared", c.evaluationId() + "/" + r.feature()), c.evaluatedAtNanos()));
            }
        }
    }

    /** Reference windows hold at least two sessions (a test needs two values a side) and at most this many. */
    public static final int MAX_PINNED_SESSIONS = 1_000;

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public void handle(PinDriftReference c) {
        DriftReferencePinned p = c.pin();
        if (p == null) {
            throw new IllegalArgumentException("pin is missing");
        }
        require("eventId", c.eventId());
        require("scopeKey", p.scopeKey());
        require("pinnedBy", p.pinnedBy());
        if (p.scope() == null || !SCOPES.contains(p.scope())) {
            throw new IllegalArgumentException("scope must be one of " + SCOPES + ", got " + p.scope());
        }
        if (!idFor(p.scope(), p.scopeKey()).equals(c.logId())) {
            throw new IllegalArgumentException("a pin of " + p.scope() + " " + p.scopeKey() + " belongs in log " + idFor(p.scope(), p.scopeKey())
                    + ", not " + c.logId());
        }
        if (p.sessionIds().size() < 2 || p.sessionIds().size() > MAX_PINNED_SESSIONS) {
            throw new IllegalArgumentException("a reference window holds 2.." + MAX_PINNED_SESSIONS + " sessions, got " + p.sessionIds().size());
        }
        if (p.sessionIds().stream().distinct().count() != p.sessionIds().size()) {
            throw new IllegalArgumentException("sessionIds names a session twice");
        }
        if (logId == null) {
            logId = c.logId();
        }
        apply(p, meta(c.eventId(), p.pinnedAtNanos()));
    }

    /** The current window's summaries first: they say what changed; the reference's are kept as room allows. */
    private static List<String> bounded(List<String> reference, List<String> current) {
        List<String> out = new ArrayList<>(Math.min(MAX_CAUSES, reference.size() + current.size()));
        for (String id : current) {
            if (out.size() < MAX_CAUSES) {
                out.add(id);
            }
        }
        for (String id : reference) {
            if (out.size() < MAX_CAUSES) {
                out.add(id);
            }
        }
        return out;
    }

    private static MetaData meta(String eventId, long atNanos) {
        return MetaData.from(Map.of(EventMetadataKeys.EVENT_ID, eventId, EventMetadataKeys.OCCURRED_AT_NANOS, atNanos));
    }

    private static void validate(RecordDriftEvaluation c) {
        require("evaluationId", c.evaluationId());
        require("scopeKey", c.scopeKey());
        require("driftPolicyVersion", c.driftPolicyVersion());
        if (c.scope() == null || !SCOPES.contains(c.scope())) {
            throw new IllegalArgumentException("scope must be one of " + SCOPES + ", got " + c.scope());
        }
        if (!idFor(c.scope(), c.scopeKey()).equals(c.logId())) {
            throw new IllegalArgumentException("an evaluation of " + c.scope() + " " + c.scopeKey() + " belongs in log "
                    + idFor(c.scope(), c.scopeKey()) + ", not " + c.logId());
        }
        if (c.currentSessionIds().isEmpty()) {
            throw new IllegalArgumentException("the current window holds no session");
        }
        for (RecordDriftEvaluation.FeatureResult r : c.results()) {
            if (r.feature() == null || r.verdict() == null) {
                throw new IllegalArgumentException("every result needs a feature and a verdict");
            }
            if (r.verdict() != RecordDriftEvaluation.Verdict.NOT_ENOUGH_DATA && r.measurement() == null) {
                throw new IllegalArgumentException("feature " + r.feature() + " has a verdict but no measurement");
            }
        }
    }

    private static void require(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is missing");
        }
        if (value.length() > MAX_KEY_CHARS) {
            throw new IllegalArgumentException(field + " is " + value.length() + " characters; at most " + MAX_KEY_CHARS);
        }
    }

    @EventSourcingHandler
    void on(DriftDetected e, DomainEventMessage<?> message) {
        logId = message.getAggregateIdentifier();
        open.put(e.measurement().feature(), new OpenFinding(e.findingId(), eventId(message)));
        lastEvaluatedAtNanos = Math.max(lastEvaluatedAtNanos, e.detectedAtNanos());
    }

    @EventSourcingHandler
    void on(DriftReferencePinned e, DomainEventMessage<?> message) {
        logId = message.getAggregateIdentifier();
    }

    @EventSourcingHandler
    void on(DriftCleared e, DomainEventMessage<?> message) {
        logId = message.getAggregateIdentifier();
        open.remove(e.measurement().feature());
        lastEvaluatedAtNanos = Math.max(lastEvaluatedAtNanos, e.clearedAtNanos());
    }

    private static String eventId(DomainEventMessage<?> message) {
        Object id = message.getMetaData().get(EventMetadataKeys.EVENT_ID);
        return id == null ? message.getIdentifier() : id.toString();
    }

    public String logId() {
        return logId;
    }
}
