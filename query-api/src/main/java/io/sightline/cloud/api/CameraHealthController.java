package io.sightline.cloud.api;

import io.sightline.cloud.security.FleetScope;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import java.util.List;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/monitoring/camera}: the fleet's camera-health episodes (issue 16 §4), each with the alerts raised during it. */
@RestController
@RequestMapping("/api/v1/monitoring/camera")
public class CameraHealthController {

    /** @param alertIds alerts of the session raised while the episode lasted: their traces name it */
    public record EpisodeView(CameraHealthReadModel.Episode episode, List<String> alertIds) {
    }

    private final CameraHealthReadModel episodes;
    private final AlertReadModel alerts;

    public CameraHealthController(CameraHealthReadModel episodes, AlertReadModel alerts) {
        this.episodes = episodes;
        this.alerts = alerts;
    }

    @Operation(summary = "Camera-health episodes of the fleet, newest first",
            description = "One per CameraObstructed (DARK, COVERED or BLURRED, decided at the edge by the camera-health policy), with"
                    + " the statistic, its threshold and margin, and its CameraRestored once restored (restoredAtNanos null while it"
                    + " lasts). alertIds: the session's alerts raised during the episode, whose traces name it. Episodes confirmed in"
                    + " [fromNanos, toNanos).")
    @GetMapping
    public List<EpisodeView> list(Authentication authentication,
            @Parameter(description = "confirmed at or after, epoch ns") @RequestParam(name = "fromNanos", required = false) Long fromNanos,
            @Parameter(description = "confirmed before, epoch ns") @RequestParam(name = "toNanos", required = false) Long toNanos,
            @Parameter(description = "episodes, 1..1000") @RequestParam(name = "limit", defaultValue = "200") int limit) {
        long from = fromNanos == null ? Long.MIN_VALUE : fromNanos;
        long to = toNanos == null ? Long.MAX_VALUE : toNanos;
        if (from >= to) {
            throw new IllegalArgumentException("fromNanos " + from + " is not before toNanos " + to);
        }
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be in 1..1000, got " + limit);
        }
        String fleet = FleetScope.of(authentication).fleetId();
        return episodes.episodes(fleet, from, to, limit).stream().map(e -> new EpisodeView(e, alerts.alertIdsOfSession(e.sessionId(), fleet,
                e.obstructedAtNanos(), e.restoredAtNanos() == null ? Long.MAX_VALUE : e.restoredAtNanos()))).toList();
    }
}
