package io.sightline.cloud.api;

import io.sightline.cloud.security.FleetScope;
import io.sightline.cloud.stream.SessionDirectory;
import io.sightline.cloud.trace.ExplainService;
import io.sightline.cloud.trace.JdbcEventLookup;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.explain.whatif.PolicyThresholds;
import io.sightline.explain.whatif.WhatIfReport;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Re-decides a stored window of a session under changed thresholds and returns the diff. Reads only: nothing is stored. */
@RestController
@Tag(name = "What-if", description = "Replay a session window under other risk thresholds (role investigator)")
@SecurityRequirement(name = "bearer")
public class WhatIfController {

    private final ExplainService explain;
    private final JdbcEventLookup lookup;
    private final SessionDirectory sessions;

    public WhatIfController(ExplainService explain, JdbcEventLookup lookup, SessionDirectory sessions) {
        this.explain = explain;
        this.lookup = lookup;
        this.sessions = sessions;
    }

    /**
     * @param version    name of the what-if policy in the report; "what-if" when absent
     * @param thresholds overrides of the session's recorded thresholds, keyed as recorded (unit in the key,
     *                   e.g. {@code forwardCollision.ttcRaiseS}); unnamed thresholds keep their recorded value
     */
    public record WhatIfRequest(String sessionId, Long fromNanos, Long toNanos, String version, Map<String, Double> thresholds) {
    }

    @Operation(summary = "What-if replay",
            description = "Decisions of [fromNanos, toNanos] under the session's recorded policy with the given thresholds replaced:"
                    + " changed decisions, recorded alerts kept or gone (with the shift), alerts that would appear.")
    @PostMapping("/api/v1/whatif")
    public WhatIfReport whatIf(Authentication authentication, @RequestBody WhatIfRequest body) {
        FleetScope fleet = FleetScope.of(authentication);
        if (body == null || body.sessionId() == null || body.sessionId().isBlank()) {
            throw new IllegalArgumentException("sessionId is required");
        }
        if (body.fromNanos() == null || body.toNanos() == null) {
            throw new IllegalArgumentException("fromNanos and toNanos are required, epoch nanoseconds");
        }
        if (body.fromNanos() > body.toNanos()) {
            throw new IllegalArgumentException("time range is inverted: fromNanos " + body.fromNanos() + " is after toNanos " + body.toNanos());
        }
        Map<String, Double> overrides = body.thresholds() == null ? Map.of() : body.thresholds();
        if (overrides.values().stream().anyMatch(v -> v == null || !Double.isFinite(v))) {
            throw new IllegalArgumentException("every threshold needs a finite number");
        }
        ResourceNotFoundException unknown = new ResourceNotFoundException("no session '" + body.sessionId() + "' in your fleet");
        // Fleet first: the recorded policy of another fleet's session must not shape the answer (e.g. its key names).
        if (!fleet.allows(sessions.lookup(body.sessionId()).fleetId())) {
            throw unknown;
        }
        DriveSessionStarted started = (DriveSessionStarted) lookup.sessionStart(body.sessionId()).orElseThrow(() -> unknown).payload();
        PolicyThresholds recorded = PolicyThresholds.of(started);
        Set<String> unknownKeys = new TreeSet<>(overrides.keySet());
        unknownKeys.removeAll(recorded.thresholds().keySet());
        if (!unknownKeys.isEmpty()) {
            // A misspelt key would otherwise change nothing and look like "no effect".
            throw new IllegalArgumentException("unknown thresholds " + unknownKeys + "; the session's policy "
                    + recorded.version() + " has " + new TreeSet<>(recorded.thresholds().keySet()));
        }
        String version = body.version() == null || body.version().isBlank() ? "what-if" : body.version();
        return explain.whatIf(body.sessionId(), fleet.fleetId(), body.fromNanos(), body.toNanos(), recorded.with(version, overrides))
                .orElseThrow(() -> unknown);
    }
}
