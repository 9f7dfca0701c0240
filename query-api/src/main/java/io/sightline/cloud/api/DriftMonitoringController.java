package io.sightline.cloud.api;

import io.sightline.cloud.monitoring.drift.DriftFeature;
import io.sightline.cloud.monitoring.drift.DriftPolicy;
import io.sightline.cloud.security.FleetScope;
import io.sightline.domain.event.DriftReferencePinned;
import io.sightline.domain.monitoring.DriftLog;
import io.sightline.domain.monitoring.PinDriftReference;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/monitoring/drift}: the drift monitor's findings and latest comparisons, for the caller's fleet (docs/monitoring.md). */
@RestController
@RequestMapping("/api/v1/monitoring/drift")
public class DriftMonitoringController {

    public record Feature(String id, String kind, String unit, String description) {
    }

    /** @param alertIds alerts raised in the finding's current window: their traces list the finding ({@code driftInForce}) */
    public record FindingView(DriftReadModel.Finding finding, List<String> alertIds) {
    }

    public record Report(DriftPolicy policy, List<Feature> features, List<DriftReadModel.Status> status, List<FindingView> findings) {
    }

    /** What an administrator sends to pin a scope's reference window. */
    public record PinRequest(String scope, String scopeKey, List<String> sessionIds, String note) {
    }

    public record Pinned(String eventId, String logId, int sessions) {
    }

    private final DriftReadModel drift;
    private final CommandGateway commands;
    private final DriftPolicy policy;
    private final AlertReadModel alerts;

    public DriftMonitoringController(DriftReadModel drift, DriftPolicy policy, AlertReadModel alerts, CommandGateway commands) {
        this.drift = drift;
        this.commands = commands;
        this.policy = policy;
        this.alerts = alerts;
    }

    @Operation(summary = "Drift of the fleet's perception: the latest comparison per scope and feature, and the findings",
            description = "status: per scope (MODEL fleet/sha256, VEHICLE fleet/vehicle, FLEET fleet) and feature, the latest verdict"
                    + " (DRIFTED, NOT_DRIFTED, NOT_ENOUGH_DATA with the reason), the measurement (pooled Evidently-compatible statistic,"
                    + " threshold and verdict; session-level permutation p-value and its Holm level; PSI), the reference and current"
                    + " shares per bin, and both windows' sessions. findings: DriftDetected in [fromNanos, toNanos), newest first, with"
                    + " their DriftCleared once cleared.")
    @GetMapping
    public Report get(Authentication authentication,
            @Parameter(description = "MODEL, VEHICLE or FLEET; all when absent") @RequestParam(name = "scope", required = false) String scope,
            @Parameter(description = "a feature id, e.g. summary.meanLuma; all when absent") @RequestParam(name = "feature", required = false) String feature,
            @Parameter(description = "findings detected at or after, epoch ns") @RequestParam(name = "fromNanos", required = false) Long fromNanos,
            @Parameter(description = "findings detected before, epoch ns") @RequestParam(name = "toNanos", required = false) Long toNanos,
            @Parameter(description = "findings, 1..1000") @RequestParam(name = "limit", defaultValue = "200") int limit) {
        if (scope != null && !DriftLog.SCOPES.contains(scope)) {
            throw new IllegalArgumentException("unknown scope '" + scope + "': use one of MODEL, VEHICLE, FLEET");
        }
        if (feature != null && DriftFeature.byId(feature).isEmpty()) {
            throw new IllegalArgumentException("unknown feature '" + feature + "': use one of "
                    + Arrays.stream(DriftFeature.values()).map(DriftFeature::id).toList());
        }
        long from = fromNanos == null ? Long.MIN_VALUE : fromNanos;
        long to = toNanos == null ? Long.MAX_VALUE : toNanos;
        if (from >= to) {
            throw new IllegalArgumentException("fromNanos " + from + " is not before toNanos " + to);
        }
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be in 1..1000, got " + limit);
        }
        String fleet = FleetScope.of(authentication).fleetId();
        List<Feature> features = Arrays.stream(DriftFeature.values()).map(f -> new Feature(f.id(), f.kind().name(), f.unit(), f.description())).toList();
        List<DriftReadModel.Finding> findings = drift.findings(fleet, from, to, limit);
        if (feature != null || scope != null) {
            findings = findings.stream().filter(f -> (feature == null || f.feature().equals(feature)) && (scope == null || f.scope().equals(scope))).toList();
        }
        List<FindingView> views = findings.stream().map(f -> new FindingView(f, f.currentSessionIds().stream()
                .flatMap(session -> alerts.alertIdsOfSession(session, fleet, Long.MIN_VALUE, Long.MAX_VALUE).stream()).toList())).toList();
        return new Report(policy, features, drift.status(fleet, scope, feature), views);
    }

    @Operation(summary = "Pin a scope's drift reference window to chosen sessions (admin)",
            description = "Instead of the scope's first sessions. scope MODEL (scopeKey fleet/modelSha256), VEHICLE (fleet/vehicle) or FLEET"
                    + " (fleet), always the token's fleet; sessionIds: 2..1000 sessions the drift monitor has stored (ended sessions of the"
                    + " fleet). Stored as DriftReferencePinned in the scope's drift log; comparisons from the next ended session use it.")
    @PostMapping("/reference")
    public ResponseEntity<Pinned> pin(Authentication authentication, @RequestBody PinRequest r) {
        if (r.scope() == null || !DriftLog.SCOPES.contains(r.scope())) {
            throw new IllegalArgumentException("scope must be one of MODEL, VEHICLE, FLEET, got " + r.scope());
        }
        String fleet = FleetScope.of(authentication).fleetId();
        boolean ownScope = r.scopeKey() != null && (r.scope().equals("FLEET") ? r.scopeKey().equals(fleet) : r.scopeKey().startsWith(fleet + "/"));
        if (!ownScope) {
            throw new IllegalArgumentException("scopeKey '" + r.scopeKey() + "' is not a " + r.scope() + " scope of fleet " + fleet
                    + ": use " + (r.scope().equals("FLEET") ? fleet : fleet + "/…"));
        }
        List<String> ids = r.sessionIds() == null ? List.of() : r.sessionIds();
        if (ids.size() < 2 || ids.size() > DriftLog.MAX_PINNED_SESSIONS) {
            throw new IllegalArgumentException("sessionIds must hold 2.." + DriftLog.MAX_PINNED_SESSIONS + " sessions, got " + ids.size());
        }
        Set<String> stored = drift.storedSessions(fleet, ids);
        List<String> unknown = ids.stream().filter(id -> !stored.contains(id)).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("the drift monitor has stored no ended session " + unknown + " of fleet " + fleet
                    + "; pin sessions that have ended and been ingested");
        }
        String eventId = UUID.randomUUID().toString();
        String logId = DriftLog.idFor(r.scope(), r.scopeKey());
        commands.sendAndWait(new PinDriftReference(logId, eventId, new DriftReferencePinned(
                r.scope(), r.scopeKey(), fleet, ids, authentication.getName(), r.note(), System.currentTimeMillis() * 1_000_000L)));
        return ResponseEntity.status(HttpStatus.CREATED).body(new Pinned(eventId, logId, ids.size()));
    }
}
