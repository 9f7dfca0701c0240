package io.sightline.cloud.api;

import io.sightline.cloud.evidence.AlertEvidenceService;
import io.sightline.cloud.security.FleetScope;
import io.sightline.cloud.trace.AlertExplanation;
import io.sightline.cloud.trace.ExplainService;
import io.sightline.domain.review.ReviewAlert;
import io.sightline.domain.review.ReviewVerdict;
import io.sightline.domain.review.SessionReviewLog;
import io.sightline.explain.margins.Counterfactual;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Investigator access to alerts, their causal traces and reviews, always within the caller's fleet
 * (token claim {@code fleet}): another fleet's alert is answered exactly like an unknown one.
 */
@RestController
@RequestMapping("/api/v1/alerts")
@Tag(name = "Alerts", description = "Alerts, causal traces, narratives and reviews (role investigator, fleet from the token)")
@SecurityRequirement(name = "bearer")
public class AlertsController {

    static final String TRACE = "trace";
    static final String NARRATIVE = "narrative";
    static final String REVIEW = "review";
    static final String EVIDENCE = "evidence";

    private final AlertReadModel alerts;
    private final ExplainService explain;
    private final CommandGateway commands;
    private final Clock clock = Clock.systemUTC();

    private final AlertEvidenceService evidence;

    public AlertsController(AlertReadModel alerts, ExplainService explain, CommandGateway commands, AlertEvidenceService evidence) {
        this.alerts = alerts;
        this.explain = explain;
        this.commands = commands;
        this.evidence = evidence;
    }

    @Operation(summary = "List alerts, newest first",
            description = "Filters combine with AND. The time range is on the raise time, fromNanos inclusive, toNanos exclusive."
                    + " clip: the alerts an evidence clip covers (its EvidenceClipRecorded, ADR-0037), by the clip's sha256, as the offline"
                    + " shadow command finds the reviewed alerts of a clip it was given; a clip the fleet does not hold lists none."
                    + " Paged by an opaque cursor: pass the previous page's nextCursor; it is null on the last page.")
    @GetMapping
    public AlertReadModel.Page list(Authentication authentication,
            @Parameter(description = "vehicle id") @RequestParam(name = "vehicle", required = false) String vehicle,
            @Parameter(description = "raised at or after, epoch ns") @RequestParam(name = "fromNanos", required = false) Long fromNanos,
            @Parameter(description = "raised before, epoch ns") @RequestParam(name = "toNanos", required = false) Long toNanos,
            @Parameter(description = "e.g. FORWARD_COLLISION") @RequestParam(name = "kind", required = false) String kind,
            @Parameter(description = "e.g. WARNING") @RequestParam(name = "level", required = false) String level,
            @Parameter(description = "TRUE_POSITIVE, FALSE_POSITIVE, UNSURE or UNREVIEWED")
            @RequestParam(name = "verdict", required = false) String verdict,
            @Parameter(description = "sha256 of an evidence clip (64 hex digits)") @RequestParam(name = "clip", required = false) String clip,
            @Parameter(description = "nextCursor of the previous page") @RequestParam(name = "cursor", required = false) String cursor,
            @Parameter(description = "page size, 1..500") @RequestParam(name = "limit", defaultValue = "50") int limit) {
        FleetScope fleet = FleetScope.of(authentication);
        List<String> ofClip = null;
        if (blankToNull(clip) != null) {
            if (!clip.strip().matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException("clip must be the sha256 of an evidence clip, 64 hex digits, got '" + clip + "'");
            }
            ofClip = evidence.alertIdsOfClip(clip.strip().toLowerCase(java.util.Locale.ROOT), fleet.fleetId());
        }
        AlertReadModel.Filter filter = new AlertReadModel.Filter(blankToNull(vehicle), fromNanos, toNanos, blankToNull(kind),
                blankToNull(level), blankToNull(verdict), ofClip);
        AlertCursor after = cursor == null || cursor.isEmpty() ? null : AlertCursor.decode(cursor);
        return alerts.list(fleet.fleetId(), filter, after, limit);
    }

    @Operation(summary = "One alert, its causal trace or its narrative",
            description = "Alert ids contain slashes, so the path is {alertId}, {alertId}/trace, {alertId}/narrative or {alertId}/evidence."
                    + " trace: format=json (nodes and edges, default), dot (Graphviz), html (self-contained page)"
                    + " or svg (the graph laid out on the server: rows by causal depth, provenance in its own band)."
                    + " narrative: the plain-language explanation with the counterfactual margins of the deciding assessment."
                    + " evidence: {\"alertId\", \"frames\": [{frameId, frameIndex, captureTimeNanos, sha256, url, widthPx, heightPx,"
                    + " inCausalTrace}]}, the frames of the alert's window (T-30 s ... T+10 s) whose evidence JPEG (boxes drawn) the"
                    + " cloud holds, by frameIndex; url is GET /api/v1/evidence/{sha256}; inCausalTrace marks the frames of its trace.")
    @GetMapping("/{*path}")
    public ResponseEntity<?> get(Authentication authentication,
            @Parameter(description = "{alertId}, {alertId}/trace, {alertId}/narrative or {alertId}/evidence") @PathVariable("path") String path,
            @Parameter(description = "trace only: json, dot, html or svg") @RequestParam(name = "format", defaultValue = "json") String format) {
        FleetScope fleet = FleetScope.of(authentication);
        SubresourcePath target = SubresourcePath.parse(path, TRACE, NARRATIVE, EVIDENCE, "").orElseThrow(() -> notFound(path));
        return switch (target.subresource()) {
            case TRACE -> trace(target.id(), fleet, format);
            case NARRATIVE -> ResponseEntity.ok(narrative(target.id(), fleet));
            case EVIDENCE -> ResponseEntity.ok(evidence.forAlert(target.id(), fleet.fleetId()).orElseThrow(() -> unknownAlert(target.id())));
            default -> ResponseEntity.ok(alerts.find(target.id(), fleet.fleetId()).orElseThrow(() -> unknownAlert(target.id())));
        };
    }

    private ResponseEntity<?> trace(String alertId, FleetScope fleet, String format) {
        // The format is checked first: a bad request is refused before any store round trip.
        if (!List.of("json", "dot", "html", "svg").contains(format)) {
            throw new IllegalArgumentException("format must be json, dot, html or svg, got '" + format + "'");
        }
        AlertExplanation explanation = explanation(alertId, fleet);
        return switch (format) {
            case "dot" -> ResponseEntity.ok().contentType(new MediaType("text", "vnd.graphviz", StandardCharsets.UTF_8))
                    .body(TraceViews.dot(explanation.trace()));
            // The page must stand alone: the policy forbids every fetch, so a reference that slipped in fails visibly.
            case "html" -> ResponseEntity.ok().contentType(new MediaType("text", "html", StandardCharsets.UTF_8))
                    .header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
                    .body(TraceViews.html(explanation));
            // Laid out on the server: the investigator UI inlines it, and opened on its own it must not run anything either.
            case "svg" -> ResponseEntity.ok().contentType(new MediaType("image", "svg+xml", StandardCharsets.UTF_8))
                    .header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
                    .body(TraceSvg.render(explanation.trace()));
            default -> ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(TraceViews.json(explanation));
        };
    }

    /**
     * @param text    headline and details as one paragraph
     * @param margins how close the deciding assessment was to not alerting; null when the trace holds no assessment
     * @param driftInForce the drift findings the alert was raised under (of its model, vehicle or fleet), one sentence each
     */
    public record NarrativeView(String alertId, String headline, List<String> details, String text, Counterfactual margins,
                                List<String> driftInForce) {
    }

    private NarrativeView narrative(String alertId, FleetScope fleet) {
        AlertExplanation e = explanation(alertId, fleet);
        return new NarrativeView(alertId, e.narrative().headline(), e.narrative().details(), e.narrative().text(), e.margins(),
                e.driftInForce().stream().map(TraceViews::driftSentence).toList());
    }

    private AlertExplanation explanation(String alertId, FleetScope fleet) {
        return explain.explain(alertId, fleet.fleetId()).orElseThrow(() -> unknownAlert(alertId));
    }

    /** @param verdict TRUE_POSITIVE, FALSE_POSITIVE or UNSURE */
    public record ReviewRequest(String verdict, String note) {
    }

    /** @param eventId id of the stored AlertReviewed event */
    public record ReviewAccepted(String eventId, String alertId, String verdict, String reviewer, long reviewedAtNanos) {
    }

    @Operation(summary = "Review an alert",
            description = "Path {alertId}/review. Stores an AlertReviewed event (reviewer = token subject, cause = the AlertRaised)."
                    + " The alert's verdict in GET /alerts shows it once the alerts projection has caught up (normally well under a second).")
    @PostMapping("/{*path}")
    public ResponseEntity<ReviewAccepted> review(Authentication authentication,
            @Parameter(description = "{alertId}/review") @PathVariable("path") String path,
            @RequestBody ReviewRequest body) {
        FleetScope fleet = FleetScope.of(authentication);
        SubresourcePath target = SubresourcePath.parse(path, REVIEW).orElseThrow(() -> notFound(path));
        if (body == null || body.verdict() == null || ReviewVerdict.parse(body.verdict()).isEmpty()) {
            throw new IllegalArgumentException("verdict must be one of " + List.of(ReviewVerdict.values()) + ", got "
                    + (body == null || body.verdict() == null ? "none" : "'" + body.verdict() + "'"));
        }
        AlertView alert = alerts.find(target.id(), fleet.fleetId()).orElseThrow(() -> unknownAlert(target.id()));
        String eventId = UUID.randomUUID().toString();
        long nowNanos = epochNanos(clock.instant());
        commands.sendAndWait(new ReviewAlert(SessionReviewLog.idFor(alert.sessionId()), eventId, alert.alertId(), alert.eventId(),
                body.verdict(), authentication.getName(), body.note(), nowNanos));
        return ResponseEntity.status(HttpStatus.CREATED)
                .body(new ReviewAccepted(eventId, alert.alertId(), body.verdict(), authentication.getName(), nowNanos));
    }

    static long epochNanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }

    private static ResourceNotFoundException unknownAlert(String alertId) {
        return new ResourceNotFoundException("no alert '" + alertId + "' in your fleet");
    }

    private static ResourceNotFoundException notFound(String path) {
        return new ResourceNotFoundException("no such resource under /api/v1/alerts: '" + path + "'");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
