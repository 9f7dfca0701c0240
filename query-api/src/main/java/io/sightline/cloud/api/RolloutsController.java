package io.sightline.cloud.api;

import io.sightline.cloud.rollout.GateContext;
import io.sightline.cloud.rollout.RolloutConflictException;
import io.sightline.cloud.rollout.RolloutGate;
import io.sightline.cloud.rollout.RolloutGates;
import io.sightline.cloud.rollout.RolloutService;
import io.sightline.cloud.rollout.RolloutState;
import io.sightline.cloud.security.FleetScope;
import io.sightline.domain.event.RolloutGateResult;
import io.sightline.domain.event.RolloutHalted;
import io.sightline.domain.event.RolloutRolledBack;
import io.sightline.domain.rollout.Rollout;
import io.sightline.domain.rollout.RolloutCohorts;
import io.swagger.v3.oas.annotations.Operation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/rollouts} (issue 17 §4): an administrator starts, halts, resumes and rolls back a
 * rollout of the token's fleet; investigators, auditors and administrators read it, its gates as
 * they stand and the trace of a halt or rollback.
 */
@RestController
@RequestMapping("/api/v1/rollouts")
public class RolloutsController {

    public record Control(String reason) {
    }

    private final RolloutService rollouts;
    private final RolloutGates gates;

    public RolloutsController(RolloutService rollouts, RolloutGates gates) {
        this.rollouts = rollouts;
        this.gates = gates;
    }

    @Operation(summary = "Start a rollout (admin)", description = "Refused with nothing stored: an unregistered version, an unknown gate"
            + " or threshold, steps that do not increase or do not end at 100 %, a fleet with an active rollout (409).")
    @PostMapping
    public ResponseEntity<Map<String, Object>> start(Authentication auth, @RequestBody RolloutService.StartRequest request) {
        RolloutState s = rollouts.start(FleetScope.of(auth).fleetId(), request, auth.getName(), Instant.now());
        return ResponseEntity.status(HttpStatus.CREATED).body(view(s, false));
    }

    @Operation(summary = "The fleet's rollouts, newest first")
    @GetMapping
    public List<Map<String, Object>> list(Authentication auth) {
        return rollouts.list(FleetScope.of(auth).fleetId());
    }

    @Operation(summary = "The gates a plan may name, with their versions and default thresholds")
    @GetMapping("/gates")
    public List<Map<String, Object>> gates() {
        List<Map<String, Object>> all = new ArrayList<>();
        for (RolloutGate g : gates.all()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", g.name());
            m.put("version", g.version());
            m.put("description", g.description());
            m.put("defaults", new java.util.TreeMap<>(g.defaults()));
            all.add(m);
        }
        return all;
    }

    @Operation(summary = "A rollout: its plan, steps, cohort, stored events and its gates as they stand now")
    @GetMapping("/{rolloutId}")
    public Map<String, Object> get(Authentication auth, @PathVariable("rolloutId") String rolloutId) {
        return view(rollouts.get(FleetScope.of(auth).fleetId(), rolloutId), true);
    }

    @Operation(summary = "Why a rollout halted or rolled back: the gates' values, thresholds and the events that tripped them")
    @GetMapping("/{rolloutId}/trace")
    public Map<String, Object> trace(Authentication auth, @PathVariable("rolloutId") String rolloutId) {
        RolloutState s = rollouts.get(FleetScope.of(auth).fleetId(), rolloutId);
        RolloutState.Stored outcome = null;
        for (RolloutState.Stored e : s.events()) {
            if (e.payload() instanceof RolloutHalted || e.payload() instanceof RolloutRolledBack) {
                outcome = e;
            }
        }
        if (outcome == null) {
            throw new ResourceNotFoundException("rollout " + rolloutId + " has neither halted nor rolled back (" + s.state() + ")");
        }
        List<RolloutGateResult> results;
        List<String> causes;
        String reason;
        String by;
        if (outcome.payload() instanceof RolloutHalted h) {
            results = h.gateResults();
            causes = h.causes();
            reason = h.reason();
            by = h.haltedBy();
        } else {
            RolloutRolledBack r = (RolloutRolledBack) outcome.payload();
            results = r.gateResults();
            causes = r.causes();
            reason = r.reason();
            by = r.rolledBackBy();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rolloutId", rolloutId);
        m.put("state", s.state());
        m.put("outcome", Map.of("eventId", outcome.eventId(), "type", outcome.type(), "sequence", outcome.sequence(), "event", outcome.payload()));
        m.put("reason", reason);
        m.put("by", by);
        m.put("stepIndex", s.stepIndex());
        m.put("step", s.stepIndex() < 0 ? null : s.plan().steps().get(s.stepIndex()));
        m.put("gates", results);
        m.put("failingGates", results.stream().filter(RolloutGateResult::failed).map(RolloutGateResult::gate).toList());
        m.put("causes", rollouts.causes(causes));
        RolloutService.RollbackStatus confirmation = outcome.payload() instanceof RolloutRolledBack ? rollouts.rollbackStatus(s) : null;
        m.put("confirmations", confirmation == null ? List.of() : rollouts.rollbackConfirmations(confirmation));
        m.put("rollbackConfirmation", confirmationView(s, confirmation));
        m.put("history", s.events().stream().map(e -> Map.of("eventId", e.eventId(), "type", e.type(), "sequence", e.sequence())).toList());
        m.put("narrative", narrative(s, outcome.type(), reason, by, results) + confirmationNarrative(s, confirmation));
        return m;
    }

    /** The rollback's confirmation (ADR-0044): its stored state, the deadline, the vehicles still to confirm and those that refused. */
    private static Map<String, Object> confirmationView(RolloutState s, RolloutService.RollbackStatus c) {
        if (c == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", c.status());
        m.put("deadlineSeconds", c.deadlineSeconds());
        m.put("deadlineAtNanos", c.deadlineAtNanos());
        m.put("restoredVehicles", c.vehicles().size());
        m.put("confirmedVehicles", c.vehicles().size() - c.unconfirmed());
        m.put("unconfirmedVehicleIds", c.vehicles().stream().filter(v -> v.sessionId() == null).map(RolloutService.VehicleConfirmation::vehicleId)
                .toList());
        m.put("refusedVehicleIds", c.vehicles().stream().filter(v -> RolloutService.VehicleConfirmation.REFUSED.equals(v.status()))
                .map(RolloutService.VehicleConfirmation::vehicleId).toList());
        m.put("unconfirmedEventId", s.unconfirmed() == null ? null : s.unconfirmed().eventId());
        m.put("unconfirmedTrigger", s.unconfirmed() == null ? null
                : ((io.sightline.domain.event.RolloutRollbackUnconfirmed) s.unconfirmed().payload()).trigger());
        m.put("confirmedEventId", s.confirmed() == null ? null : s.confirmed().eventId());
        return m;
    }

    private static String confirmationNarrative(RolloutState s, RolloutService.RollbackStatus c) {
        if (c == null) {
            return "";
        }
        int confirmed = c.vehicles().size() - c.unconfirmed();
        boolean refused = s.unconfirmed() != null && io.sightline.domain.event.RolloutRollbackUnconfirmed.REFUSED.equals(
                ((io.sightline.domain.event.RolloutRollbackUnconfirmed) s.unconfirmed().payload()).trigger());
        return switch (c.status()) {
            case Rollout.CONFIRMED -> " Every restored vehicle (" + c.vehicles().size() + ") confirmed the champion.";
            case Rollout.UNCONFIRMED -> refused
                    ? " ALARM: " + c.unconfirmed() + " of " + c.vehicles().size() + " restored vehicles had not confirmed the champion, and every"
                    + " one of them refused it, before the deadline of " + c.deadlineSeconds() + " s after the rollback."
                    : " ALARM: " + c.unconfirmed() + " of " + c.vehicles().size() + " restored vehicles had not confirmed the"
                    + " champion " + c.deadlineSeconds() + " s after the rollback.";
            default -> " " + confirmed + " of " + c.vehicles().size() + " restored vehicles have confirmed the champion so far.";
        };
    }

    private static String narrative(RolloutState s, String type, String reason, String by, List<RolloutGateResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("Rollout ").append(s.plan().rolloutId()).append(RolloutRolledBack.class.getSimpleName().equals(type) ? " was rolled back" : " halted")
                .append(" at step ").append(s.stepIndex());
        if (s.stepIndex() >= 0) {
            sb.append(" (").append(s.plan().steps().get(s.stepIndex()).kind()).append(' ')
                    .append(s.plan().steps().get(s.stepIndex()).sharePercent()).append(" %, ").append(s.cohort(s.stepIndex()).size())
                    .append(" of ").append(s.plan().vehicleIds().size()).append(" vehicles)");
        }
        sb.append(" by ").append(by).append(": ").append(reason).append('.');
        for (RolloutGateResult g : results) {
            if (g.failed()) {
                sb.append(" Gate ").append(g.gate()).append(" v").append(g.version()).append(": ").append(g.values()).append(" against ")
                        .append(g.thresholds()).append(", tripped by ").append(g.causes().size()).append(" event(s).");
            }
        }
        return sb.toString();
    }

    @Operation(summary = "Halt a running rollout (admin): nothing advances until it is resumed or rolled back")
    @PostMapping("/{rolloutId}/halt")
    public Map<String, Object> halt(Authentication auth, @PathVariable("rolloutId") String rolloutId, @RequestBody(required = false) Control c) {
        return view(rollouts.halt(FleetScope.of(auth).fleetId(), rolloutId, c == null ? null : c.reason(), auth.getName(), Instant.now()), false);
    }

    @Operation(summary = "Resume a halted rollout (admin): its step bakes again from now")
    @PostMapping("/{rolloutId}/resume")
    public Map<String, Object> resume(Authentication auth, @PathVariable("rolloutId") String rolloutId) {
        return view(rollouts.resume(FleetScope.of(auth).fleetId(), rolloutId, auth.getName(), Instant.now()), false);
    }

    @Operation(summary = "Roll back a running or halted rollout (admin): the champion is assigned again to every vehicle it changed")
    @PostMapping("/{rolloutId}/rollback")
    public Map<String, Object> rollback(Authentication auth, @PathVariable("rolloutId") String rolloutId,
                                        @RequestBody(required = false) Control c) {
        return view(rollouts.rollback(FleetScope.of(auth).fleetId(), rolloutId, c == null ? null : c.reason(), auth.getName(), Instant.now()),
                false);
    }

    private Map<String, Object> view(RolloutState s, boolean withGates) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rolloutId", s.plan().rolloutId());
        m.put("fleetId", s.plan().fleetId());
        m.put("state", s.state());
        m.put("stepIndex", s.stepIndex());
        m.put("bakeStartedAtNanos", s.bakeStartedAtNanos());
        m.put("bakeEndsAtNanos", s.bakeEndsAtNanos());
        m.put("plan", s.plan());
        List<Map<String, Object>> steps = new ArrayList<>();
        for (int i = 0; i < s.plan().steps().size(); i++) {
            Map<String, Object> step = new LinkedHashMap<>();
            step.put("index", i);
            step.put("kind", s.plan().steps().get(i).kind());
            step.put("sharePercent", s.plan().steps().get(i).sharePercent());
            step.put("bakeSeconds", s.plan().steps().get(i).bakeSeconds());
            step.put("vehicles", s.cohort(i).size());
            step.put("status", i < s.stepIndex() ? "done" : i == s.stepIndex() ? s.state() : "pending");
            steps.add(step);
        }
        m.put("steps", steps);
        List<String> cohort = s.cohort(s.stepIndex());
        List<Map<String, Object>> vehicles = new ArrayList<>();
        for (String v : s.plan().vehicleIds()) {
            vehicles.add(Map.of("vehicleId", v, "cohortHash", RolloutCohorts.hashOf(v).substring(0, 16), "inCohort", cohort.contains(v)));
        }
        m.put("cohort", cohort);
        m.put("vehicles", vehicles);
        m.put("rollbackConfirmation", confirmationView(s, rollouts.rollbackStatus(s)));
        m.put("events", s.events().stream().map(e -> Map.of("eventId", e.eventId(), "type", e.type(), "sequence", e.sequence(),
                "event", e.payload())).toList());
        if (withGates && s.active() && s.stepIndex() >= 0) {
            GateContext c = rollouts.context(s);
            m.put("gates", rollouts.evaluate(s, c));
            m.put("evidence", Map.of("canarySessions", c.canary().size(), "controlSessions", c.control().size(), "findings", c.findings().size(),
                    "evaluations", c.evaluations().size()));
        } else {
            m.put("gates", lastGates(s));
        }
        return m;
    }

    /** A finished rollout shows the gates its last decision recorded. */
    private static List<RolloutGateResult> lastGates(RolloutState s) {
        List<RolloutGateResult> last = List.of();
        for (RolloutState.Stored e : s.events()) {
            if (e.payload() instanceof io.sightline.domain.event.RolloutStepAdvanced a && !a.gateResults().isEmpty()) {
                last = a.gateResults();
            } else if (e.payload() instanceof RolloutHalted h) {
                last = h.gateResults();
            } else if (e.payload() instanceof RolloutRolledBack r) {
                last = r.gateResults();
            } else if (e.payload() instanceof io.sightline.domain.event.RolloutCompleted c) {
                last = c.gateResults();
            }
        }
        return last;
    }

    @ExceptionHandler({RolloutConflictException.class, IllegalStateException.class})
    public ResponseEntity<ProblemDetail> conflict(RuntimeException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
        problem.setTitle("Rollout conflict");
        return ResponseEntity.status(HttpStatus.CONFLICT).body(problem);
    }
}
