package io.sightline.cloud.api;

import io.sightline.cloud.security.FleetScope;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/monitoring/latency}: latency regressions of the caller's fleet (issue 16 §3 and §6, ADR-0023). */
@RestController
@RequestMapping("/api/v1/monitoring/latency")
public class LatencyMonitoringController {

    private final LatencyReadModel latency;

    public LatencyMonitoringController(LatencyReadModel latency) {
        this.latency = latency;
    }

    @Operation(summary = "Per-session p95 latency per stage, model and software version, and the regressions found in it",
            description = "For a chart of p95 over time with the change points marked. series[]: one per (modelSha256, softwareVersion,"
                    + " stage), sessions[] oldest first, each with its p95Micros (the count-weighted median of its windows' p95s), the"
                    + " phase it was judged in and the CUSUM statistic after it; status NOT_ENOUGH_DATA while the reference (the key's"
                    + " first config.referenceSessions sessions) is collected, when no verdict is given; changePointSessionIds are the"
                    + " sessions at which a finding was raised. findings[]: the LatencyRegressionDetected events (reference and current"
                    + " p95, statistic, threshold, margin, the sessions that tripped it); eventId opens the causal trace. Sessions by end"
                    + " time, findings by detection time; fromNanos inclusive, toNanos exclusive; the latest `limit` sessions. Bad"
                    + " input (unknown stage, fromNanos after toNanos, limit out of range) is a problem-details 400.")
    @GetMapping
    public LatencyReadModel.Report get(Authentication authentication,
            @Parameter(description = "decode, inference, detect, decide, journal or frame-to-decision; all when absent")
            @RequestParam(name = "stage", required = false) String stage,
            @Parameter(description = "one model sha256; all when absent") @RequestParam(name = "modelSha256", required = false) String modelSha256,
            @Parameter(description = "one software version; all when absent")
            @RequestParam(name = "softwareVersion", required = false) String softwareVersion,
            @Parameter(description = "at or after, epoch ns") @RequestParam(name = "fromNanos", required = false) Long fromNanos,
            @Parameter(description = "before, epoch ns") @RequestParam(name = "toNanos", required = false) Long toNanos,
            @Parameter(description = "most recent sessions returned, 1..20000; default 2000")
            @RequestParam(name = "limit", required = false) Integer limit) {
        return latency.report(FleetScope.of(authentication).fleetId(), blankToNull(stage), blankToNull(modelSha256), blankToNull(softwareVersion),
                fromNanos == null ? Long.MIN_VALUE : fromNanos, toNanos == null ? Long.MAX_VALUE : toNanos,
                limit == null ? LatencyReadModel.DEFAULT_LIMIT : limit);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
