package io.sightline.cloud.api;

import io.sightline.cloud.security.FleetScope;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** How good the alerts of the caller's fleet are: precision and recall per kind and policy version. */
@RestController
@RequestMapping("/api/v1/quality")
public class QualityController {

    private final AlertQuality quality;

    public QualityController(AlertQuality quality) {
        this.quality = quality;
    }

    @Operation(summary = "Precision and recall of the fleet's alerts, per kind and policy version",
            description = "From reviewers' verdicts (POST /api/v1/alerts/{alertId}/review) and their reports of missed hazards"
                    + " (POST /api/v1/sessions/{sessionId}/missed-events). Each rate has its 95 % Wilson score interval; precision"
                    + " counts TRUE_POSITIVE and FALSE_POSITIVE verdicts only (UNSURE and unreviewed alerts are listed apart);"
                    + " recall counts only reported misses, so it is an upper bound. Alerts by raise time and misses by occurrence"
                    + " time, fromNanos inclusive, toNanos exclusive.")
    @GetMapping
    public AlertQuality.Report get(Authentication authentication,
            @Parameter(description = "at or after, epoch ns") @RequestParam(name = "fromNanos", required = false) Long fromNanos,
            @Parameter(description = "before, epoch ns") @RequestParam(name = "toNanos", required = false) Long toNanos) {
        return quality.report(FleetScope.of(authentication).fleetId(), fromNanos, toNanos);
    }
}
