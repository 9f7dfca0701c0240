package io.sightline.cloud.api;

import io.sightline.domain.evaluation.EvaluationLog;
import io.sightline.domain.evaluation.RecordEvaluation;
import io.sightline.domain.event.EvaluationCompleted;
import io.swagger.v3.oas.annotations.Operation;
import java.util.List;
import java.util.UUID;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/evaluations}: evaluation summaries stored as {@link EvaluationCompleted} events
 * in their policy version's {@link EvaluationLog} (issue 15 §6), for rollouts to cite as gates.
 */
@RestController
@RequestMapping("/api/v1/evaluations")
public class EvaluationsController {

    /** What {@code evaluate --cloud-url} sends: the event's fields but the submitter, which the token says. */
    public record Submission(String evaluationId, String policyVersion, String modelSha256, String suite, String suiteSha256, long seed,
                             int runsPerCell, int families, int runs, int failedRuns, String gate, Boolean gatePassed, int gateBoundsFailed,
                             List<EvaluationCompleted.FamilyResult> familyResults, String tool, long completedAtNanos) {
    }

    public record Stored(String eventId, String logId, String evaluationId) {
    }

    public record Listed(String eventId, long globalIndex, EvaluationCompleted evaluation) {
    }

    private final CommandGateway commands;
    private final EventStore eventStore;

    public EvaluationsController(CommandGateway commands, EventStore eventStore) {
        this.commands = commands;
        this.eventStore = eventStore;
    }

    @Operation(summary = "Store an evaluation's summary (admin)", description = "Stored once per evaluationId in the policy version's"
            + " evaluation log; a resubmission answers 201 again and stores nothing.")
    @PostMapping
    public ResponseEntity<Stored> submit(Authentication authentication, @RequestBody Submission s) {
        if (s.policyVersion() == null || s.policyVersion().isBlank()) {
            throw new IllegalArgumentException("policyVersion is missing");
        }
        String eventId = UUID.randomUUID().toString();
        String logId = EvaluationLog.idFor(s.policyVersion());
        EvaluationCompleted e = new EvaluationCompleted(s.evaluationId(), s.policyVersion(), s.modelSha256(), s.suite(), s.suiteSha256(),
                s.seed(), s.runsPerCell(), s.families(), s.runs(), s.failedRuns(), s.gate(), s.gatePassed(), s.gateBoundsFailed(),
                s.familyResults() == null ? List.of() : s.familyResults(), s.tool(), authentication.getName(), s.completedAtNanos());
        commands.sendAndWait(new RecordEvaluation(logId, eventId, e));
        return ResponseEntity.status(HttpStatus.CREATED).body(new Stored(eventId, logId, s.evaluationId()));
    }

    @Operation(summary = "The evaluations of a policy version, oldest first")
    @GetMapping
    public List<Listed> list(@RequestParam("policyVersion") String policyVersion) {
        return eventStore.readEvents(EvaluationLog.idFor(policyVersion)).asStream()
                .filter(m -> m.getPayload() instanceof EvaluationCompleted)
                .map(m -> new Listed(m.getIdentifier(), m.getSequenceNumber(), (EvaluationCompleted) m.getPayload()))
                .toList();
    }
}
