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

    @Operation(summary = "Precision, recall, miss rate and alert rates of the fleet's alerts, per kind and policy version",
            description = "From reviewers' verdicts (POST /api/v1/alerts/{alertId}/review), their reports of missed hazards"
                    + " (POST /api/v1/sessions/{sessionId}/missed-events) and the sessions' driving time and distance. Precision and"
                    + " recall have 95 % Wilson score intervals; precision counts TRUE_POSITIVE and FALSE_POSITIVE verdicts only"
                    + " (UNSURE and unreviewed alerts are listed apart). Recall counts reviewed true positives and reported misses:"
                    + " it is an upper bound on the real recall only when every alert has been reviewed. The miss rate has a"
                    + " one-sided 95 % Clopper-Pearson upper bound and the number of further reviewed hazards, all warned, that"
                    + " would bring that bound to targetMissRate. Alert rates are per hour of driving and per 100 km of the policy"
                    + " version's sessions. Alerts by raise time, misses by occurrence time, sessions by start time; fromNanos"
                    + " inclusive, toNanos exclusive.")
    @GetMapping
    public AlertQuality.Report get(Authentication authentication,
            @Parameter(description = "at or after, epoch ns") @RequestParam(name = "fromNanos", required = false) Long fromNanos,
            @Parameter(description = "before, epoch ns") @RequestParam(name = "toNanos", required = false) Long toNanos,
            @Parameter(description = "the miss-rate bound to budget reviews for, in (0, 1); default 0.05")
            @RequestParam(name = "targetMissRate", required = false) Double targetMissRate) {
        return quality.report(FleetScope.of(authentication).fleetId(), fromNanos, toNanos,
                targetMissRate == null ? AlertQuality.DEFAULT_TARGET_MISS_RATE : targetMissRate);
    }
}
