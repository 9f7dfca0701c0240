package io.sightline.cloud.ingest;

import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/ingest}: one signed batch per request. 200 with the ack, or an RFC 9457
 * problem detail: 400 malformed, 401 unknown device or bad signature, 403 another device's
 * session or provenance, 409 gap (with {@code nextExpectedSequence}), 413 too large, 415 a binary
 * body of a format version this cloud does not read (ADR-0030), 422 a session
 * rule refused it or an event id was reused, 503 retry later.
 */
@RestController
public class IngestController {

    private static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

    private final SignedBatchIngestion ingestion;

    public IngestController(SignedBatchIngestion ingestion) {
        this.ingestion = ingestion;
    }

    @PostMapping("/api/v1/ingest")
    public ResponseEntity<byte[]> ingest(HttpServletRequest request) throws IOException {
        long max = ingestion.maxRequestBytes();
        long declared = request.getContentLengthLong();
        IngestResult result;
        if (declared > max) {
            // Refuse on the header alone: reading a huge body first is what the limit prevents.
            result = ingestion.tooLarge(declared);
        } else {
            byte[] body = declared >= 0 ? readDeclared(request.getInputStream(), (int) declared) : readAtMost(request.getInputStream(), max + 1);
            result = body.length > max ? ingestion.tooLarge(-1) : ingestion.ingest(body);
        }
        if (result.acknowledged()) {
            return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(IngestReplies.reply(result));
        }
        HttpStatus status = httpStatus(result);
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(status).contentType(PROBLEM_JSON);
        if (status == HttpStatus.UNAUTHORIZED) {
            builder.header(HttpHeaders.WWW_AUTHENTICATE, "Ed25519-Batch realm=\"sightline-ingest\"");
        }
        if (status == HttpStatus.SERVICE_UNAVAILABLE) {
            builder.header(HttpHeaders.RETRY_AFTER, "1");
        }
        if (status == HttpStatus.CONTENT_TOO_LARGE) {
            builder.header(HttpHeaders.CONNECTION, "close");
        }
        return builder.body(IngestReplies.problem(result, status.value()));
    }

    /**
     * The HTTP answer to a decision. Ingestion decides outcomes for every transport; only this
     * endpoint speaks HTTP, so the statuses live here (CloudArchitectureTest).
     */
    static HttpStatus httpStatus(IngestResult r) {
        return switch (r.outcome()) {
            case ACKNOWLEDGED -> HttpStatus.OK;
            case GAP -> HttpStatus.CONFLICT;
            case RETRY -> HttpStatus.SERVICE_UNAVAILABLE;
            case REJECTED -> switch (r.reason()) {
                case IngestResult.REQUEST_TOO_LARGE -> HttpStatus.CONTENT_TOO_LARGE;
                case IngestResult.UNSUPPORTED_FORMAT -> HttpStatus.UNSUPPORTED_MEDIA_TYPE;
                case IngestResult.UNKNOWN_DEVICE, IngestResult.BAD_SIGNATURE -> HttpStatus.UNAUTHORIZED;
                case IngestResult.DEVICE_MISMATCH, IngestResult.SESSION_OWNED_BY_OTHER_DEVICE, IngestResult.WRONG_FLEET,
                     IngestResult.WRONG_VEHICLE -> HttpStatus.FORBIDDEN;
                case IngestResult.MALFORMED_REQUEST -> HttpStatus.BAD_REQUEST;
                // The session rules' reasons (RejectionReason): a batch that is malformed in itself is 400, one the session refuses 422.
                case "MALFORMED_EVENT", "NON_CONTIGUOUS_BATCH", "BATCH_SIZE" -> HttpStatus.BAD_REQUEST;
                default -> HttpStatus.UNPROCESSABLE_CONTENT;
            };
        };
    }

    /**
     * A body whose length the client declared is read into one array of that size: growing a buffer
     * for a 2 MB batch allocated three times the body, in arrays large enough for the collector to
     * treat each as a humongous object. Tomcat ends the stream at the declared length.
     */
    private static byte[] readDeclared(InputStream in, int declared) throws IOException {
        byte[] body = in.readNBytes(declared);
        if (body.length != declared) {
            throw new EOFException("the request declared " + declared + " bytes but sent " + body.length);
        }
        return body;
    }

    private static byte[] readAtMost(InputStream in, long limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] buf = new byte[8192];
        long total = 0;
        int n;
        while (total < limit && (n = in.read(buf, 0, (int) Math.min(buf.length, limit - total))) > 0) {
            out.write(buf, 0, n);
            total += n;
        }
        return out.toByteArray();
    }
}
