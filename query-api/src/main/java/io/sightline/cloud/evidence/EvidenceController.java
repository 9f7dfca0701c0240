package io.sightline.cloud.evidence;

import io.sightline.cloud.api.ResourceNotFoundException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.cloud.security.FleetScope;
import io.sightline.domain.event.FrameCaptured;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Evidence JPEGs (ADR-0008). Devices {@code PUT} them, signed like their event batches;
 * investigators {@code GET} them by sha256 within their fleet. A blob never changes under its
 * sha256, so it is served with an ETag and cached as immutable. The list of an alert's evidence
 * frames is {@code GET /api/v1/alerts/{alertId}/evidence} ({@link AlertEvidenceService}).
 */
@RestController
@Tag(name = "Evidence", description = "Evidence frames of alerts: JPEGs with the detector's boxes drawn")
public class EvidenceController {

    /** Where a blob is served; the sha256 follows. */
    public static final String PATH = "/api/v1/evidence/";
    static final String CACHE_CONTROL = "private, max-age=31536000, immutable";

    private final EvidenceIngestion ingestion;
    private final AlertEvidenceService evidence;
    private final ObjectMapper mapper = new ObjectMapper();

    public EvidenceController(EvidenceIngestion ingestion, AlertEvidenceService evidence) {
        this.ingestion = ingestion;
        this.evidence = evidence;
    }

    @Operation(summary = "Upload one evidence JPEG (edge devices)",
            description = "Body: the JPEG bytes (image/jpeg). The path names their sha256 (64 lower-case hex digits), which the cloud"
                    + " recomputes. Headers: X-Sightline-Device, X-Sightline-Session, X-Sightline-Frame and X-Sightline-Signature,"
                    + " the Base64 Ed25519 signature by the device's registered key over \"sightline-evidence-v1\\0\" · u32 len ·"
                    + " session · u32 len · frame · u32 len · sha256 (UTF-8). 201 stored, 200 already held (idempotent); problem"
                    + " details: 400 malformed, 401 unknown device or bad signature, 403 another device's session, 409 the session's"
                    + " events are not in the cloud yet (send again later), 413 too large, 415 not a JPEG, 422 sha256 mismatch"
                    + " (nothing stored), 503 retry later.",
            responses = {
                @ApiResponse(responseCode = "201", description = "stored"),
                @ApiResponse(responseCode = "200", description = "already held"),
                @ApiResponse(responseCode = "422", description = "the body's sha256 differs from the path's",
                        content = @Content(mediaType = "application/problem+json"))})
    @PutMapping(PATH + "{sha256}")
    public ResponseEntity<byte[]> upload(HttpServletRequest request,
            @Parameter(description = "sha256 of the body, lower-case hex") @PathVariable("sha256") String sha256,
            @RequestHeader(name = "X-Sightline-Device", required = false) String deviceId,
            @RequestHeader(name = "X-Sightline-Session", required = false) String sessionId,
            @RequestHeader(name = "X-Sightline-Frame", required = false) String frameId,
            @RequestHeader(name = "X-Sightline-Signature", required = false) String signature) throws IOException {
        long max = ingestion.maxBytes();
        long declared = request.getContentLengthLong();
        EvidenceIngestion.Upload claim = new EvidenceIngestion.Upload(sha256, deviceId, sessionId, frameId, signature, null);
        EvidenceUploadResult result;
        if (declared > max) {
            // Refuse on the header alone: reading a huge body first is what the limit prevents.
            result = ingestion.tooLarge(claim, declared);
        } else {
            byte[] body = readAtMost(request.getInputStream(), max + 1);
            result = body.length > max ? ingestion.tooLarge(claim, -1)
                    : ingestion.store(new EvidenceIngestion.Upload(sha256, deviceId, sessionId, frameId, signature, body));
        }
        return reply(result);
    }

    private ResponseEntity<byte[]> reply(EvidenceUploadResult r) throws IOException {
        ObjectNode body = mapper.createObjectNode();
        if (r.stored()) {
            body.put("sha256", r.sha256());
            body.put("sessionId", r.sessionId());
            body.put("frameId", r.frameId());
            body.put("sizeBytes", r.sizeBytes());
            body.put("url", PATH + r.sha256());
            return ResponseEntity.status(r.httpStatus()).contentType(MediaType.APPLICATION_JSON)
                    .body(mapper.writeValueAsBytes(body));
        }
        body.put("type", "about:blank");
        body.put("title", HttpStatus.valueOf(r.httpStatus()).getReasonPhrase());
        body.put("status", r.httpStatus());
        body.put("detail", r.detail());
        body.put("reason", r.reason());
        if (r.sha256() != null && FrameCaptured.isSha256Hex(r.sha256())) {
            body.put("sha256", r.sha256());
        }
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(r.httpStatus()).contentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (r.httpStatus() == 401) {
            builder.header(HttpHeaders.WWW_AUTHENTICATE, "Ed25519-Evidence realm=\"sightline-evidence\"");
        }
        if (r.retryable()) {
            builder.header(HttpHeaders.RETRY_AFTER, "1");
        }
        if (r.httpStatus() == 413) {
            builder.header(HttpHeaders.CONNECTION, "close");
        }
        return builder.body(mapper.writeValueAsBytes(body));
    }

    @Operation(summary = "One evidence JPEG by its sha256",
            description = "The frame with the detector's boxes and labels drawn, as the edge encoded it. Immutable: served with"
                    + " ETag \"<sha256>\" and Cache-Control: " + CACHE_CONTROL + "; If-None-Match answers 304. Another fleet's or an"
                    + " unknown sha256 is 404; a malformed one (not 64 lower-case hex digits) 400.",
            responses = {
                @ApiResponse(responseCode = "200", description = "the JPEG",
                        content = @Content(mediaType = "image/jpeg", schema = @Schema(type = "string", format = "binary"))),
                @ApiResponse(responseCode = "400", description = "malformed sha256", content = @Content(mediaType = "application/problem+json")),
                @ApiResponse(responseCode = "404", description = "unknown, or another fleet's",
                        content = @Content(mediaType = "application/problem+json"))})
    @SecurityRequirement(name = "bearer")
    @GetMapping(PATH + "{sha256}")
    public ResponseEntity<byte[]> get(Authentication authentication,
            @Parameter(description = "sha256 of the JPEG, 64 lower-case hex digits") @PathVariable("sha256") String sha256,
            @RequestHeader(name = HttpHeaders.IF_NONE_MATCH, required = false) String ifNoneMatch,
            @RequestHeader(name = HttpHeaders.RANGE, required = false) String range) {
        FleetScope fleet = FleetScope.of(authentication);
        if (!FrameCaptured.isSha256Hex(sha256)) {
            throw new IllegalArgumentException("the evidence id must be a sha256 as 64 lower-case hex digits, got '"
                    + (sha256.length() > 80 ? sha256.substring(0, 80) + "…" : sha256) + "'");
        }
        String etag = "\"" + sha256 + "\"";
        if (ifNoneMatch != null && (ifNoneMatch.contains(etag) || ifNoneMatch.trim().equals("*"))
                && evidence.holds(sha256, fleet.fleetId())) {
            return ResponseEntity.status(HttpStatus.NOT_MODIFIED).eTag(etag).header(HttpHeaders.CACHE_CONTROL, CACHE_CONTROL).build();
        }
        Optional<AlertEvidenceService.Blob> blob = evidence.blob(sha256, fleet.fleetId());
        if (blob.isEmpty()) {
            throw new ResourceNotFoundException("no evidence " + sha256 + " in fleet " + fleet.fleetId() + "; list an alert's evidence"
                    + " with GET /api/v1/alerts/{alertId}/evidence (frames appear once the edge uploaded them)");
        }
        byte[] bytes = blob.get().bytes();
        MediaType type = MediaType.parseMediaType(blob.get().contentType());
        ResponseEntity.BodyBuilder ok = ResponseEntity.ok();
        if (range != null && type.getType().equals("video")) {
            // A browser's <video> seeks with range requests (ADR-0037); one range, the only kind it sends.
            long[] r = byteRange(range, bytes.length);
            if (r == null) {
                return ResponseEntity.status(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE).header(HttpHeaders.CONTENT_RANGE,
                        "bytes */" + bytes.length).build();
            }
            byte[] part = java.util.Arrays.copyOfRange(bytes, (int) r[0], (int) r[1] + 1);
            return ResponseEntity.status(HttpStatus.PARTIAL_CONTENT).contentType(type).eTag(etag)
                    .header(HttpHeaders.CACHE_CONTROL, CACHE_CONTROL).header(HttpHeaders.ACCEPT_RANGES, "bytes")
                    .header(HttpHeaders.CONTENT_RANGE, "bytes " + r[0] + "-" + r[1] + "/" + bytes.length).body(part);
        }
        if (type.getType().equals("video")) {
            ok.header(HttpHeaders.ACCEPT_RANGES, "bytes");
        }
        return ok.contentType(type).eTag(etag).header(HttpHeaders.CACHE_CONTROL, CACHE_CONTROL).body(bytes);
    }

    /** "bytes=a-b", "bytes=a-" or "bytes=-n" of a {@code length}-byte body as [first, last], or null when unsatisfiable. */
    static long[] byteRange(String header, long length) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\s*bytes=(\\d*)-(\\d*)\\s*$").matcher(header);
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty()) || length == 0) {
            return null;
        }
        long first;
        long last;
        if (m.group(1).isEmpty()) {
            long suffix = Long.parseLong(m.group(2));
            first = Math.max(0, length - suffix);
            last = length - 1;
        } else {
            first = Long.parseLong(m.group(1));
            last = m.group(2).isEmpty() ? length - 1 : Math.min(Long.parseLong(m.group(2)), length - 1);
        }
        return first <= last && first < length ? new long[] {first, last} : null;
    }

    private static byte[] readAtMost(InputStream in, long limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        byte[] buf = new byte[16 * 1024];
        long total = 0;
        int n;
        while (total < limit && (n = in.read(buf, 0, (int) Math.min(buf.length, limit - total))) > 0) {
            out.write(buf, 0, n);
            total += n;
        }
        return out.toByteArray();
    }
}
