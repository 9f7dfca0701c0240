package io.sightline.cloud.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.domain.evaluation.EvaluationLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/** {@code /api/v1/evaluations}: an evaluation's summary stored once as EvaluationCompleted, listed per policy version. */
@CloudIntegrationTest
class EvaluationsIntegrationTest {

    static final String POLICY = "policy-under-evaluation-1";
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    DemoTokens tokens;
    @Autowired
    JdbcTemplate jdbc;

    private final HttpClient http = HttpClient.newHttpClient();

    private String token(String subject, String role) {
        return tokens.mint(subject, "fleet-a", Duration.ofMinutes(10), role);
    }

    private HttpResponse<String> post(String bearer, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/evaluations"))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> list(String bearer, String policy) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/evaluations?policyVersion=" + policy))
                .header("Authorization", "Bearer " + bearer).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static String submission(String evaluationId, int runs, int failed) {
        return "{\"evaluationId\":\"" + evaluationId + "\",\"policyVersion\":\"" + POLICY + "\",\"modelSha256\":null,\"suite\":\"nhtsa-fcw\","
                + "\"suiteSha256\":\"" + "cd".repeat(32) + "\",\"seed\":1,\"runsPerCell\":200,\"families\":1,\"runs\":" + runs
                + ",\"failedRuns\":" + failed + ",\"gate\":\"release-default-1\",\"gatePassed\":true,\"gateBoundsFailed\":0,"
                + "\"familyResults\":[{\"familyId\":\"nhtsa-fcw-1-lead-stopped\",\"kind\":\"hazard\",\"runs\":" + runs + ",\"failedRuns\":"
                + failed + ",\"failureUpper95\":0.0149}],\"tool\":\"sightline test\",\"completedAtNanos\":1765000000000000000}";
    }

    @Test
    void anAdminStoresAnEvaluationOnceAndOthersReadIt() throws Exception {
        String admin = token("release-pipeline", Roles.ADMIN);
        HttpResponse<String> first = post(admin, submission("eval-42", 200, 0));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(JSON.readTree(first.body()).get("logId").asText()).isEqualTo(EvaluationLog.idFor(POLICY));
        assertThat(post(admin, submission("eval-42", 200, 0)).statusCode()).as("a retried submission").isEqualTo(201);

        HttpResponse<String> listed = list(token("audrey", Roles.AUDITOR), POLICY);
        assertThat(listed.statusCode()).isEqualTo(200);
        JsonNode all = JSON.readTree(listed.body());
        assertThat(all).as("stored once").hasSize(1);
        JsonNode e = all.get(0).get("evaluation");
        assertThat(e.get("evaluationId").asText()).isEqualTo("eval-42");
        assertThat(e.get("submittedBy").asText()).as("the token's subject, not the body's").isEqualTo("release-pipeline");
        assertThat(e.get("familyResults").get(0).get("failureUpper95").asDouble()).isEqualTo(0.0149);
        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ?"
                + " and payload_type = 'io.sightline.domain.event.EvaluationCompleted'", Long.class, EvaluationLog.idFor(POLICY))).isEqualTo(1);
        assertThat(JSON.readTree(list(admin, "no-such-policy").body())).isEmpty();
    }

    @Test
    void onlyAnAdminStoresAndImpossibleCountsAreRefused() throws Exception {
        assertThat(post(token("ivan", Roles.INVESTIGATOR), submission("eval-x", 10, 0)).statusCode()).isEqualTo(403);
        HttpResponse<String> bad = post(token("release-pipeline", Roles.ADMIN), submission("eval-bad", 10, 11));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("failedRuns must be in 0..runs, got 11 of 10");
        assertThat(list(token("sam", Roles.SAFETY_APP), POLICY).statusCode()).isEqualTo(403);
    }
}
