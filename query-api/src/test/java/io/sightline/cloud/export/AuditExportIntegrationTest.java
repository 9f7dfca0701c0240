package io.sightline.cloud.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.testing.CloudHttp;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.cloud.testing.Projections;
import io.sightline.domain.audit.AuditChain;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.explain.sample.SyntheticDrive;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Audit exports over HTTP: complete, signed, verifiable, fleet-scoped, auditors only. */
@CloudIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditExportIntegrationTest {

    private static final long T0 = 1_764_000_000_000_000_000L;

    @DynamicPropertySource
    static void datasource(DynamicPropertyRegistry registry) {
        registry.add("sightline.export.key-file", () -> System.getProperty("java.io.tmpdir") + "/sightline-test-export-key-" + java.util.UUID.randomUUID());
    }

    @Autowired
    IngestionService ingestion;
    @Autowired
    DemoTokens tokens;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    Projections projections;
    @Autowired
    CloudHttp http;
    @Autowired
    ExportSigningKey key;

    @BeforeAll
    void appendSessions() throws Exception {
        append(new SyntheticDrive("exp-a", T0).start("fleet-a", "veh-1", "v1", SyntheticDrive.POLICY_V1), true);
        append(new SyntheticDrive("exp-b", T0).start("fleet-b", "veh-2", "v1", SyntheticDrive.POLICY_V1), false);
        // Reviews reach an export through the trace, which finds them via trace_edges: wait for both projections.
        projections.awaitProjection("three reviewed alerts in alerts and trace_edges",
                () -> projections.count("select count(*) from alerts where verdict is not null") >= 3
                        && projections.count("select count(*) from trace_edges where event_type = 'AlertReviewed'") >= 3,
                () -> "alerts: " + jdbc.queryForList("select alert_id, verdict from alerts"));
    }

    private void append(SyntheticDrive drive, boolean twoAlerts) {
        drive.approach(10.0, 8, 10, 22.0, 9.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        if (twoAlerts) {
            drive.approach(30.0, 10, 10, 15.0, 9.0, 0.0, 22.4, 0.6, 2, "FALSE_POSITIVE");
        }
        List<EventEnvelope> events = drive.events();
        for (int i = 0; i < events.size(); i += 40) {
            ingestion.append(drive.sessionId(), i, events.subList(i, Math.min(events.size(), i + 40)));
        }
    }

    private HttpResponse<String> get(String query, String bearer) throws Exception {
        return http.get("/api/v1/exports/audit" + query, bearer);
    }

    private String auditor(String fleet) {
        return tokens.mint("auditor@" + fleet, fleet, Duration.ofMinutes(5), Roles.AUDITOR);
    }

    @Test
    void exportHoldsEveryAlertWithItsTraceProvenanceAndReviewsAndVerifies() throws Exception {
        HttpResponse<String> r = get("?from=" + T0 + "&to=" + (T0 + 120_000_000_000L), auditor("fleet-a"));
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> lines = r.body().lines().toList();
        AuditChain.Verification v = AuditChain.verify(lines, key.publicKey());
        assertThat(v.valid()).as(v.problem()).isTrue();
        assertThat(v.records()).isEqualTo(2);

        JsonNode first = AuditChain.mapper().readTree(lines.get(0)).path("body");
        assertThat(first.path("alert").path("alert_id").asText()).isEqualTo("exp-a/alert/1");
        List<String> types = new ArrayList<>();
        first.path("trace").path("nodes").forEach(n -> types.add(n.path("type").asText()));
        assertThat(types).contains("AlertRaised", "RiskAssessed", "TrackUpdated", "DetectionObserved", "FrameCaptured",
                "ModelActivated", "DriveSessionStarted");
        assertThat(first.path("provenance").path("models").get(0).path("modelSha256").asText()).isEqualTo(SyntheticDrive.YOLOX_SHA256);
        assertThat(first.path("provenance").path("calibration").path("fxPx").isNumber()).isTrue();
        assertThat(first.path("reviews").get(0).path("verdict").asText()).isEqualTo("TRUE_POSITIVE");
        JsonNode manifest = AuditChain.mapper().readTree(lines.get(lines.size() - 1));
        assertThat(manifest.path("fleetId").asText()).isEqualTo("fleet-a");
        assertThat(manifest.path("count").asLong()).isEqualTo(2);

        List<String> tampered = new ArrayList<>(lines);
        tampered.set(1, tampered.get(1).replace("FALSE_POSITIVE", "TRUE_POSITIVE"));
        assertThat(AuditChain.verify(tampered, key.publicKey()).firstBadLine()).isEqualTo(2);
    }

    @Test
    void csvSummaryListsEachAlertWithItsRecordHash() throws Exception {
        HttpResponse<String> ndjson = get("?from=" + T0 + "&to=" + (T0 + 120_000_000_000L), auditor("fleet-a"));
        HttpResponse<String> csv = get("?from=" + T0 + "&to=" + (T0 + 120_000_000_000L) + "&format=csv", auditor("fleet-a"));
        assertThat(csv.statusCode()).isEqualTo(200);
        List<String> rows = csv.body().lines().toList();
        assertThat(rows.get(0)).startsWith("seq,alert_id,session_id");
        assertThat(rows).hasSize(3);
        String hashOfFirst = AuditChain.mapper().readTree(ndjson.body().lines().findFirst().orElseThrow()).path("hash").asText();
        assertThat(rows.get(1)).startsWith("0,exp-a/alert/1,exp-a,veh-1,FORWARD_COLLISION").endsWith(hashOfFirst);
    }

    @Test
    void fleetsRolesAndBadRangesAreRefused() throws Exception {
        String range = "?from=" + T0 + "&to=" + (T0 + 120_000_000_000L);
        HttpResponse<String> fleetB = get(range, auditor("fleet-b"));
        assertThat(AuditChain.verify(fleetB.body().lines().toList(), key.publicKey()).records()).as("fleet B sees only its own").isEqualTo(1);
        assertThat(fleetB.body()).doesNotContain("exp-a");
        assertThat(get(range + "&fleet=fleet-a", auditor("fleet-b")).statusCode()).as("another fleet is not found").isEqualTo(404);
        assertThat(get(range, null).statusCode()).isEqualTo(401);
        assertThat(get(range, tokens.mint("i", "fleet-a", Duration.ofMinutes(5), Roles.INVESTIGATOR)).statusCode()).isEqualTo(403);
        HttpResponse<String> inverted = get("?from=" + (T0 + 10) + "&to=" + T0, auditor("fleet-a"));
        assertThat(inverted.statusCode()).isEqualTo(400);
        assertThat(inverted.body()).contains("inverted");
        HttpResponse<String> iso = get("?from=2025-11-24T16:00:00Z&to=2027-01-01T00:00:00Z", auditor("fleet-a"));
        assertThat(iso.statusCode()).isEqualTo(200);
        assertThat(get("?from=yesterday&to=" + T0, auditor("fleet-a")).body()).contains("ISO-8601");
    }
}
