package io.sightline.cloud.api;

import io.sightline.cloud.mining.ExportFormat;
import io.sightline.cloud.mining.HardExampleMiner;
import io.sightline.cloud.mining.MiningRequest;
import io.sightline.cloud.mining.MiningResult;
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

/**
 * Reviewed alerts as labelled examples for training, as NDJSON (see {@link TrainingExamples}), and the
 * hard-example mining's ranked candidates (see {@link HardExampleMiner}, docs/mining.md).
 */
@RestController
@RequestMapping("/api/v1/training")
public class TrainingExamplesController {

    private final TrainingExamples examples;
    private final HardExampleMiner miner;

    public TrainingExamplesController(TrainingExamples examples, HardExampleMiner miner) {
        this.examples = examples;
        this.miner = miner;
    }

    @Operation(summary = "Hard-example mining: the frames most worth labelling, ranked by trigger, each with its reasons and causal trace",
            description = "Frames of the caller's fleet with edge time in [fromNanos, toNanos), ranked by the triggers they fire (reviewed"
                    + " false positives, reported misses, decisions near flipping, low-score detections the tracker's second stage kept,"
                    + " tracks that missed a detection, class changes, hard braking without a forward-collision warning); at most"
                    + " budgetFrames (default 1 % of the frames in scope). Each candidate carries its reasons with the event ids of"
                    + " their trace (and the alert's trace URL when the reason is an alert). enrichment compares the reviewed"
                    + " false-positive and false-negative frames in the budget with a random sample of the same size. The files"
                    + " (COCO, YOLO, MOT with JPEGs and a manifest) are written by ./sightline mine.")
    @GetMapping(path = "/candidates", produces = MediaType.APPLICATION_JSON_VALUE)
    public MiningResult candidates(Authentication authentication,
            @Parameter(description = "edge time at or after, epoch ns; default: the beginning") @RequestParam(name = "fromNanos", required = false) Long fromNanos,
            @Parameter(description = "edge time before, epoch ns; default: no end") @RequestParam(name = "toNanos", required = false) Long toNanos,
            @Parameter(description = "frames, 1..1000000; default 1 % of the frames in scope") @RequestParam(name = "budgetFrames", required = false) Integer budgetFrames,
            @Parameter(description = "json (the only answer of this resource; coco, yolo and mot are written by ./sightline mine)")
            @RequestParam(name = "format", defaultValue = "json") String format) {
        if (!"json".equals(format)) {
            // A known export format gets a pointer to the command that writes it; anything else the accepted value.
            boolean export = java.util.Arrays.stream(ExportFormat.values()).anyMatch(f -> f.id().equals(format));
            throw new IllegalArgumentException(export
                    ? "format " + format + " is a directory of files with JPEGs: write it with ./sightline mine --format " + format
                            + "; this resource answers format=json"
                    : "format must be json, got '" + format + "' (coco, yolo and mot are written by ./sightline mine)");
        }
        String fleet = FleetScope.of(authentication).fleetId();
        return miner.mine(new MiningRequest(fleet, fromNanos == null ? Long.MIN_VALUE : fromNanos, toNanos == null ? Long.MAX_VALUE : toNanos,
                budgetFrames));
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
