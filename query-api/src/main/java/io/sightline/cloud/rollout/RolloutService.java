package io.sightline.cloud.rollout;

import io.sightline.cloud.api.ResourceNotFoundException;
import io.sightline.cloud.registry.RegistryReadModel;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.RolloutGateConfig;
import io.sightline.domain.event.RolloutGateResult;
import io.sightline.domain.event.RolloutStarted;
import io.sightline.domain.event.RolloutStep;
import io.sightline.domain.event.VehicleAssigned;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.domain.rollout.AdvanceRollout;
import io.sightline.domain.rollout.AssignVehicle;
import io.sightline.domain.rollout.CompleteRollout;
import io.sightline.domain.rollout.ConfirmRollback;
import io.sightline.domain.rollout.HaltRollout;
import io.sightline.domain.rollout.RecordRollbackUnconfirmed;
import io.sightline.domain.rollout.ResumeRollout;
import io.sightline.domain.rollout.RollBackRollout;
import io.sightline.domain.rollout.Rollout;
import io.sightline.domain.rollout.RolloutCohorts;
import io.sightline.domain.rollout.StartRollout;
import io.sightline.domain.rollout.VehicleAssignment;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * Starts, reads, checks and controls rollouts (issue 17 §4, ADR-0026). Every decision is taken on
 * the rollout as its stored events say it is and sent to the {@link Rollout} aggregate, which refuses
 * a decision the state has moved past; assignments are made before the step event that records them
 * (and a repeat of an assignment stores nothing), so a cloud that stops anywhere in between repeats
 * the same decision when it comes back, and neither repeats a step nor skips one.
 */
@Service
public class RolloutService {

    public static final String SCHEDULER = "rollout-scheduler";
    public static final List<RolloutStep> DEFAULT_STEPS = List.of(new RolloutStep(RolloutStep.CANARY, 1, 3600),
            new RolloutStep(RolloutStep.CANARY, 10, 3600), new RolloutStep(RolloutStep.CANARY, 50, 3600),
            new RolloutStep(RolloutStep.CANARY, 100, 3600));
    /**
     * How long after a rollback, on the cloud's clock, every restored vehicle has to confirm the
     * champion before {@code RolloutRollbackUnconfirmed} is raised (ADR-0044):
     * {@code sightline.rollouts.rollback-confirmation-deadline}.
     */
    public static final Duration DEFAULT_ROLLBACK_CONFIRMATION_DEADLINE = Duration.ofHours(24);
    private static final Logger LOG = LoggerFactory.getLogger(RolloutService.class);
    private static final String ASSIGNED = "io.sightline.domain.event.VehicleAssigned";
    /** V15's partial unique index: one RUNNING or HALTED rollout per fleet. */
    static final String ONE_ACTIVE_INDEX = "rollouts_one_active_per_fleet";

    public record GateRequest(String name, Map<String, Double> thresholds) {
    }

    public record StartRequest(String rolloutId, String championModelSha256, String championPolicySha256, String challengerModelSha256,
                               String challengerPolicySha256, List<RolloutStep> steps, List<GateRequest> gates, String onGateFailure) {
    }

    /** What one check of a rollout decided. */
    public record Decision(String rolloutId, String action, int stepIndex, List<RolloutGateResult> gates) {
    }

    private final CommandGateway commands;
    private final EventStore eventStore;
    private final JdbcTemplate jdbc;
    private final RegistryReadModel registry;
    private final RolloutGates gates;
    private final RolloutEvidenceReader evidence;
    private final ReviewedAlertReplays replays;
    private final Duration confirmationDeadline;

    public RolloutService(CommandGateway commands, EventStore eventStore, JdbcTemplate jdbc, RegistryReadModel registry, RolloutGates gates,
                          RolloutEvidenceReader evidence, ReviewedAlertReplays replays,
                          @Value("${sightline.rollouts.rollback-confirmation-deadline:PT24H}") Duration confirmationDeadline) {
        if (confirmationDeadline.isNegative()) {
            throw new IllegalArgumentException("sightline.rollouts.rollback-confirmation-deadline must not be negative, got " + confirmationDeadline);
        }
        this.confirmationDeadline = confirmationDeadline;
        this.replays = replays;
        this.commands = commands;
        this.eventStore = eventStore;
        this.jdbc = jdbc;
        this.registry = registry;
        this.gates = gates;
        this.evidence = evidence;
    }

    static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    // ---------------------------------------------------------------- start

    public RolloutState start(String fleetId, StartRequest r, String by, Instant now) {
        if (r.challengerModelSha256() == null && r.challengerPolicySha256() == null) {
            throw new IllegalArgumentException("a rollout needs a challengerModelSha256, a challengerPolicySha256 or both");
        }
        List<String> causes = new ArrayList<>();
        if (r.challengerModelSha256() != null) {
            causes.add(requireRegistered(ReleaseStatement.MODEL, "challengerModelSha256", r.challengerModelSha256()).eventId());
        }
        if (r.challengerPolicySha256() != null) {
            causes.add(requireRegistered(ReleaseStatement.POLICY, "challengerPolicySha256", r.challengerPolicySha256()).eventId());
        }
        List<RolloutGateConfig> configured = new ArrayList<>();
        if (r.gates() == null) {
            configured.addAll(gates.defaults());
        } else {
            for (GateRequest g : r.gates()) {
                configured.add(gates.configure(g.name(), g.thresholds()));
            }
        }
        List<RolloutStep> steps = r.steps() == null ? DEFAULT_STEPS : r.steps();
        Rollout.checkSteps(steps);
        requireNoActiveRollout(fleetId);

        Map<String, VehicleAssigned> current = currentAssignments(fleetId);
        String championModel = r.championModelSha256();
        String championPolicy = r.championPolicySha256();
        if (championModel == null || championPolicy == null) {
            // The fleet's most common assignment without a challenger: what "the champion" means to its operator.
            Optional<Map.Entry<List<String>, Long>> common = current.values().stream()
                    .filter(a -> a.challengerModelSha256() == null && a.challengerPolicySha256() == null)
                    .collect(Collectors.groupingBy(a -> List.of(a.championModelSha256(), a.championPolicySha256()), Collectors.counting()))
                    .entrySet().stream().max(Map.Entry.<List<String>, Long>comparingByValue()
                            .thenComparing(e -> e.getKey().toString(), Comparator.reverseOrder()));
            if (common.isEmpty()) {
                throw new IllegalArgumentException("fleet " + fleetId + " has no vehicle with an assignment; assign the champion first"
                        + " (PUT /api/v1/assignments/" + fleetId + "/{vehicle})");
            }
            championModel = championModel == null ? common.get().getKey().get(0) : championModel;
            championPolicy = championPolicy == null ? common.get().getKey().get(1) : championPolicy;
        }
        requireRegistered(ReleaseStatement.MODEL, "championModelSha256", championModel);
        requireRegistered(ReleaseStatement.POLICY, "championPolicySha256", championPolicy);
        String cm = championModel;
        String cp = championPolicy;
        List<String> population = RolloutCohorts.order(current.values().stream()
                .filter(a -> a.championModelSha256().equals(cm) && a.championPolicySha256().equals(cp) && a.challengerModelSha256() == null
                        && a.challengerPolicySha256() == null)
                .map(VehicleAssigned::vehicleId).toList());
        long at = nanos(now);
        String rolloutId = r.rolloutId() != null ? r.rolloutId() : fleetId + "-" + HexFormat.of().formatHex(
                sha256(fleetId + "\n" + r.challengerModelSha256() + "\n" + r.challengerPolicySha256() + "\n" + at)).substring(0, 12);
        RolloutStarted started = new RolloutStarted(rolloutId, fleetId, championModel, championPolicy, r.challengerModelSha256(),
                r.challengerPolicySha256(), steps, configured, r.onGateFailure() == null ? RolloutStarted.ROLLBACK : r.onGateFailure(),
                RolloutCohorts.HASH, population, by, at, causes);
        Rollout.check(started);
        if (!eventStore.readEvents(Rollout.idFor(rolloutId)).asStream().findAny().isEmpty()) {
            throw new RolloutConflictException("rollout " + rolloutId + " already exists; choose another rolloutId");
        }
        try {
            commands.sendAndWait(new StartRollout(Rollout.idFor(rolloutId), started));
        } catch (RuntimeException e) {
            // Two starts at once both pass the check above; the index refuses the second with its event.
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof DataIntegrityViolationException && String.valueOf(t.getMessage()).contains(ONE_ACTIVE_INDEX)) {
                    throw new RolloutConflictException("fleet " + fleetId + " already has an active rollout; halt it, roll it back or let it complete");
                }
            }
            throw e;
        }
        return load(rolloutId).orElseThrow();
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private RegistryReadModel.Entry requireRegistered(String kind, String field, String sha256) {
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException(field + " must be the sha256 of a registered " + kind + ", got " + sha256);
        }
        return registry.bySha256(kind, sha256).orElseThrow(() -> new IllegalArgumentException(field + " " + sha256
                + " is not a registered " + kind + "; register it first (./sightline registry add-" + kind + ")"));
    }

    private void requireNoActiveRollout(String fleetId) {
        List<String> active = jdbc.queryForList("select rollout_id from rollouts where fleet_id = ? and state in ('RUNNING', 'HALTED')",
                String.class, fleetId);
        if (!active.isEmpty()) {
            throw new RolloutConflictException("fleet " + fleetId + " already has an active rollout (" + active.get(0)
                    + "); halt it, roll it back or let it complete before starting another");
        }
    }

    /** The latest assignment of every vehicle of the fleet, from the event store. */
    public Map<String, VehicleAssigned> currentAssignments(String fleetId) {
        String prefix = VehicleAssignment.idFor(fleetId, "").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
        Map<String, VehicleAssigned> byVehicle = new java.util.TreeMap<>();
        jdbc.query("select distinct on (aggregate_identifier) aggregate_identifier from domain_event_entry where aggregate_identifier like ?"
                + " and payload_type = ? order by aggregate_identifier, sequence_number desc", rs -> {
            latestAssignment(rs.getString(1)).ifPresent(a -> byVehicle.put(a.vehicleId(), a));
        }, prefix + "%", ASSIGNED);
        return byVehicle;
    }

    private Optional<VehicleAssigned> latestAssignment(String assignmentId) {
        return eventStore.readEvents(assignmentId).asStream().map(m -> m.getPayload()).filter(VehicleAssigned.class::isInstance)
                .map(VehicleAssigned.class::cast).reduce((a, b) -> b);
    }

    // ---------------------------------------------------------------- read

    public Optional<RolloutState> load(String rolloutId) {
        List<DomainEventMessage<?>> messages = new ArrayList<>();
        eventStore.readEvents(Rollout.idFor(rolloutId)).asStream().forEach(messages::add);
        return Optional.ofNullable(RolloutState.of(messages));
    }

    /** A rollout of the caller's fleet; another fleet's is not found, so its existence leaks nothing. */
    public RolloutState get(String fleetId, String rolloutId) {
        return load(rolloutId).filter(s -> s.plan().fleetId().equals(fleetId))
                .orElseThrow(() -> new ResourceNotFoundException("no rollout " + rolloutId + " in fleet " + fleetId));
    }

    public List<Map<String, Object>> list(String fleetId) {
        return jdbc.queryForList("select rollout_id as \"rolloutId\", fleet_id as \"fleetId\", state, step_index as \"stepIndex\", steps,"
                + " rollback_confirmation as \"rollbackConfirmation\", rollback_unconfirmed_vehicles as \"rollbackUnconfirmedVehicles\","
                + " champion_model_sha256 as \"championModelSha256\", champion_policy_sha256 as \"championPolicySha256\","
                + " challenger_model_sha256 as \"challengerModelSha256\", challenger_policy_sha256 as \"challengerPolicySha256\","
                + " vehicles, started_by as \"startedBy\", started_at_nanos as \"startedAtNanos\", updated_at_nanos as \"updatedAtNanos\""
                + " from rollouts where fleet_id = ? order by started_at_nanos desc, rollout_id", fleetId);
    }

    /** The gates on the rollout's current step as the evidence stands now; empty before the first step. */
    public List<RolloutGateResult> evaluate(RolloutState s) {
        return s.stepIndex() < 0 ? List.of() : evaluate(s, context(s));
    }

    /** The gates on evidence already read, so a caller that shows the evidence too reads it once. */
    public List<RolloutGateResult> evaluate(RolloutState s, GateContext context) {
        List<RolloutGateResult> results = new ArrayList<>();
        for (RolloutGateConfig g : s.plan().gates()) {
            RolloutGate gate = gates.byName(g.name()).orElseThrow(() -> new IllegalStateException("rollout " + s.plan().rolloutId()
                    + " names gate " + g.name() + ", which this build does not have"));
            if (!gate.judges(g.version())) {
                throw new IllegalStateException("rollout " + s.plan().rolloutId() + " was started with " + g.name() + " version " + g.version()
                        + "; this build has version " + gate.version());
            }
            results.add(gate.evaluate(context, g.thresholds()));
        }
        return results;
    }

    public GateContext context(RolloutState s) {
        GateContext c = evidence.read(s.plan(), Math.max(0, s.stepIndex()), s.bakeStartedAtNanos());
        // Confirmed alerts of sessions without the shadow are judged on a shadow step, by replay (ADR-0040).
        return c.shadowStep() && s.stepIndex() >= 0 ? c.withReplays(replays.summary(s, shadowed(c))) : c;
    }

    private static Set<String> shadowed(GateContext c) {
        Set<String> ids = new java.util.HashSet<>();
        c.shadow().forEach(x -> ids.add(x.sessionId()));
        return ids;
    }

    // ---------------------------------------------------------------- check

    /** One check of every running rollout, and of every rollback the vehicles have not all confirmed yet. */
    public List<Decision> tick(Instant now) {
        List<Decision> decisions = new ArrayList<>();
        for (String id : jdbc.queryForList("select rollout_id from rollouts where state = 'RUNNING' order by started_at_nanos, rollout_id",
                String.class)) {
            try {
                decisions.add(check(id, now));
            } catch (RuntimeException e) {
                // One rollout's trouble (a vehicle that cannot be assigned, a gate this build lacks) must not stop the others.
                LOG.warn("rollout {} could not be checked: {}", id, e.toString());
                decisions.add(new Decision(id, "error: " + e.getMessage(), -1, List.of()));
            }
        }
        for (String id : rollbacksToConfirm()) {
            try {
                decisions.add(checkConfirmation(id, now));
            } catch (RuntimeException e) {
                LOG.warn("rollback of rollout {} could not be checked: {}", id, e.toString());
                decisions.add(new Decision(id, "error: " + e.getMessage(), -1, List.of()));
            }
        }
        return decisions;
    }

    // ---------------------------------------------------------------- rollback confirmation (ADR-0044)

    /** One restored vehicle: {@code CONFIRMED} (with its session), {@code REFUSED} (with its refusals) or {@code WAITING}. */
    public record VehicleConfirmation(String vehicleId, String status, String sessionId, String modelActivatedEventId,
                                      List<RolloutEvidenceReader.Refusal> refusals) {
        public static final String CONFIRMED = "CONFIRMED";
        public static final String REFUSED = "REFUSED";
        public static final String WAITING = "WAITING";
    }

    /**
     * A rollback's confirmation as the stored events and sessions stand now.
     *
     * @param status     the stored state: PENDING, UNCONFIRMED or CONFIRMED
     * @param unconfirmed the restored vehicles without a confirming session now
     */
    public record RollbackStatus(String rolloutId, String fleetId, String status, long rolledBackAtNanos, long deadlineSeconds,
                                 long deadlineAtNanos, List<VehicleConfirmation> vehicles, int unconfirmed) {
    }

    /** The rollouts rolled back whose vehicles have not all confirmed: PENDING or UNCONFIRMED. */
    public List<String> rollbacksToConfirm() {
        return jdbc.queryForList("select rollout_id from rollouts where state = 'ROLLED_BACK' and rollback_confirmation in ('PENDING',"
                + " 'UNCONFIRMED') order by started_at_nanos, rollout_id", String.class);
    }

    public Duration confirmationDeadline() {
        return confirmationDeadline;
    }

    /** The confirmation of a rolled-back rollout, or null when it was not rolled back. */
    public RollbackStatus rollbackStatus(RolloutState s) {
        if (s.rolledBack() == null) {
            return null;
        }
        io.sightline.domain.event.RolloutRolledBack r = (io.sightline.domain.event.RolloutRolledBack) s.rolledBack().payload();
        List<String> vehicles = r.restoredVehicleIds();
        String policyVersion = registry.bySha256(ReleaseStatement.POLICY, r.restoredPolicySha256()).map(RegistryReadModel.Entry::version)
                .orElse(null);
        Map<String, RolloutEvidenceReader.Confirmation> confirmed = vehicles.isEmpty() ? Map.of()
                : evidence.confirmations(s.plan().fleetId(), vehicles, r.restoredModelSha256(), policyVersion, r.rolledBackAtNanos());
        Map<String, List<RolloutEvidenceReader.Refusal>> refused = new LinkedHashMap<>();
        if (!vehicles.isEmpty()) {
            for (RolloutEvidenceReader.Refusal x : evidence.refusals(s.plan().fleetId(), vehicles, r.restoredModelSha256(),
                    r.restoredPolicySha256(), r.rolledBackAtNanos())) {
                refused.computeIfAbsent(x.vehicleId(), k -> new ArrayList<>()).add(x);
            }
        }
        List<VehicleConfirmation> out = new ArrayList<>();
        int unconfirmed = 0;
        for (String v : vehicles) {
            RolloutEvidenceReader.Confirmation c = confirmed.get(v);
            List<RolloutEvidenceReader.Refusal> refusals = List.copyOf(refused.getOrDefault(v, List.of()));
            if (c != null) {
                out.add(new VehicleConfirmation(v, VehicleConfirmation.CONFIRMED, c.sessionId(), c.modelActivatedEventId(), refusals));
            } else {
                unconfirmed++;
                out.add(new VehicleConfirmation(v, refusals.isEmpty() ? VehicleConfirmation.WAITING : VehicleConfirmation.REFUSED, null, null,
                        refusals));
            }
        }
        long deadlineSeconds = confirmationDeadline.toSeconds();
        return new RollbackStatus(s.plan().rolloutId(), s.plan().fleetId(), s.confirmation(), r.rolledBackAtNanos(), deadlineSeconds,
                r.rolledBackAtNanos() + deadlineSeconds * 1_000_000_000L, out, unconfirmed);
    }

    /**
     * One check of a rollback's confirmation: {@code RolloutRollbackConfirmed} once every restored
     * vehicle has confirmed, else {@code RolloutRollbackUnconfirmed} once the deadline has passed or,
     * sooner, once every vehicle not yet confirmed has refused the champion (a refusing vehicle keeps
     * its last known good, so waiting gains nothing; ADR-0044 as amended). A vehicle that is silent
     * keeps the wait to the deadline. Both are decided from the stored sessions and sent to the
     * aggregate, which stores each at most once, so a restarted cloud or a second replica repeats the
     * decision without a second event.
     */
    public Decision checkConfirmation(String rolloutId, Instant now) {
        RolloutState s = load(rolloutId).orElseThrow();
        long at = nanos(now);
        if (s.rolledBack() == null || Rollout.CONFIRMED.equals(s.confirmation())) {
            return new Decision(rolloutId, "none: " + s.state() + (s.confirmation() == null ? "" : " " + s.confirmation()), s.stepIndex(), List.of());
        }
        RollbackStatus status = rollbackStatus(s);
        if (status.unconfirmed() == 0) {
            List<String> causes = new ArrayList<>();
            boolean policy = s.plan().challengerPolicySha256() != null;
            for (VehicleConfirmation v : status.vehicles()) {
                causes.add(v.modelActivatedEventId());
                if (policy) {
                    // A policy rollout is confirmed by the policy the session decides with, which its DriveSessionStarted records.
                    causes.add(EventIds.of(v.sessionId(), "DriveSessionStarted", 0));
                }
            }
            commands.sendAndWait(new ConfirmRollback(Rollout.idFor(rolloutId), status.vehicles().stream().map(VehicleConfirmation::vehicleId).toList(),
                    status.vehicles().stream().map(VehicleConfirmation::sessionId).toList(), causes, SCHEDULER, at));
            return new Decision(rolloutId, "rollback confirmed", s.stepIndex(), List.of());
        }
        List<VehicleConfirmation> waiting = status.vehicles().stream().filter(v -> v.sessionId() == null).toList();
        boolean allRefused = waiting.stream().allMatch(v -> VehicleConfirmation.REFUSED.equals(v.status()));
        if (Rollout.PENDING.equals(s.confirmation()) && (at >= status.deadlineAtNanos() || allRefused)) {
            commands.sendAndWait(new RecordRollbackUnconfirmed(Rollout.idFor(rolloutId), status.deadlineSeconds(),
                    waiting.stream().map(VehicleConfirmation::vehicleId).toList(),
                    waiting.stream().filter(v -> !v.refusals().isEmpty()).map(VehicleConfirmation::vehicleId).toList(),
                    waiting.stream().flatMap(v -> v.refusals().stream()).map(RolloutEvidenceReader.Refusal::eventId).toList(), SCHEDULER, at));
            return new Decision(rolloutId, "rollback unconfirmed", s.stepIndex(), List.of());
        }
        return new Decision(rolloutId, "rollback " + s.confirmation().toLowerCase() + ": " + status.unconfirmed() + " of "
                + status.vehicles().size() + " vehicles to confirm", s.stepIndex(), List.of());
    }

    public Decision check(String rolloutId, Instant now) {
        RolloutState s = load(rolloutId).orElseThrow();
        long at = nanos(now);
        if (!io.sightline.domain.rollout.Rollout.RUNNING.equals(s.state())) {
            return new Decision(rolloutId, "none: " + s.state(), s.stepIndex(), List.of());
        }
        if (s.stepIndex() < 0) {
            assignStep(s, 0);
            commands.sendAndWait(new AdvanceRollout(Rollout.idFor(rolloutId), 0, List.of(), SCHEDULER, at));
            return new Decision(rolloutId, "advanced", 0, List.of());
        }
        GateContext context = context(s);
        if (context.shadowStep() && replays.replayPending(s, shadowed(context), at) > 0) {
            // The replays are stored events of the rollout: read it again so the gates see them.
            s = load(rolloutId).orElseThrow();
            context = context(s);
        }
        List<RolloutGateResult> results = evaluate(s, context);
        List<RolloutGateResult> failing = results.stream().filter(RolloutGateResult::failed).toList();
        if (!failing.isEmpty()) {
            Set<String> causes = new LinkedHashSet<>();
            failing.forEach(g -> causes.addAll(g.causes()));
            String reason = "gate " + failing.stream().map(g -> g.gate() + " failed: " + g.detail()).collect(Collectors.joining("; gate "));
            if (RolloutStarted.HALT.equals(s.plan().onGateFailure())) {
                commands.sendAndWait(new HaltRollout(Rollout.idFor(rolloutId), s.stepIndex(), reason, results, List.copyOf(causes), SCHEDULER, at));
                return new Decision(rolloutId, "halted", s.stepIndex(), results);
            }
            restore(s);
            commands.sendAndWait(new RollBackRollout(Rollout.idFor(rolloutId), s.stepIndex(), reason, results, List.copyOf(causes), SCHEDULER, at));
            return new Decision(rolloutId, "rolled back", s.stepIndex(), results);
        }
        if (at < s.bakeEndsAtNanos() || !results.stream().allMatch(RolloutGateResult::allowsAdvance)) {
            return new Decision(rolloutId, at < s.bakeEndsAtNanos() ? "baking" : "holding", s.stepIndex(), results);
        }
        if (s.lastStep()) {
            commands.sendAndWait(new CompleteRollout(Rollout.idFor(rolloutId), s.stepIndex(), results, SCHEDULER, at));
            return new Decision(rolloutId, "completed", s.stepIndex(), results);
        }
        assignStep(s, s.stepIndex() + 1);
        commands.sendAndWait(new AdvanceRollout(Rollout.idFor(rolloutId), s.stepIndex() + 1, results, SCHEDULER, at));
        return new Decision(rolloutId, "advanced", s.stepIndex() + 1, results);
    }

    private String assignedBy(RolloutStarted plan) {
        return "rollout:" + plan.rolloutId();
    }

    /**
     * Gives step {@code step}'s cohort the challenger, and takes the shadow off the vehicles of a
     * shadow step that the first canary step does not include.
     */
    private void assignStep(RolloutState s, int step) {
        RolloutStarted p = s.plan();
        RolloutStep target = p.steps().get(step);
        Set<String> cohort = new LinkedHashSet<>(s.cohort(step));
        Set<String> touched = new LinkedHashSet<>(cohort);
        touched.addAll(s.cohort(step - 1));
        long at = nanos(Instant.now());
        for (String vehicle : touched) {
            String model = p.championModelSha256();
            String policy = p.championPolicySha256();
            String challenger = null;
            String challengerPolicy = null;
            String mode = null;
            if (cohort.contains(vehicle)) {
                if (RolloutStep.SHADOW.equals(target.kind())) {
                    // The plan's challenger as it is: a model, a policy (decided on the champion's detections, ADR-0043) or both.
                    challenger = p.challengerModelSha256();
                    challengerPolicy = p.challengerPolicySha256();
                    mode = "shadow";
                } else {
                    model = p.challengerModelSha256() != null ? p.challengerModelSha256() : model;
                    policy = p.challengerPolicySha256() != null ? p.challengerPolicySha256() : policy;
                }
            }
            commands.sendAndWait(new AssignVehicle(VehicleAssignment.idFor(p.fleetId(), vehicle),
                    EventIds.of(Rollout.idFor(p.rolloutId()), "VehicleAssigned", vehicle + "/step-" + step), p.fleetId(), vehicle, model, policy,
                    challenger, challengerPolicy, mode, assignedBy(p), at));
        }
    }

    /**
     * Gives the champion back to every vehicle this rollout assigned and nobody re-assigned since:
     * the cohort of the step reached, and of the next one in case the cloud stopped between its
     * assignments and its event.
     */
    private void restore(RolloutState s) {
        RolloutStarted p = s.plan();
        Set<String> touched = new LinkedHashSet<>(s.cohort(Math.min(s.stepIndex() + 1, p.steps().size() - 1)));
        long at = nanos(Instant.now());
        for (String vehicle : touched) {
            Optional<VehicleAssigned> a = latestAssignment(VehicleAssignment.idFor(p.fleetId(), vehicle));
            if (a.isEmpty() || !assignedBy(p).equals(a.get().assignedBy())) {
                continue;
            }
            commands.sendAndWait(new AssignVehicle(VehicleAssignment.idFor(p.fleetId(), vehicle),
                    EventIds.of(Rollout.idFor(p.rolloutId()), "VehicleAssigned", vehicle + "/rollback"), p.fleetId(), vehicle,
                    p.championModelSha256(), p.championPolicySha256(), null, null, null, assignedBy(p), at));
        }
    }

    // ---------------------------------------------------------------- controls

    public RolloutState halt(String fleetId, String rolloutId, String reason, String by, Instant now) {
        RolloutState s = get(fleetId, rolloutId);
        requireState(s, "halt", io.sightline.domain.rollout.Rollout.RUNNING);
        commands.sendAndWait(new HaltRollout(Rollout.idFor(rolloutId), s.stepIndex(), reason == null ? "halted by " + by : reason,
                s.stepIndex() < 0 ? List.of() : evaluate(s), List.of(), by, nanos(now)));
        return load(rolloutId).orElseThrow();
    }

    public RolloutState resume(String fleetId, String rolloutId, String by, Instant now) {
        RolloutState s = get(fleetId, rolloutId);
        requireState(s, "resume", io.sightline.domain.rollout.Rollout.HALTED);
        commands.sendAndWait(new ResumeRollout(Rollout.idFor(rolloutId), by, nanos(now)));
        return load(rolloutId).orElseThrow();
    }

    public RolloutState rollback(String fleetId, String rolloutId, String reason, String by, Instant now) {
        RolloutState s = get(fleetId, rolloutId);
        if (!s.active()) {
            throw new RolloutConflictException("rollout " + rolloutId + " is " + s.state() + "; only a running or halted rollout rolls back");
        }
        restore(s);
        commands.sendAndWait(new RollBackRollout(Rollout.idFor(rolloutId), s.stepIndex(), reason == null ? "rolled back by " + by : reason,
                s.stepIndex() < 0 ? List.of() : evaluate(s), List.of(), by, nanos(now)));
        return load(rolloutId).orElseThrow();
    }

    private static void requireState(RolloutState s, String action, String expected) {
        if (!Objects.equals(s.state(), expected)) {
            throw new RolloutConflictException("rollout " + s.plan().rolloutId() + " is " + s.state() + "; only a "
                    + expected.toLowerCase() + " rollout can " + action);
        }
    }

    // ---------------------------------------------------------------- trace

    /**
     * After a rollback, each restored vehicle with its status and the {@code ModelActivated} by
     * which it confirmed the champion (its first session on the champion since the rollback), or
     * null while it has not, and its refusals of the champion.
     */
    public List<Map<String, Object>> rollbackConfirmations(RollbackStatus status) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (VehicleConfirmation v : status.vehicles()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("vehicleId", v.vehicleId());
            m.put("status", v.status());
            m.put("sessionId", v.sessionId());
            m.put("modelActivatedEventId", v.modelActivatedEventId());
            m.put("refusals", v.refusals());
            out.add(m);
        }
        return out;
    }

    /** The stored events a halt's or rollback's causes name, decoded, in the order the causes list them. */
    public List<Map<String, Object>> causes(List<String> eventIds) {
        if (eventIds.isEmpty()) {
            return List.of();
        }
        Map<String, Map<String, Object>> byId = new LinkedHashMap<>();
        jdbc.query("select event_identifier, aggregate_identifier, sequence_number, payload_type, time_stamp,"
                + " convert_from(payload, 'UTF8') as payload from domain_event_entry where event_identifier = any (?)", rs -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("eventId", rs.getString("event_identifier"));
            String type = rs.getString("payload_type");
            e.put("type", type.substring(type.lastIndexOf('.') + 1));
            e.put("aggregateId", rs.getString("aggregate_identifier"));
            e.put("sequence", rs.getLong("sequence_number"));
            e.put("storedAt", rs.getString("time_stamp"));
            try {
                e.put("payload", JSON.readTree(rs.getString("payload")));
            } catch (com.fasterxml.jackson.core.JsonProcessingException x) {
                e.put("payload", rs.getString("payload"));
            }
            byId.put(rs.getString("event_identifier"), e);
        }, (Object) eventIds.toArray(String[]::new));
        List<Map<String, Object>> ordered = new ArrayList<>();
        for (String id : eventIds) {
            ordered.add(byId.getOrDefault(id, Map.of("eventId", id, "type", "not stored")));
        }
        return ordered;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
}
