package io.sightline.cloud.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.cloud.api.AlertReadModel;
import io.sightline.cloud.trace.AlertExplanation;
import io.sightline.cloud.trace.ExplainService;
import io.sightline.domain.audit.AuditChain;
import io.sightline.domain.event.AlertReviewed;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.explain.trace.CausalTrace;
import io.sightline.explain.trace.TraceEdge;
import io.sightline.explain.trace.TraceNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Service;

/**
 * Audit exports: for every alert of a fleet in a time range, one chained record with the alert,
 * its complete causal trace (each node is the stored event), the provenance it was decided under
 * (model hashes, policy version and thresholds, calibration) and its reviews; then a signed
 * manifest ({@link AuditChain}). Alerts are streamed one at a time, so an export of any size runs
 * in constant memory.
 */
@Service
public class AuditExportService {

    /** Everything an export covers, echoed in the manifest. */
    public record Scope(String fleetId, long fromNanos, long toNanos) {

        public Scope {
            if (toNanos <= fromNanos) {
                throw new IllegalArgumentException("the time range is empty or inverted: from " + fromNanos + " ns is not before to "
                        + toNanos + " ns");
            }
        }
    }

    /** One exported alert as the CSV summary shows it. */
    public record SummaryRow(long seq, String alertId, String sessionId, String vehicleId, String kind, String level,
            long raisedAtNanos, String policyVersion, String verdict, String recordHash) {
    }

    private final AlertReadModel alerts;
    private final ExplainService explain;
    private final ExportSigningKey key;
    private final ObjectMapper mapper = AuditChain.mapper();

    public AuditExportService(AlertReadModel alerts, ExplainService explain, ExportSigningKey key) {
        this.alerts = alerts;
        this.explain = explain;
        this.key = key;
    }

    /** Writes the NDJSON export (records, then the manifest) and returns the summary rows. */
    public List<SummaryRow> writeNdjson(Scope scope, OutputStream out) throws IOException {
        AuditChain.Writer chain = new AuditChain.Writer();
        List<SummaryRow> summary = new java.util.ArrayList<>();
        Writer w = new java.io.BufferedWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8));
        for (Map<String, Object> alert : alerts(scope)) {
            String alertId = (String) alert.get("alert_id");
            Optional<AlertExplanation> explanation = explain.explain(alertId, scope.fleetId());
            ObjectNode body = body(alert, explanation.map(AlertExplanation::trace).orElse(null));
            long seq = chain.count();
            w.write(chain.record(body));
            w.write('\n');
            summary.add(new SummaryRow(seq, alertId, (String) alert.get("session_id"), (String) alert.get("vehicle_id"),
                    (String) alert.get("kind"), (String) alert.get("level"), ((Number) alert.get("raised_at_nanos")).longValue(),
                    (String) alert.get("policy_version"), (String) alert.get("verdict"), chain.finalHash()));
        }
        Map<String, Object> manifestScope = new LinkedHashMap<>();
        manifestScope.put("fleetId", scope.fleetId());
        manifestScope.put("fromNanos", scope.fromNanos());
        manifestScope.put("toNanos", scope.toNanos());
        w.write(chain.manifest(manifestScope, System.currentTimeMillis() * 1_000_000L, key.publicKey(), key.privateKey()));
        w.write('\n');
        w.flush();
        return summary;
    }

    /** The CSV summary: one row per exported alert, with the hash of its record in the NDJSON. */
    public void writeCsv(Scope scope, OutputStream out) throws IOException {
        List<SummaryRow> rows = writeNdjson(scope, OutputStream.nullOutputStream());
        Writer w = new java.io.BufferedWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8));
        w.write("seq,alert_id,session_id,vehicle_id,kind,level,raised_at_nanos,policy_version,verdict,record_sha256\n");
        for (SummaryRow r : rows) {
            w.write(r.seq() + "," + csv(r.alertId()) + "," + csv(r.sessionId()) + "," + csv(r.vehicleId()) + "," + csv(r.kind()) + ","
                    + csv(r.level()) + "," + r.raisedAtNanos() + "," + csv(r.policyVersion()) + "," + csv(r.verdict()) + ","
                    + r.recordHash() + "\n");
        }
        w.flush();
    }

    private List<Map<String, Object>> alerts(Scope scope) {
        return alerts.auditRows(scope.fleetId(), scope.fromNanos(), scope.toNanos());
    }

    private ObjectNode body(Map<String, Object> alert, CausalTrace trace) {
        ObjectNode body = mapper.createObjectNode();
        body.set("alert", mapper.valueToTree(alert));
        if (trace == null) {
            // The projection knows the alert but its events are not readable: say so rather than skip it.
            body.put("traceUnavailable", true);
            return body;
        }
        // What of the session the record rests on: the alert's causal window, which an edge uploading by
        // tier always sends in full (the cloud refuses a declared gap inside it, ADR-0027).
        long raisedAt = ((Number) alert.get("raised_at_nanos")).longValue();
        body.putObject("causalWindow").put("fromNanos", io.sightline.domain.evidence.AlertWindow.fromNanos(raisedAt))
                .put("toNanos", io.sightline.domain.evidence.AlertWindow.toNanos(raisedAt)).put("coverage", "complete");
        ObjectNode t = body.putObject("trace");
        ArrayNode nodes = t.putArray("nodes");
        for (TraceNode n : trace.nodes().values()) {
            ObjectNode node = nodes.addObject();
            node.put("eventId", n.eventId());
            node.put("type", n.type());
            node.put("role", n.role().name());
            node.put("occurredAtNanos", n.occurredAtNanos());
            node.put("sessionId", n.event().sessionId());
            node.put("sequence", n.event().sequence());
            node.put("globalIndex", n.event().globalIndex());
            node.set("payload", mapper.valueToTree(n.payload()));
        }
        ArrayNode edges = t.putArray("edges");
        for (TraceEdge e : trace.edges()) {
            edges.addObject().put("from", e.fromEventId()).put("to", e.toEventId()).put("kind", e.kind().name());
        }
        ObjectNode provenance = body.putObject("provenance");
        ArrayNode models = provenance.putArray("models");
        for (ModelActivated m : trace.payloads(ModelActivated.class)) {
            models.addObject().put("modelName", m.modelName()).put("modelVersion", m.modelVersion()).put("modelSha256", m.modelSha256());
        }
        trace.payloads(RiskAssessed.class).stream().findFirst().ifPresent(r -> provenance.put("policyVersion", r.policyVersion()));
        Optional<DriveSessionStarted> started = trace.sessionStarted();
        started.ifPresent(s -> {
            provenance.set("calibration", mapper.valueToTree(s.calibration()));
            provenance.set("policyThresholds", mapper.valueToTree(s.policyThresholds()));
            provenance.put("softwareVersion", s.softwareVersion());
            provenance.put("deviceId", s.deviceId());
        });
        ArrayNode reviews = body.putArray("reviews");
        for (AlertReviewed r : trace.payloads(AlertReviewed.class)) {
            reviews.add(mapper.valueToTree(r));
        }
        return body;
    }

    private static String csv(String value) {
        if (value == null) {
            return "";
        }
        return value.contains(",") || value.contains("\"") || value.contains("\n") ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
    }
}
