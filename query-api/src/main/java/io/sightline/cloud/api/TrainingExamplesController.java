package io.sightline.cloud.api;

import io.sightline.cloud.security.FleetScope;
import io.sightline.cloud.trace.TrainingExamples;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/** Reviewed alerts as labelled examples for training, as NDJSON (see {@link TrainingExamples}). */
@RestController
@RequestMapping("/api/v1/training")
public class TrainingExamplesController {

    private final TrainingExamples examples;

    public TrainingExamplesController(TrainingExamples examples) {
        this.examples = examples;
    }

    @Operation(summary = "Reviewed alerts as labelled examples, one NDJSON line per frame of each alert's causal trace",
            description = "Each line: schema, alertId, verdict, kind, policyVersion, sessionId, vehicleId, sourceId, frameId, frameIndex,"
                    + " captureTimeNanos, widthPx, heightPx, evidenceSha256 (the evidence JPEG has boxes drawn: for review, not for"
                    + " training), detections [{detectionId, classId, className, score, x1Px, y1Px, x2Px, y2Px, modelName,"
                    + " modelVersion, modelSha256}]. Alerts of the caller's fleet with a verdict, raised in [fromNanos, toNanos),"
                    + " oldest first, at most limit alerts.")
    @GetMapping(path = "/examples", produces = "application/x-ndjson")
    public ResponseEntity<StreamingResponseBody> examples(Authentication authentication,
            @Parameter(description = "TRUE_POSITIVE, FALSE_POSITIVE or UNSURE; all reviewed alerts when absent")
            @RequestParam(name = "verdict", required = false) String verdict,
            @Parameter(description = "raised at or after, epoch ns") @RequestParam(name = "fromNanos", required = false) Long fromNanos,
            @Parameter(description = "raised before, epoch ns") @RequestParam(name = "toNanos", required = false) Long toNanos,
            @Parameter(description = "alerts, 1..5000") @RequestParam(name = "limit", defaultValue = "500") int limit) {
        String fleet = FleetScope.of(authentication).fleetId();
        TrainingExamples.validate(verdict, fromNanos, toNanos, limit);
        StreamingResponseBody body = out -> examples.write(fleet, verdict, fromNanos, toNanos, limit, out);
        return ResponseEntity.ok().contentType(MediaType.parseMediaType("application/x-ndjson")).body(body);
    }
}
