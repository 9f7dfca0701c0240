package io.sightline.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.eval.gate.ReleaseGate;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Stores an evaluation's summary in the cloud as an {@code EvaluationCompleted}
 * ({@code POST /api/v1/evaluations}, admin token), for rollouts to cite as a gate. The evaluation id
 * is a hash of the report's bytes, so submitting the same report twice stores it once.
 */
public final class CloudSubmission {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the cloud answered. */
    public record Stored(String eventId, String logId, String evaluationId) {
    }

    private CloudSubmission() {
    }

    /** The request body: the report's identity and totals, each family's failure bound, the gate's verdict. */
    public static ObjectNode body(EvaluationReport r, ReleaseGate.Verdict gate, long completedAtNanos) {
        ObjectNode b = JSON.createObjectNode();
        b.put("evaluationId", evaluationId(r));
        b.put("policyVersion", r.policy().version());
        // The families run on the simulator's boxes: no detector model is part of this evaluation.
        b.putNull("modelSha256");
        b.put("suite", r.suite() == null ? "families" : r.suite());
        b.put("suiteSha256", r.familiesSha256());
        b.put("seed", r.seed());
        b.put("runsPerCell", r.runsPerCell());
        b.put("families", r.totals().families());
        b.put("runs", r.totals().runs());
        b.put("failedRuns", r.totals().failedRuns());
        if (gate == null) {
            b.putNull("gate");
            b.putNull("gatePassed");
            b.put("gateBoundsFailed", 0);
        } else {
            b.put("gate", gate.gate());
            b.put("gatePassed", gate.pass());
            b.put("gateBoundsFailed", gate.failures().size());
        }
        ArrayNode families = b.putArray("familyResults");
        for (EvaluationReport.FamilyReport f : r.families()) {
            ObjectNode n = families.addObject();
            n.put("familyId", f.id());
            n.put("kind", f.kind());
            n.put("runs", f.runs());
            n.put("failedRuns", f.failedRuns());
            n.put("failureUpper95", f.failureUpper95());
        }
        b.put("tool", r.tool());
        b.put("completedAtNanos", completedAtNanos);
        return b;
    }

    /** {@code eval-} and the first 24 hex digits of the sha256 of report.json's bytes. */
    public static String evaluationId(EvaluationReport r) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(ReportWriter.json(r).getBytes(StandardCharsets.UTF_8));
            return "eval-" + HexFormat.of().formatHex(digest).substring(0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Posts the body; a refusal is an exception whose message says what the cloud answered. */
    public static Stored submit(URI cloud, String bearerToken, ObjectNode body) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest request = HttpRequest.newBuilder(cloud.resolve("/api/v1/evaluations")).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + bearerToken).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            String detail = response.body();
            try {
                JsonNode p = JSON.readTree(detail);
                if (p.hasNonNull("detail")) {
                    detail = p.get("detail").asText();
                }
            } catch (IOException notJson) {
                // the raw body says it
            }
            throw new IOException("the cloud answered HTTP " + response.statusCode() + (detail == null || detail.isBlank() ? "" : ": " + detail)
                    + (response.statusCode() == 401 || response.statusCode() == 403 ? " (an admin token is needed)" : ""));
        }
        JsonNode s = JSON.readTree(response.body());
        return new Stored(s.path("eventId").asText(), s.path("logId").asText(), s.path("evaluationId").asText());
    }
}
