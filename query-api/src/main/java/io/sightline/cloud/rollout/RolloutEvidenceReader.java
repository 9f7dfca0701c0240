package io.sightline.cloud.rollout;

import io.sightline.cloud.registry.RegistryReadModel;
import io.sightline.domain.event.RolloutStarted;
import io.sightline.domain.event.RolloutStep;
import io.sightline.domain.release.ReleaseStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Builds a step's {@link GateContext} from {@code rollout_sessions} / {@code rollout_evidence}
 * (the rollout-evidence processor) and the challenger's evaluations in the event store. A session
 * counts for a step when it started at or after the step's bake began and has ended; it is canary
 * when its vehicle is in the cohort and it ran the challenger, control when its vehicle is outside
 * the cohort and it ran the champion. A session that ran neither (a vehicle not yet converged) is
 * neither, so an offline vehicle cannot blur the comparison.
 */
@Component
public class RolloutEvidenceReader {

    private final JdbcTemplate jdbc;
    private final RegistryReadModel registry;
    private final ShadowEvidenceReader shadowEvidence;
    private final io.sightline.cloud.api.SessionReadModel sessionsRead;

    public RolloutEvidenceReader(JdbcTemplate jdbc, RegistryReadModel registry, ShadowEvidenceReader shadowEvidence,
                                 io.sightline.cloud.api.SessionReadModel sessionsRead) {
        this.jdbc = jdbc;
        this.sessionsRead = sessionsRead;
        this.registry = registry;
        this.shadowEvidence = shadowEvidence;
    }

    public GateContext read(RolloutStarted plan, int stepIndex, long fromNanos) {
        RolloutStep step = plan.steps().get(stepIndex);
        List<String> cohort = io.sightline.domain.rollout.RolloutCohorts.cohort(plan.vehicleIds(), step.sharePercent());
        Set<String> cohortSet = new TreeSet<>(cohort);
        String challengerPolicyVersion = plan.challengerPolicySha256() == null ? null
                : registry.bySha256(ReleaseStatement.POLICY, plan.challengerPolicySha256()).map(RegistryReadModel.Entry::version).orElse(null);
        String championPolicyVersion = registry.bySha256(ReleaseStatement.POLICY, plan.championPolicySha256())
                .map(RegistryReadModel.Entry::version).orElse(null);
        boolean shadow = RolloutStep.SHADOW.equals(step.kind());
        String canaryModel = plan.challengerModelSha256() != null && !shadow ? plan.challengerModelSha256() : plan.championModelSha256();
        String canaryPolicy = challengerPolicyVersion != null && !shadow ? challengerPolicyVersion : championPolicyVersion;

        Set<String> population = new TreeSet<>(plan.vehicleIds());
        List<Map<String, Object>> rows = jdbc.queryForList("select session_id, vehicle_id, policy_version, model_sha256, started_at_nanos,"
                + " ended_at_nanos from rollout_sessions where fleet_id = ? and started_at_nanos >= ? and ended_at_nanos is not null"
                + " order by started_at_nanos, session_id", plan.fleetId(), fromNanos);
        Map<String, GateContext.SessionStats> canary = new LinkedHashMap<>();
        Map<String, GateContext.SessionStats> control = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            String vehicle = (String) r.get("vehicle_id");
            if (!population.contains(vehicle)) {
                continue;
            }
            String model = (String) r.get("model_sha256");
            String policy = (String) r.get("policy_version");
            boolean inCohort = cohortSet.contains(vehicle);
            boolean onCanary = canaryModel.equals(model) && (canaryPolicy == null || canaryPolicy.equals(policy));
            boolean onChampion = plan.championModelSha256().equals(model) && (championPolicyVersion == null || championPolicyVersion.equals(policy));
            if (inCohort && onCanary) {
                canary.put((String) r.get("session_id"), null);
            } else if (!inCohort && onChampion) {
                control.put((String) r.get("session_id"), null);
            }
        }
        Map<String, long[]> spans = new HashMap<>();
        Map<String, String> vehicles = new HashMap<>();
        for (Map<String, Object> r : rows) {
            spans.put((String) r.get("session_id"), new long[] {((Number) r.get("started_at_nanos")).longValue(),
                    ((Number) r.get("ended_at_nanos")).longValue()});
            vehicles.put((String) r.get("session_id"), (String) r.get("vehicle_id"));
        }
        fill(canary, spans, vehicles);
        fill(control, spans, vehicles);

        List<GateContext.Finding> findings = new ArrayList<>();
        if (plan.challengerModelSha256() != null) {
            jdbc.query("select event_id, kind, stage, vehicle_id, ref from rollout_evidence where fleet_id = ? and kind in ('drift', 'latency-regression')"
                            + " and occurred_at_nanos >= ? and (model_sha256 = ? or vehicle_id = any (?)) order by global_index, event_id",
                    rs -> {
                        String v = rs.getString("vehicle_id");
                        findings.add(new GateContext.Finding(rs.getString("event_id"), rs.getString("kind"),
                                rs.getString("kind") + " " + rs.getString("stage") + (v == null ? "" : " on " + v), v));
                    }, plan.fleetId(), fromNanos, plan.challengerModelSha256(), cohort.toArray(String[]::new));
        } else {
            jdbc.query("select event_id, kind, stage, vehicle_id from rollout_evidence where fleet_id = ? and kind = 'drift'"
                            + " and occurred_at_nanos >= ? and vehicle_id = any (?) order by global_index, event_id",
                    rs -> {
                        findings.add(new GateContext.Finding(rs.getString("event_id"), rs.getString("kind"),
                                rs.getString("kind") + " " + rs.getString("stage") + " on " + rs.getString("vehicle_id"), rs.getString("vehicle_id")));
                    }, plan.fleetId(), fromNanos, cohort.toArray(String[]::new));
        }

        if (plan.challengerModelSha256() != null) {
            // A cohort vehicle that refused the challenger runs the champion, so its session is neither canary nor control:
            // the refusal is read by the cohort's vehicles, whatever they ran.
            jdbc.query("select e.event_id, e.subject, s.vehicle_id from rollout_evidence e join rollout_sessions s on s.session_id = e.session_id"
                            + " where e.kind = 'model-rejected' and e.ref = ? and s.fleet_id = ? and s.vehicle_id = any (?)"
                            + " and e.occurred_at_nanos >= ? order by e.global_index, e.event_id",
                    rs -> {
                        findings.add(new GateContext.Finding(rs.getString("event_id"), "model-rejected",
                                rs.getString("vehicle_id") + ": " + rs.getString("subject"), rs.getString("vehicle_id")));
                    }, plan.challengerModelSha256(), plan.fleetId(), cohort.toArray(String[]::new), fromNanos);
        }
        if (plan.challengerPolicySha256() != null) {
            // The same for a challenger policy: a vehicle that refused it keeps deciding with its last known good.
            jdbc.query("select e.event_id, e.subject, s.vehicle_id from rollout_evidence e join rollout_sessions s on s.session_id = e.session_id"
                            + " where e.kind = 'policy-rejected' and e.ref = ? and s.fleet_id = ? and s.vehicle_id = any (?)"
                            + " and e.occurred_at_nanos >= ? order by e.global_index, e.event_id",
                    rs -> {
                        findings.add(new GateContext.Finding(rs.getString("event_id"), "policy-rejected",
                                rs.getString("vehicle_id") + ": " + rs.getString("subject"), rs.getString("vehicle_id")));
                    }, plan.challengerPolicySha256(), plan.fleetId(), cohort.toArray(String[]::new), fromNanos);
        }

        List<GateContext.Evaluation> evaluations = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        if (plan.challengerModelSha256() != null) {
            ids.addAll(registry.evaluationsOfModel(plan.challengerModelSha256()));
        }
        if (challengerPolicyVersion != null) {
            registry.evaluationsOfPolicy(challengerPolicyVersion).stream().filter(i -> !ids.contains(i)).forEach(ids::add);
        }
        for (String id : ids) {
            jdbc.query("select convert_from(payload, 'UTF8')::jsonb as p from domain_event_entry where event_identifier = ?", rs -> {
                try {
                    com.fasterxml.jackson.databind.JsonNode p = JSON.readTree(rs.getString("p"));
                    evaluations.add(new GateContext.Evaluation(id, p.path("evaluationId").asText(),
                            p.path("gatePassed").isNull() || p.path("gatePassed").isMissingNode() ? null : p.path("gatePassed").asBoolean(),
                            p.path("runs").asInt(), p.path("failedRuns").asInt()));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException("EvaluationCompleted " + id + " is not JSON", e);
                }
            }, id);
        }
        // On a shadow step the canary sessions ran the champion with the challenger beside it: their Shadow… events are the evidence.
        // A policy-only challenger decides on the champion's own detections: its shadow "model" is the champion's (ADR-0043), so
        // its sessions are the ones whose shadow decisions record its policy version (ADR-0043 as amended), as are a model and
        // policy challenger's.
        String shadowModel = plan.challengerModelSha256() != null ? plan.challengerModelSha256() : plan.championModelSha256();
        if (shadow && plan.challengerPolicySha256() != null && challengerPolicyVersion == null) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + ": its challenger policy " + plan.challengerPolicySha256()
                    + " is not in the registry, so the shadow sessions that decided with it cannot be told apart; register it again"
                    + " or roll the rollout back");
        }
        List<GateContext.ShadowSession> shadowSessions = shadow ? shadowEvidence.read(List.copyOf(canary.values()), shadowModel,
                challengerPolicyVersion) : List.of();
        return new GateContext(plan, stepIndex, step, fromNanos, cohort, List.copyOf(canary.values()), List.copyOf(control.values()),
                findings, evaluations, shadowSessions);
    }

    /** A vehicle's first session on the restored champion since a rollback. */
    public record Confirmation(String vehicleId, String sessionId, long startedAtNanos) {

        /** The session's primary {@code ModelActivated}: the edge's id for it (EdgePipeline). */
        public String modelActivatedEventId() {
            return io.sightline.domain.event.EventIds.of(sessionId, "ModelActivated", "primary");
        }

        /** The session's {@code DriveSessionStarted}, which records the policy version the session decides with. */
        public String sessionStartedEventId() {
            return io.sightline.domain.event.EventIds.of(sessionId, "DriveSessionStarted", 0);
        }
    }

    /**
     * The vehicles' confirmations of a rollback (ADR-0044): for each vehicle, its first session
     * started at or after {@code sinceNanos} whose primary model is {@code modelSha256}, whose policy
     * is {@code policyVersion} (when known) and that ran no shadow challenger; vehicles without one
     * are absent.
     */
    public Map<String, Confirmation> confirmations(String fleetId, List<String> vehicleIds, String modelSha256, String policyVersion,
                                                   long sinceNanos) {
        Map<String, Confirmation> confirmed = new LinkedHashMap<>();
        jdbc.query("select distinct on (vehicle_id) vehicle_id, session_id, started_at_nanos from rollout_sessions where fleet_id = ?"
                + " and vehicle_id = any (?) and started_at_nanos >= ? and model_sha256 = ? and (cast(? as text) is null or policy_version = ?)"
                + " and shadow_model_sha256 is null order by vehicle_id, started_at_nanos, session_id", rs -> {
            confirmed.put(rs.getString(1), new Confirmation(rs.getString(1), rs.getString(2), rs.getLong(3)));
        }, fleetId, vehicleIds.toArray(String[]::new), sinceNanos, modelSha256, policyVersion, policyVersion);
        return confirmed;
    }

    /** A vehicle's refusal of a restored version: its {@code ModelRejected} or {@code PolicyRejected}. */
    public record Refusal(String eventId, String kind, String vehicleId, String reason) {
    }

    /**
     * The refusals of the restored model or policy by {@code vehicleIds} since {@code sinceNanos}
     * (edge clock), in stored order.
     */
    public List<Refusal> refusals(String fleetId, List<String> vehicleIds, String modelSha256, String policySha256, long sinceNanos) {
        return jdbc.query("select e.event_id, e.kind, s.vehicle_id, e.subject from rollout_evidence e join rollout_sessions s"
                        + " on s.session_id = e.session_id where s.fleet_id = ? and s.vehicle_id = any (?) and e.occurred_at_nanos >= ?"
                        + " and ((e.kind = 'model-rejected' and e.ref = ?) or (e.kind = 'policy-rejected' and e.ref = ?))"
                        + " order by e.global_index, e.event_id",
                (rs, i) -> new Refusal(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)), fleetId,
                vehicleIds.toArray(String[]::new), sinceNanos, modelSha256, policySha256);
    }

    /** A confirmed alert: its AlertRaised, the review whose TRUE_POSITIVE verdict is the latest on it, its session and vehicle. */
    public record ConfirmedAlert(String alertEventId, String reviewEventId, String sessionId, String vehicleId) {
    }

    /**
     * The fleet's alerts whose latest review is TRUE_POSITIVE, of sessions whose primary model is
     * {@code modelSha256}, newest alert first, at most {@code max} (ADR-0040's replay scope).
     */
    public List<ConfirmedAlert> confirmedAlerts(String fleetId, String modelSha256, int max) {
        return jdbc.query("select * from (select distinct on (r.subject) r.subject, r.event_id, r.ref, r.session_id, s.vehicle_id,"
                + " a.occurred_at_nanos from rollout_evidence r join rollout_sessions s on s.session_id = r.session_id"
                + " join rollout_evidence a on a.event_id = r.subject and a.kind = 'alert'"
                + " where r.kind = 'review' and s.fleet_id = ? and s.model_sha256 = ?"
                + " order by r.subject, r.occurred_at_nanos desc, r.global_index desc) latest"
                + " where ref = 'TRUE_POSITIVE' order by occurred_at_nanos desc, subject limit ?",
                (rs, i) -> new ConfirmedAlert(rs.getString(1), rs.getString(2), rs.getString(4), rs.getString(5)), fleetId, modelSha256, max);
    }

    /** The fleet of a session the rollout evidence knows, or null. */
    public String fleetOfSession(String sessionId) {
        return jdbc.query("select fleet_id from rollout_sessions where session_id = ?", (rs, i) -> rs.getString(1), sessionId).stream()
                .findFirst().orElse(null);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private void fill(Map<String, GateContext.SessionStats> sessions, Map<String, long[]> spans, Map<String, String> vehicles) {
        if (sessions.isEmpty()) {
            return;
        }
        Map<String, Map<String, List<String>>> byKind = new HashMap<>();
        Map<String, Map<String, List<GateContext.WindowP99>>> windows = new HashMap<>();
        String[] ids = sessions.keySet().toArray(String[]::new);
        jdbc.query("select e.event_id, e.kind, e.stage, e.session_id, e.value, e.ref from rollout_evidence e where e.session_id = any (?)"
                + " and e.kind <> 'review' order by e.global_index, e.event_id", rs -> {
            String session = rs.getString("session_id");
            String kind = rs.getString("kind");
            if ("window-p99".equals(kind)) {
                windows.computeIfAbsent(session, k -> new HashMap<>()).computeIfAbsent(rs.getString("stage"), k -> new ArrayList<>())
                        .add(new GateContext.WindowP99(rs.getString("event_id"), (long) rs.getDouble("value")));
            } else {
                byKind.computeIfAbsent(session, k -> new HashMap<>()).computeIfAbsent(kind, k -> new ArrayList<>()).add(rs.getString("event_id"));
            }
        }, (Object) ids);
        // A review belongs to the session of the alert it reviews; the last verdict on an alert counts.
        Map<String, String[]> lastReview = new LinkedHashMap<>();
        jdbc.query("select r.event_id, r.ref, r.subject, r.session_id from rollout_evidence r where r.kind = 'review' and r.session_id = any (?)"
                + " order by r.global_index, r.event_id", rs -> {
            lastReview.put(rs.getString("subject"), new String[] {rs.getString("event_id"), rs.getString("ref"), rs.getString("session_id")});
        }, (Object) ids);
        for (String[] r : lastReview.values()) {
            String kind = "FALSE_POSITIVE".equals(r[1]) ? "fp" : "TRUE_POSITIVE".equals(r[1]) ? "tp" : null;
            if (kind != null) {
                byKind.computeIfAbsent(r[2], k -> new HashMap<>()).computeIfAbsent(kind, k -> new ArrayList<>()).add(r[0]);
            }
        }
        Map<String, io.sightline.cloud.api.SessionReadModel.DrivingTime> driving = sessionsRead.drivingTime(sessions.keySet());
        for (String s : ids) {
            long[] span = spans.get(s);
            Map<String, List<String>> k = byKind.getOrDefault(s, Map.of());
            GateContext.SessionStats stats = new GateContext.SessionStats(s, vehicles.get(s), Math.max(0, span[1] - span[0]) / 3.6e12,
                    k.getOrDefault("alert", List.of()), k.getOrDefault("fp", List.of()), k.getOrDefault("tp", List.of()),
                    k.getOrDefault("fallback", List.of()), k.getOrDefault("inference-failed", List.of()),
                    windows.getOrDefault(s, Map.of()), k.getOrDefault("deadline-missed", List.of()));
            // Driving time where the vehicle's speed was sampled (ADR-0044); read only once the sessions projection has the
            // session's end, so a partly projected session is neither undercounted nor counted by its span meanwhile.
            io.sightline.cloud.api.SessionReadModel.DrivingTime d = driving.get(s);
            if (d != null && d.sampled()) {
                stats = d.ended() ? stats.withExposure(GateContext.SessionStats.DRIVING, d.drivingNanos() / 3.6e12)
                        : stats.withExposure(GateContext.SessionStats.PENDING, 0);
            }
            sessions.put(s, stats);
        }
    }
}
