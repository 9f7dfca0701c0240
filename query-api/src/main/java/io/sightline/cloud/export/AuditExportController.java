package io.sightline.cloud.export;

import io.sightline.cloud.security.FleetScope;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/** Tamper-evident audit exports for auditors, scoped to the token's fleet. */
@RestController
@RequestMapping("/api/v1/exports")
public class AuditExportController {

    private final AuditExportService exports;
    private final ExportSigningKey key;

    public AuditExportController(AuditExportService exports, ExportSigningKey key) {
        this.exports = exports;
        this.key = key;
    }

    /**
     * {@code from}/{@code to}: epoch nanoseconds or ISO-8601 instants; {@code format}: {@code ndjson}
     * (records and signed manifest) or {@code csv} (summary). A {@code fleet} other than the token's
     * is answered as not found.
     */
    @GetMapping("/audit")
    public ResponseEntity<StreamingResponseBody> audit(Authentication auth,
            @RequestParam(name = "fleet", required = false) String fleet,
            @RequestParam("from") String from,
            @RequestParam("to") String to,
            @RequestParam(name = "format", defaultValue = "ndjson") String format) {
        FleetScope scope = FleetScope.of(auth);
        if (fleet != null && !scope.allows(fleet)) {
            throw new org.springframework.web.server.ResponseStatusException(org.springframework.http.HttpStatus.NOT_FOUND,
                    "no fleet '" + fleet + "' for this token");
        }
        AuditExportService.Scope s = new AuditExportService.Scope(scope.fleetId(), nanos("from", from), nanos("to", to));
        String name = "sightline-audit-" + scope.fleetId() + "-" + s.fromNanos() + "-" + s.toNanos();
        return switch (format) {
            case "ndjson" -> ResponseEntity.ok()
                    .contentType(MediaType.parseMediaType("application/x-ndjson"))
                    .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + name + ".ndjson\"")
                    .body(out -> exports.writeNdjson(s, out));
            case "csv" -> ResponseEntity.ok()
                    .contentType(MediaType.parseMediaType("text/csv"))
                    .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + name + ".csv\"")
                    .body(out -> exports.writeCsv(s, out));
            default -> throw new IllegalArgumentException("format must be 'ndjson' or 'csv', got '" + format + "'");
        };
    }

    /** The exporter's public key, to verify exports against a key obtained out of band. */
    @GetMapping(path = "/public-key", produces = "application/x-pem-file")
    public String publicKey() {
        return key.publicKeyPem();
    }

    /** Epoch nanoseconds or an ISO-8601 instant; shared with the export command so both accept the same input. */
    public static long nanos(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException notANumber) {
            try {
                Instant i = Instant.parse(value);
                return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
            } catch (DateTimeParseException | ArithmeticException e) {
                throw new IllegalArgumentException("'" + name + "' must be epoch nanoseconds or an ISO-8601 instant such as"
                        + " 2026-11-27T12:00:00Z, got '" + value + "'");
            }
        }
    }
}
