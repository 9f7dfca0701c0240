package io.sightline.cloud.monitoring.drift;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.domain.event.DriftCleared;
import io.sightline.domain.event.DriftDetected;
import io.sightline.domain.event.DriftReferencePinned;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.monitoring.DriftLog;
import io.sightline.domain.monitoring.RecordDriftEvaluation;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The cloud's drift monitor (issue 16 §2, docs/monitoring.md). When a session ends it reads the
 * session's events from the store, keeps a bounded sample of its features, and compares the
 * current window of each of the session's scopes (its model in its fleet, its vehicle, its fleet)
 * with that scope's reference window: the scope's first {@link DriftPolicy#referenceSessions()}
 * sessions. What changed goes to the scope's {@link DriftLog} as a command, which emits
 * {@link DriftDetected} and {@link DriftCleared}; this processor then records those findings too.
 *
 * <p>One segment, in stream order: which sessions form a window must not depend on which thread
 * got there first, or a rebuild would find other drifts.
 */
@Component
@ProcessingGroup(DriftMonitor.NAME)
@ConditionalOnProperty(name = "sightline.projections.enabled", havingValue = "true", matchIfMissing = true)
public class DriftMonitor {

    public static final String NAME = "drift";
    private static final Logger log = LoggerFactory.getLogger(DriftMonitor.class);

    private final JdbcTemplate jdbc;
    private final EventStore eventStore;
    private final CommandGateway commands;
    private final DriftEvaluator evaluator;
    private final ObjectMapper json = new ObjectMapper();

    public DriftMonitor(JdbcTemplate jdbc, EventStore eventStore, CommandGateway commands, DriftPolicy policy) {
        this.jdbc = jdbc;
        this.eventStore = eventStore;
        this.commands = commands;
        this.evaluator = new DriftEvaluator(policy);
    }

    /** The scope keys of a session: its model in its fleet, its vehicle, its fleet. */
    public static List<String[]> scopesOf(SessionSample s) {
        List<String[]> scopes = new ArrayList<>();
        if (s.modelSha256() != null) {
            scopes.add(new String[] {"MODEL", s.fleetId() + "/" + s.modelSha256()});
        }
        scopes.add(new String[] {"VEHICLE", s.fleetId() + "/" + s.vehicleId()});
        scopes.add(new String[] {"FLEET", s.fleetId()});
        return scopes;
    }

    @EventHandler
    void on(DriveSessionEnded ended, DomainEventMessage<?> message) {
        SessionFeatureExtractor extractor = new SessionFeatureExtractor(evaluator.policy().maxValuesPerSessionFeature());
        // From sequence 0, never from a snapshot: the features need every event of the session.
        eventStore.readEvents(message.getAggregateIdentifier(), 0).asStream().forEach(m -> {
            if (m.getPayload() instanceof SightlineEvent e) {
                extractor.accept(m.getIdentifier(), e);
            }
        });
        SessionSample sample = extractor.finish();
        store(sample);
        // The three scopes' windows mostly hold the same sessions: each is read and parsed once per ended session.
        Map<String, SessionSample> loaded = new java.util.HashMap<>();
        loaded.put(sample.sessionId(), sample);
        for (String[] scope : scopesOf(sample)) {
            evaluate(scope[0], scope[1], sample, loaded);
        }
    }

    private void store(SessionSample s) {
        jdbc.update("insert into drift_session_features (session_id, fleet_id, vehicle_id, model_sha256, started_at_nanos, ended_at_nanos, sample)"
                        + " values (?,?,?,?,?,?,cast(? as jsonb)) on conflict (session_id) do nothing",
                s.sessionId(), s.fleetId(), s.vehicleId(), s.modelSha256(), s.startedAtNanos(), s.endedAtNanos(), write(s));
    }

    private void evaluate(String scope, String scopeKey, SessionSample latest, Map<String, SessionSample> loaded) {
        DriftPolicy policy = evaluator.policy();
        String where = switch (scope) {
            case "MODEL" -> "fleet_id = ? and model_sha256 = ?";
            case "VEHICLE" -> "fleet_id = ? and vehicle_id = ?";
            default -> "fleet_id = ?";
        };
        Object[] keys = switch (scope) {
            case "MODEL" -> new Object[] {latest.fleetId(), latest.modelSha256()};
            case "VEHICLE" -> new Object[] {latest.fleetId(), latest.vehicleId()};
            default -> new Object[] {latest.fleetId()};
        };
        // Sessions of the scope up to this one, in the order they ended: the reference is the first N, the current window the last few.
        List<Object> args = new ArrayList<>(List.of(keys));
        args.add(latest.endedAtNanos());
        args.add(latest.endedAtNanos());
        args.add(latest.sessionId());
        List<String> order = jdbc.queryForList("select session_id from drift_session_features where " + where
                + " and (ended_at_nanos < ? or (ended_at_nanos = ? and session_id <= ?)) order by ended_at_nanos, session_id", String.class, args.toArray());
        List<String> pinned = pinnedReference(scope, scopeKey);
        List<String> referenceIds;
        List<String> currentIds;
        if (pinned != null) {
            // A pinned reference is whatever the administrator chose; the current window is the latest sessions outside it.
            referenceIds = pinned;
            List<String> others = order.stream().filter(id -> !pinned.contains(id)).toList();
            currentIds = others.subList(Math.max(0, others.size() - policy.currentSessions()), others.size());
        } else {
            int position = order.size();
            referenceIds = order.subList(0, Math.min(policy.referenceSessions(), order.size()));
            currentIds = position > policy.referenceSessions()
                    ? order.subList(Math.max(policy.referenceSessions(), position - policy.currentSessions()), position) : List.of();
        }
        List<SessionSample> reference = load(referenceIds, loaded);
        List<SessionSample> current = load(currentIds, loaded);
        List<DriftEvaluator.FeatureOutcome> outcomes;
        if (currentIds.isEmpty() || reference.size() < 2) {
            String why = pinned != null ? "not enough data: the pinned reference holds " + reference.size() + " stored sessions and the current"
                    + " window " + currentIds.size()
                    : "not enough data: the reference window holds " + referenceIds.size() + " of the " + policy.referenceSessions()
                    + " sessions it needs; comparisons start with the next session after it";
            outcomes = new ArrayList<>();
            for (DriftFeature f : DriftFeature.values()) {
                outcomes.add(new DriftEvaluator.FeatureOutcome(f, RecordDriftEvaluation.Verdict.NOT_ENOUGH_DATA, null, why, null));
            }
        } else {
            outcomes = evaluator.evaluate(reference, current, scope + "/" + scopeKey + "/" + latest.sessionId());
        }
        writeStatus(scope, scopeKey, latest, outcomes, referenceIds, currentIds);
        if (currentIds.isEmpty() || reference.size() < 2) {
            return;
        }
        List<RecordDriftEvaluation.FeatureResult> results = new ArrayList<>();
        for (DriftEvaluator.FeatureOutcome o : outcomes) {
            results.add(new RecordDriftEvaluation.FeatureResult(o.feature().id(), o.verdict(), o.measurement()));
        }
        String logId = DriftLog.idFor(scope, scopeKey);
        long referenceFrom = reference.stream().mapToLong(SessionSample::startedAtNanos).min().orElseThrow();
        long referenceTo = reference.stream().mapToLong(SessionSample::endedAtNanos).max().orElseThrow();
        commands.sendAndWait(new RecordDriftEvaluation(logId, latest.sessionId() + "/" + policy.version(), scope, scopeKey, latest.fleetId(),
                latest.modelSha256(), policy.version(), latest.endedAtNanos(), reference.stream().map(SessionSample::sessionId).toList(),
                current.stream().map(SessionSample::sessionId).toList(), referenceFrom, referenceTo, current.get(0).startedAtNanos(),
                latest.endedAtNanos(), summaries(reference), summaries(current), results));
    }

    private static List<String> summaries(List<SessionSample> sessions) {
        List<String> ids = new ArrayList<>();
        for (SessionSample s : sessions) {
            ids.addAll(s.summaryEventIds());
        }
        return ids;
    }

    private List<String> pinnedReference(String scope, String scopeKey) {
        List<String> rows = jdbc.queryForList("select session_ids from drift_references where scope = ? and scope_key = ?", String.class, scope, scopeKey);
        if (rows.isEmpty()) {
            return null;
        }
        try {
            return List.of(json.readValue(rows.get(0), String[].class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a pinned drift reference does not read back: " + e.getOriginalMessage(), e);
        }
    }

    @EventHandler
    void on(DriftReferencePinned p, DomainEventMessage<?> message) {
        jdbc.update("insert into drift_references (scope, scope_key, fleet_id, session_ids, pinned_event_id, pinned_at_nanos)"
                        + " values (?,?,?,cast(? as jsonb),?,?) on conflict (scope, scope_key) do update set session_ids = excluded.session_ids,"
                        + " pinned_event_id = excluded.pinned_event_id, pinned_at_nanos = excluded.pinned_at_nanos",
                p.scope(), p.scopeKey(), p.fleetId(), write(p.sessionIds()), message.getIdentifier(), p.pinnedAtNanos());
    }

    /**
     * The stored samples of these sessions, in the given order; a session the monitor has not stored
     * is left out. Samples already in {@code loaded} are not read again; those read are added to it.
     */
    private List<SessionSample> load(List<String> sessionIds, Map<String, SessionSample> loaded) {
        List<String> missing = sessionIds.stream().filter(id -> !loaded.containsKey(id)).toList();
        if (!missing.isEmpty()) {
            String in = String.join(",", java.util.Collections.nCopies(missing.size(), "?"));
            jdbc.query("select session_id, sample from drift_session_features where session_id in (" + in + ")",
                    (ResultSet rs) -> {
                        loaded.put(rs.getString(1), read(rs.getString(2)));
                    }, missing.toArray());
        }
        List<SessionSample> out = new ArrayList<>();
        for (String id : sessionIds) {
            SessionSample s = loaded.get(id);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    private void writeStatus(String scope, String scopeKey, SessionSample latest, List<DriftEvaluator.FeatureOutcome> outcomes,
            List<String> referenceIds, List<String> currentIds) {
        List<Object[]> rows = new ArrayList<>();
        for (DriftEvaluator.FeatureOutcome o : outcomes) {
            rows.add(new Object[] {scope, scopeKey, o.feature().id(), latest.fleetId(), latest.modelSha256(), o.verdict().name(), o.reason(),
                    o.measurement() == null ? null : write(o.measurement()), o.histogram() == null ? null : write(o.histogram()),
                    write(referenceIds), write(currentIds), latest.endedAtNanos(), evaluator.policy().version()});
        }
        jdbc.batchUpdate("insert into drift_status (scope, scope_key, feature, fleet_id, model_sha256, verdict, reason, measurement, histogram,"
                + " reference_session_ids, current_session_ids, evaluated_at_nanos, drift_policy_version)"
                + " values (?,?,?,?,?,?,?,cast(? as jsonb),cast(? as jsonb),cast(? as jsonb),cast(? as jsonb),?,?)"
                + " on conflict (scope, scope_key, feature) do update set fleet_id = excluded.fleet_id, model_sha256 = excluded.model_sha256,"
                + " verdict = excluded.verdict, reason = excluded.reason, measurement = excluded.measurement, histogram = excluded.histogram,"
                + " reference_session_ids = excluded.reference_session_ids, current_session_ids = excluded.current_session_ids,"
                + " evaluated_at_nanos = excluded.evaluated_at_nanos, drift_policy_version = excluded.drift_policy_version"
                + " where drift_status.evaluated_at_nanos <= excluded.evaluated_at_nanos", rows);
    }

    @EventHandler
    void on(DriftDetected d, DomainEventMessage<?> message) {
        jdbc.update("insert into drift_findings (finding_id, detected_event_id, scope, scope_key, fleet_id, model_sha256, feature, measurement,"
                        + " current_session_ids, detected_at_nanos) values (?,?,?,?,?,?,?,cast(? as jsonb),cast(? as jsonb),?)"
                        + " on conflict (finding_id) do nothing",
                d.findingId(), message.getIdentifier(), d.scope(), d.scopeKey(), d.fleetId(), d.modelSha256(), d.measurement().feature(),
                write(d.measurement()), write(d.currentSessionIds()), d.detectedAtNanos());
        log.info("drift: {} {} feature {} drifted ({} {}, session-level p {})", d.scope(), d.scopeKey(), d.measurement().feature(),
                d.measurement().statistic(), d.measurement().statisticValue(), d.measurement().sessionPValue());
    }

    @EventHandler
    void on(DriftCleared c, DomainEventMessage<?> message) {
        jdbc.update("update drift_findings set cleared_event_id = ?, cleared_at_nanos = ? where finding_id = ?",
                message.getIdentifier(), c.clearedAtNanos(), c.findingId());
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + o.getClass().getSimpleName() + " as JSON", e);
        }
    }

    private SessionSample read(String s) {
        try {
            return json.readValue(s, SessionSample.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored drift sample does not read back: " + e.getOriginalMessage(), e);
        }
    }
}
