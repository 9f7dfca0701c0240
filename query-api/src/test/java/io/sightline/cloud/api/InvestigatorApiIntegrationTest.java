package io.sightline.cloud.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.projection.AlertsProjection;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.cloud.stream.SessionDirectory;
import io.sightline.cloud.testing.CloudHttp;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.cloud.testing.Projections;
import io.sightline.domain.event.AlertReviewed;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.MissedEventReported;
import io.sightline.explain.sample.SyntheticDrive;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The investigator REST API over HTTP on the real application: PostgreSQL store, Axon, projections,
 * security with HS256 tokens. Sessions are appended through ingestion with full lineage (frames,
 * detections, tracks, vehicle state, risk, alerts, actuation, clearing) as an edge would send them;
 * reviews come only through the API.
 */
@CloudIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// The projection rebuild runs last: it truncates the alerts the other tests read.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// No other class shares this context (its database is its own): closing it returns its pooled connections, since
// every cached context holds a full Hikari pool and the suite together comes close to PostgreSQL's max_connections.
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class InvestigatorApiIntegrationTest {

    static final long T0 = 1_764_000_000_000_000_000L;
    static final String A1 = "s-a1";
    static final String A2 = "s-a2";
    static final String B1 = "s-b1";
    /** The alert of approach 3 of A1 (frames f12–f21), decided by the assessment on f15. */
    static final String A1_ALERT_2 = A1 + "/alert/2";
    static final String A1_ALERT_2_ASSESSMENT = A1 + "/f15/trk-3/FORWARD_COLLISION";
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    IngestionService ingestion;
    @Autowired
    DemoTokens tokens;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    Projections projections;
    @Autowired
    CloudHttp cloud;
    @Autowired
    EventProcessingConfiguration processing;
    @Autowired
    SessionDirectory sessionDirectory;
    @Autowired
    JwtEncoder jwtEncoder;

    final HttpClient http = HttpClient.newHttpClient();
    String investigatorA;
    String investigatorB;
    List<EventEnvelope> a1Events;

    @BeforeAll
    void appendSessions() throws Exception {
        SyntheticDrive a1 = new SyntheticDrive(A1, T0).start("fleet-a", "veh-1", "v1", SyntheticDrive.POLICY_V1);
        a1.approach(10.0, 8, 10, 22.0, 9.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        a1.approach(20.0, 4, 10, 25.0, 10.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        a1.approach(30.0, 10, 10, 15.0, 9.0, 0.0, 22.4, 0.6, 2, "FALSE_POSITIVE");
        a1Events = a1.edgeEvents();
        // Several batches, as an edge uplink sends them.
        for (int i = 0; i < a1Events.size(); i += 40) {
            ingestion.append(A1, i, a1Events.subList(i, Math.min(a1Events.size(), i + 40)));
        }
        SyntheticDrive a2 = new SyntheticDrive(A2, T0 + 200_000_000_000L).start("fleet-a", "veh-2", "v1", SyntheticDrive.POLICY_V1);
        a2.approach(1.0, 6, 10, 15.0, 9.0, 0.0, 22.4, 2, "UNSURE");
        ingestion.append(A2, 0, a2.edgeEvents());
        SyntheticDrive b1 = new SyntheticDrive(B1, T0 + 300_000_000_000L).start("fleet-b", "veh-9", "v1", SyntheticDrive.POLICY_V1);
        b1.approach(1.0, 6, 10, 15.0, 9.0, 0.0, 22.4, 2, "UNSURE");
        ingestion.append(B1, 0, b1.edgeEvents());

        investigatorA = tokens.mint("ana@fleet-a", "fleet-a", Duration.ofMinutes(30), Roles.INVESTIGATOR);
        investigatorB = tokens.mint("bob@fleet-b", "fleet-b", Duration.ofMinutes(30), Roles.INVESTIGATOR);
        await("alerts of all sessions projected", () -> count("select count(*) from alerts") == 4
                && count("select count(*) from alert_sessions") == 3);
    }

    // ---------------------------------------------------------------- helpers

    long count(String sql, Object... args) {
        return jdbc.queryForObject(sql, Long.class, args);
    }

    long storedEvents() {
        return count("select count(*) from domain_event_entry");
    }

    void await(String what, BooleanSupplier condition) {
        projections.awaitProjection(what, condition);
    }

    HttpResponse<String> get(String path, String bearer) throws Exception {
        return cloud.get(path, bearer);
    }

    HttpResponse<String> post(String path, String bearer, String json) throws Exception {
        return cloud.postJson(path, bearer, json);
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    /** Asserts an RFC 9457 problem document with the status, and returns its detail. */
    static String problem(HttpResponse<String> response, int status) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        JsonNode problem = json(response);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title").asText()).isNotBlank();
        return problem.get("detail").asText();
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    List<String> alertIds(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("items").forEach(i -> ids.add(i.get("alertId").asText()));
        return ids;
    }

    long raisedAt(String alertId) {
        return count("select raised_at_nanos from alerts where alert_id = ?", alertId);
    }

    // ---------------------------------------------------------------- GET /alerts

    @Test
    void alertListIsTheCallersFleetNewestFirstPagedByCursor() throws Exception {
        JsonNode first = json(get("/api/v1/alerts?limit=2", investigatorA));
        assertThat(alertIds(first)).containsExactly(A2 + "/alert/1", A1_ALERT_2);
        String cursor = first.get("nextCursor").asText();
        assertThat(cursor).isNotBlank();
        JsonNode second = json(get("/api/v1/alerts?limit=2&cursor=" + q(cursor), investigatorA));
        assertThat(alertIds(second)).containsExactly(A1 + "/alert/1");
        assertThat(second.get("nextCursor").isNull()).as("last page").isTrue();

        JsonNode item = second.get("items").get(0);
        assertThat(item.get("sessionId").asText()).isEqualTo(A1);
        assertThat(item.get("fleetId").asText()).isEqualTo("fleet-a");
        assertThat(item.get("vehicleId").asText()).isEqualTo("veh-1");
        assertThat(item.get("kind").asText()).isEqualTo("FORWARD_COLLISION");
        assertThat(item.get("raisedAtNanos").asLong()).isEqualTo(T0 + 10_400_000_000L);
        assertThat(item.get("clearedAtNanos").isNull()).isTrue();

        assertThat(alertIds(json(get("/api/v1/alerts", investigatorB)))).containsExactly(B1 + "/alert/1");
    }

    @Test
    void alertListFilters() throws Exception {
        assertThat(alertIds(json(get("/api/v1/alerts?vehicle=veh-2", investigatorA)))).containsExactly(A2 + "/alert/1");
        assertThat(alertIds(json(get("/api/v1/alerts?vehicle=veh-9", investigatorA)))).as("fleet-b's vehicle").isEmpty();
        // Half-open range: an alert exactly at toNanos is outside, one exactly at fromNanos inside.
        long alert1 = raisedAt(A1 + "/alert/1");
        assertThat(alertIds(json(get("/api/v1/alerts?fromNanos=" + alert1 + "&toNanos=" + raisedAt(A1_ALERT_2), investigatorA))))
                .containsExactly(A1 + "/alert/1");
        assertThat(alertIds(json(get("/api/v1/alerts?fromNanos=" + (alert1 + 1), investigatorA))))
                .containsExactly(A2 + "/alert/1", A1_ALERT_2);
        assertThat(alertIds(json(get("/api/v1/alerts?kind=FORWARD_COLLISION&level=WARNING", investigatorA)))).hasSize(3);
        assertThat(alertIds(json(get("/api/v1/alerts?kind=PEDESTRIAN", investigatorA)))).isEmpty();
        assertThat(alertIds(json(get("/api/v1/alerts?level=CRITICAL", investigatorA)))).isEmpty();
        // Other tests review some alerts; A1_ALERT_2 is never reviewed (edge sessions carry no reviews).
        assertThat(alertIds(json(get("/api/v1/alerts?verdict=UNREVIEWED", investigatorA))))
                .contains(A1_ALERT_2)
                .isEqualTo(jdbc.queryForList("select alert_id from alerts where fleet_id = 'fleet-a' and verdict is null"
                        + " order by raised_at_nanos desc", String.class));
    }

    @Test
    void alertListRefusesBadInputWithProblems() throws Exception {
        assertThat(problem(get("/api/v1/alerts?fromNanos=200&toNanos=100", investigatorA), 400)).contains("time range is inverted");
        assertThat(problem(get("/api/v1/alerts?cursor=not-a-cursor!", investigatorA), 400)).contains("cursor is malformed");
        String wellEncodedNonsense = Base64.getUrlEncoder().encodeToString("x1|12|a".getBytes(StandardCharsets.UTF_8));
        assertThat(problem(get("/api/v1/alerts?cursor=" + wellEncodedNonsense, investigatorA), 400)).contains("cursor is malformed");
        String badNumber = Base64.getUrlEncoder().encodeToString("a1|soon|a".getBytes(StandardCharsets.UTF_8));
        assertThat(problem(get("/api/v1/alerts?cursor=" + badNumber, investigatorA), 400)).contains("cursor is malformed");
        assertThat(problem(get("/api/v1/alerts?verdict=MAYBE", investigatorA), 400)).contains("verdict 'MAYBE'");
        assertThat(problem(get("/api/v1/alerts?limit=0", investigatorA), 400)).contains("limit must be 1..500");
        assertThat(problem(get("/api/v1/alerts?fromNanos=yesterday", investigatorA), 400)).contains("'fromNanos' must be Long");
    }

    @Test
    void cursorRoundTripsIdsWithSeparators() {
        AlertCursor cursor = new AlertCursor(T0, "odd|id/with/slashes");
        assertThat(AlertCursor.decode(cursor.encode())).isEqualTo(cursor);
    }

    // ---------------------------------------------------------------- GET /alerts/{id}, trace, narrative

    @Test
    void oneAlertByIdWithSlashes() throws Exception {
        HttpResponse<String> response = get("/api/v1/alerts/" + A1_ALERT_2, investigatorA);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode alert = json(response);
        assertThat(alert.get("alertId").asText()).isEqualTo(A1_ALERT_2);
        assertThat(alert.get("eventId").asText()).isEqualTo(A1_ALERT_2);
        assertThat(alert.get("trackId").asText()).isEqualTo("trk-3");
        assertThat(alert.get("clearedAtNanos").asLong()).isEqualTo(T0 + 30_700_000_000L);
        assertThat(alert.get("clearedReason").asText()).isEqualTo("CONDITION_ENDED");
        assertThat(alert.get("globalIndex").asLong()).isEqualTo(count("select global_index from domain_event_entry"
                + " where event_identifier = ?", A1_ALERT_2));

        String unknown = problem(get("/api/v1/alerts/" + A1 + "/alert/99", investigatorA), 404);
        String foreign = problem(get("/api/v1/alerts/" + A1_ALERT_2, investigatorB), 404);
        assertThat(unknown).isEqualTo("no alert '" + A1 + "/alert/99' in your fleet");
        assertThat(foreign).as("another fleet's alert reads exactly like an unknown one").isEqualTo("no alert '" + A1_ALERT_2 + "' in your fleet");
    }

    @Test
    void traceAsJsonHasTheNodesAndEdgesOfTheDecision() throws Exception {
        HttpResponse<String> response = get("/api/v1/alerts/" + A1_ALERT_2 + "/trace", investigatorA);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode trace = json(response);
        assertThat(trace.get("alertId").asText()).isEqualTo(A1_ALERT_2);
        Map<String, String> roles = new HashMap<>();
        trace.get("nodes").forEach(n -> roles.put(n.get("eventId").asText(), n.get("role").asText()));
        assertThat(roles).containsEntry(A1_ALERT_2, "ALERT").containsEntry(A1_ALERT_2_ASSESSMENT, "CAUSE")
                .containsEntry(A1 + "/f15/det-0", "CAUSE").containsEntry(A1 + "/f12/trk-3/start", "TRACK_HISTORY")
                .containsEntry(A1 + "/start", "PROVENANCE").containsEntry(A1 + "/model/yolox", "PROVENANCE")
                .containsEntry(A1_ALERT_2 + "/clr", "CONSEQUENCE");
        List<String> edges = new ArrayList<>();
        trace.get("edges").forEach(e -> edges.add(e.get("from").asText() + " -> " + e.get("to").asText() + " " + e.get("kind").asText()));
        assertThat(edges).contains(A1_ALERT_2 + " -> " + A1_ALERT_2_ASSESSMENT + " CAUSE",
                A1 + "/f15/det-0 -> " + A1 + "/model/yolox PROVENANCE");
        JsonNode alertNode = null;
        for (JsonNode n : trace.get("nodes")) {
            if (n.get("eventId").asText().equals(A1_ALERT_2)) {
                alertNode = n;
            }
        }
        assertThat(alertNode).isNotNull();
        assertThat(alertNode.get("type").asText()).isEqualTo("AlertRaised");
        assertThat(alertNode.get("sessionTimeS").asDouble()).isEqualTo(30.3, offset(1e-9));
        assertThat(alertNode.get("payload").get("causes").get(0).asText()).isEqualTo(A1_ALERT_2_ASSESSMENT);
    }

    @Test
    void traceAsGraphvizDot() throws Exception {
        HttpResponse<String> response = get("/api/v1/alerts/" + A1_ALERT_2 + "/trace?format=dot", investigatorA);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/vnd.graphviz"));
        String dot = response.body();
        assertThat(dot).startsWith("digraph \"trace " + A1_ALERT_2 + "\" {").endsWith("}\n");
        assertThat(dot).contains("\"" + A1_ALERT_2 + "\" -> \"" + A1_ALERT_2_ASSESSMENT + "\";")
                .contains("\"" + A1 + "/f15/det-0\" -> \"" + A1 + "/model/yolox\" [style=dashed")
                .contains("\"" + A1_ALERT_2 + "\" [label=\"AlertRaised\\n");
        // one node statement per node, one edge statement per edge: the JSON and DOT views agree
        JsonNode trace = json(get("/api/v1/alerts/" + A1_ALERT_2 + "/trace", investigatorA));
        assertThat(dot.lines().filter(l -> l.contains(" -> ")).count()).isEqualTo(trace.get("edges").size());
        assertThat(dot.lines().filter(l -> l.contains("[label=")).count()).isEqualTo(trace.get("nodes").size());
    }

    @Test
    void traceAsASelfContainedHtmlPage() throws Exception {
        HttpResponse<String> response = get("/api/v1/alerts/" + A1_ALERT_2 + "/trace?format=html", investigatorA);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(response.headers().firstValue("Content-Security-Policy")).contains("default-src 'none'; style-src 'unsafe-inline'");
        String html = response.body();
        // One drawing of a trace: the page embeds exactly the SVG the investigator UI fetches.
        String svg = get("/api/v1/alerts/" + A1_ALERT_2 + "/trace?format=svg", investigatorA).body();
        assertThat(html).startsWith("<!DOCTYPE html>").contains(svg)
                .contains("Forward collision warning at 30.3 s").contains("<table class=\"margins\">");
        // Self-contained: no script, stylesheet link, image, frame or any URL other than the SVG namespace.
        assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http:", "https:", "<script", "<link", "<img",
                "<iframe", "src=", "href=");
        long nodes = json(get("/api/v1/alerts/" + A1_ALERT_2 + "/trace", investigatorA)).get("nodes").size();
        assertThat(html.split("<g class=\"node ", -1).length - 1L).as("one box per trace node").isEqualTo(nodes);
    }

    @Test
    void traceRefusesUnknownFormatsAndOtherFleets() throws Exception {
        assertThat(problem(get("/api/v1/alerts/" + A1_ALERT_2 + "/trace?format=png", investigatorA), 400))
                .contains("format must be json, dot, html or svg");
        for (String format : List.of("json", "dot", "html", "svg")) {
            problem(get("/api/v1/alerts/" + A1_ALERT_2 + "/trace?format=" + format, investigatorB), 404);
        }
        problem(get("/api/v1/alerts/" + A1 + "/alert/99/trace", investigatorA), 404);
    }

    @Test
    void narrativeWithMargins() throws Exception {
        HttpResponse<String> response = get("/api/v1/alerts/" + A1_ALERT_2 + "/narrative", investigatorA);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode n = json(response);
        assertThat(n.get("headline").asText()).startsWith("Forward collision warning at 30.3 s: car track trk-3 at 12.3 m closing at 9 m/s,"
                + " TTC 1.37 s against the 2.1 s threshold (policy v1)");
        List<String> details = new ArrayList<>();
        n.get("details").forEach(d -> details.add(d.asText()));
        assertThat(details).contains("No alert if closing speed had been below 5.86 m/s.", "Cleared after 0.4 s (CONDITION_ENDED).");
        assertThat(n.get("text").asText()).startsWith(n.get("headline").asText());
        JsonNode margins = n.get("margins");
        assertThat(margins.get("assessmentId").asText()).isEqualTo(A1_ALERT_2_ASSESSMENT);
        assertThat(margins.get("factors")).hasSize(5);
        assertThat(margins.get("factors").get(0).get("marginInUnit").asDouble()).isCloseTo(2.1 - 12.3 / 9, offset(1e-9));
        problem(get("/api/v1/alerts/" + A1_ALERT_2 + "/narrative", investigatorB), 404);
    }

    // ---------------------------------------------------------------- GET /sessions/{id}/events

    @Test
    void sessionEventsPageInSequenceOrderUntilTheEnd() throws Exception {
        List<Long> sequences = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = json(get("/api/v1/sessions/" + A1 + "/events?limit=25" + (cursor == null ? "" : "&cursor=" + cursor),
                    investigatorA));
            page.get("items").forEach(e -> {
                sequences.add(e.get("sequence").asLong());
                ids.add(e.get("eventId").asText());
            });
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
            pages++;
        } while (cursor != null && pages < 100);
        assertThat(ids).isEqualTo(a1Events.stream().map(EventEnvelope::eventId).toList());
        assertThat(sequences).isEqualTo(LongStream.range(0, a1Events.size()).boxed().toList());
        assertThat(pages).isEqualTo((a1Events.size() + 24) / 25);

        JsonNode first = json(get("/api/v1/sessions/" + A1 + "/events?limit=2", investigatorA));
        assertThat(first.get("nextCursor").asText()).isEqualTo("2");
        JsonNode start = first.get("items").get(0);
        assertThat(start.get("type").asText()).isEqualTo("DriveSessionStarted");
        assertThat(start.get("occurredAtNanos").asLong()).isEqualTo(T0);
        assertThat(start.get("payload").get("fleetId").asText()).isEqualTo("fleet-a");
        assertThat(first.get("items").get(1).get("type").asText()).isEqualTo("ModelActivated");
    }

    @Test
    void sessionEventsAreFleetScopedAndRefuseBadCursors() throws Exception {
        String foreign = problem(get("/api/v1/sessions/" + A1 + "/events", investigatorB), 404);
        String unknown = problem(get("/api/v1/sessions/no-such-session/events", investigatorA), 404);
        assertThat(foreign).isEqualTo("no session '" + A1 + "' in your fleet");
        assertThat(unknown).isEqualTo("no session 'no-such-session' in your fleet");
        // A review log is cloud-side input, not a drive session.
        problem(get("/api/v1/sessions/" + A1 + "/reviews/events", investigatorA), 404);
        assertThat(problem(get("/api/v1/sessions/" + A1 + "/events?cursor=abc", investigatorA), 400)).contains("cursor is malformed");
        assertThat(problem(get("/api/v1/sessions/" + A1 + "/events?cursor=-1", investigatorA), 400)).contains("cursor is malformed");
        assertThat(problem(get("/api/v1/sessions/" + A1 + "/events?limit=5000", investigatorA), 400)).contains("limit must be 1..1000");
        problem(get("/api/v1/sessions/" + A1 + "/nothing-here", investigatorA), 404);
    }

    // ---------------------------------------------------------------- POST review / missed events

    @Test
    void reviewBecomesAnAlertReviewedEventInTheReviewLogAndTheProjectionShowsIt() throws Exception {
        String alertId = A2 + "/alert/1";
        long sessionEventsBefore = count("select count(*) from domain_event_entry where aggregate_identifier = ?", A2);
        HttpResponse<String> response = post("/api/v1/alerts/" + alertId + "/review", investigatorA,
                "{\"verdict\":\"FALSE_POSITIVE\",\"note\":\"shadow on the road, no car\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode accepted = json(response);
        String eventId = accepted.get("eventId").asText();
        assertThat(accepted.get("reviewer").asText()).isEqualTo("ana@fleet-a");

        Map<String, Object> stored = jdbc.queryForMap("select aggregate_identifier, sequence_number, payload_type, convert_from(payload, 'UTF8')"
                + " as payload from domain_event_entry where event_identifier = ?", eventId);
        assertThat(stored).containsEntry("aggregate_identifier", A2 + "/reviews").containsEntry("sequence_number", 0L)
                .containsEntry("payload_type", AlertReviewed.class.getName());
        JsonNode payload = JSON.readTree((String) stored.get("payload"));
        assertThat(payload.get("verdict").asText()).isEqualTo("FALSE_POSITIVE");
        assertThat(payload.get("reviewer").asText()).isEqualTo("ana@fleet-a");
        assertThat(payload.get("note").asText()).isEqualTo("shadow on the road, no car");
        assertThat(payload.get("causes").get(0).asText()).as("the AlertRaised reviewed").isEqualTo(alertId);
        assertThat(count("select count(*) from domain_event_entry where aggregate_identifier = ?", A2))
                .as("the drive session's sequence stays the edge's").isEqualTo(sessionEventsBefore);

        await("verdict in the alerts projection", () -> {
            try {
                return "FALSE_POSITIVE".equals(json(get("/api/v1/alerts/" + alertId, investigatorA)).path("verdict").asText());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        JsonNode alert = json(get("/api/v1/alerts/" + alertId, investigatorA));
        assertThat(alert.get("reviewer").asText()).isEqualTo("ana@fleet-a");
        assertThat(alert.get("reviewedAtNanos").asLong()).isEqualTo(accepted.get("reviewedAtNanos").asLong());
        assertThat(alertIds(json(get("/api/v1/alerts?verdict=FALSE_POSITIVE", investigatorA)))).containsExactly(alertId);
        assertThat(alertIds(json(get("/api/v1/alerts?verdict=UNREVIEWED", investigatorA)))).doesNotContain(alertId);

        // The review is a consequence in the alert's trace once the lineage index has it.
        await("review in trace_edges", () -> count("select count(*) from trace_edges where event_id = ?", eventId) == 1);
        JsonNode trace = json(get("/api/v1/alerts/" + alertId + "/trace", investigatorA));
        List<String> consequences = new ArrayList<>();
        trace.get("nodes").forEach(n -> {
            if (n.get("role").asText().equals("CONSEQUENCE")) {
                consequences.add(n.get("eventId").asText());
            }
        });
        assertThat(consequences).contains(eventId);
    }

    @Test
    void reviewsReachTheFleetsAlertStream() throws Exception {
        assertThat(sessionDirectory.lookup(A1 + "/reviews")).isEqualTo(sessionDirectory.lookup(A1))
                .isEqualTo(new SessionDirectory.SessionInfo("fleet-a", "veh-1"));
        long lastIndex = count("select max(global_index) from domain_event_entry");
        HttpResponse<String> review = post("/api/v1/alerts/" + A1 + "/alert/1/review", investigatorA, "{\"verdict\":\"TRUE_POSITIVE\"}");
        assertThat(review.statusCode()).as(review.body()).isEqualTo(201);
        String eventId = json(review).get("eventId").asText();
        long reviewIndex = count("select global_index from domain_event_entry where event_identifier = ?", eventId);

        String safetyApp = tokens.mint("app", "fleet-a", Duration.ofMinutes(5), Roles.SAFETY_APP);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/streams/alerts"))
                .header("Authorization", "Bearer " + safetyApp).header("Last-Event-ID", Long.toString(lastIndex)).GET().build();
        HttpResponse<Stream<String>> stream = http.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).get(10, TimeUnit.SECONDS);
        assertThat(stream.statusCode()).isEqualTo(200);
        CompletableFuture<Optional<String>> idLine;
        try (Stream<String> lines = stream.body()) {
            // The first event after lastIndex on this fleet's alert stream is the review.
            idLine = CompletableFuture.supplyAsync(() -> lines.filter(l -> l.startsWith("id:")).findFirst());
            assertThat(idLine.get(20, TimeUnit.SECONDS)).hasValueSatisfying(l -> assertThat(l.substring(3).trim())
                    .isEqualTo(Long.toString(reviewIndex)));
        }
    }

    @Test
    void badReviewsAreRefusedWithProblemsAndStoreNothing() throws Exception {
        long before = storedEvents();
        String review = "/api/v1/alerts/" + A1_ALERT_2 + "/review";
        assertThat(problem(post(review, investigatorA, "{\"verdict\":\"MAYBE\"}"), 400)).contains("verdict must be one of");
        assertThat(problem(post(review, investigatorA, "{\"verdict\":\"true_positive\"}"), 400)).contains("got 'true_positive'");
        assertThat(problem(post(review, investigatorA, "{\"note\":\"no verdict\"}"), 400)).contains("got none");
        problem(post(review, investigatorA, "{not json"), 400);
        assertThat(problem(post(review, investigatorA, "{\"verdict\":\"UNSURE\",\"note\":\"" + "x".repeat(4_001) + "\"}"), 400))
                .contains("note is 4001 characters");
        assertThat(problem(post("/api/v1/alerts/" + A1 + "/alert/99/review", investigatorA, "{\"verdict\":\"UNSURE\"}"), 404))
                .isEqualTo("no alert '" + A1 + "/alert/99' in your fleet");
        assertThat(problem(post(review, investigatorB, "{\"verdict\":\"UNSURE\"}"), 404))
                .isEqualTo("no alert '" + A1_ALERT_2 + "' in your fleet");
        problem(post("/api/v1/alerts/" + A1_ALERT_2, investigatorA, "{\"verdict\":\"UNSURE\"}"), 404);
        assertThat(storedEvents()).isEqualTo(before);
        assertThat(count("select count(*) from alerts where alert_id = ? and verdict is not null", A1_ALERT_2)).isZero();
    }

    @Test
    void missedEventBecomesMissedEventReported() throws Exception {
        long occurredAtNanos = T0 + 45_000_000_000L;
        HttpResponse<String> response = post("/api/v1/sessions/" + A1 + "/missed-events", investigatorA,
                "{\"kind\":\"PEDESTRIAN_CROSSING\",\"occurredAtNanos\":" + occurredAtNanos + ",\"note\":\"child behind the bus\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        String eventId = json(response).get("eventId").asText();
        Map<String, Object> stored = jdbc.queryForMap("select aggregate_identifier, payload_type, convert_from(payload, 'UTF8') as payload,"
                + " convert_from(meta_data, 'UTF8') as meta from domain_event_entry where event_identifier = ?", eventId);
        assertThat(stored).containsEntry("aggregate_identifier", A1 + "/reviews")
                .containsEntry("payload_type", MissedEventReported.class.getName());
        JsonNode payload = JSON.readTree((String) stored.get("payload"));
        assertThat(payload.get("reportId").asText()).isEqualTo(eventId);
        assertThat(payload.get("sessionId").asText()).isEqualTo(A1);
        assertThat(payload.get("kind").asText()).isEqualTo("PEDESTRIAN_CROSSING");
        assertThat(payload.get("occurredAtNanos").asLong()).isEqualTo(occurredAtNanos);
        assertThat(payload.get("reporter").asText()).isEqualTo("ana@fleet-a");
        assertThat(JSON.readTree((String) stored.get("meta")).get("eventId").asText()).isEqualTo(eventId);
    }

    @Test
    void badMissedEventReportsAreRefusedAndStoreNothing() throws Exception {
        long before = storedEvents();
        String path = "/api/v1/sessions/" + A1 + "/missed-events";
        assertThat(problem(post(path, investigatorA, "{\"occurredAtNanos\":" + T0 + "}"), 400)).contains("kind is required");
        assertThat(problem(post(path, investigatorA, "{\"kind\":\"CUT_IN\"}"), 400)).contains("occurredAtNanos is required");
        assertThat(problem(post(path, investigatorA, "{\"kind\":\"" + "K".repeat(65) + "\",\"occurredAtNanos\":" + T0 + "}"), 400))
                .contains("kind is 65 characters");
        problem(post(path, investigatorB, "{\"kind\":\"CUT_IN\",\"occurredAtNanos\":" + T0 + "}"), 404);
        problem(post("/api/v1/sessions/no-such-session/missed-events", investigatorA, "{\"kind\":\"CUT_IN\",\"occurredAtNanos\":" + T0 + "}"), 404);
        assertThat(storedEvents()).isEqualTo(before);
    }

    // ---------------------------------------------------------------- POST /whatif

    @Test
    void whatIfReturnsTheDecisionDiff() throws Exception {
        HttpResponse<String> response = post("/api/v1/whatif", investigatorA, "{\"sessionId\":\"" + A1 + "\",\"fromNanos\":"
                + (T0 + 10_000_000_000L) + ",\"toNanos\":" + (T0 + 11_000_000_000L)
                + ",\"version\":\"v2\",\"thresholds\":{\"forwardCollision.ttcRaiseS\":1.9}}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode r = json(response);
        assertThat(r.get("whatIfVersion").asText()).isEqualTo("v2");
        assertThat(r.get("assessments").asInt()).isEqualTo(8);
        List<String> changed = new ArrayList<>();
        r.get("changedDecisions").forEach(c -> changed.add(c.get("assessmentEventId").asText()));
        assertThat(changed).containsExactly(A1 + "/f4/trk-1/FORWARD_COLLISION", A1 + "/f5/trk-1/FORWARD_COLLISION");
        assertThat(r.get("recordedAlerts")).hasSize(1);
        assertThat(r.get("recordedAlerts").get(0).get("outcome").asText()).isEqualTo("KEPT");
        assertThat(r.get("recordedAlerts").get(0).get("shiftS").asDouble()).isCloseTo(0.2, offset(1e-9));

        // Whole session at 1.3 s: alert/1 disappears.
        JsonNode strict = json(post("/api/v1/whatif", investigatorA, "{\"sessionId\":\"" + A1 + "\",\"fromNanos\":" + T0
                + ",\"toNanos\":" + (T0 + 60_000_000_000L) + ",\"thresholds\":{\"forwardCollision.ttcRaiseS\":1.3}}"));
        assertThat(strict.get("recordedAlerts").get(0).get("outcome").asText()).isEqualTo("DISAPPEARS");
        assertThat(strict.get("whatIfVersion").asText()).isEqualTo("what-if");
    }

    @Test
    void whatIfRefusesBadInputAndOtherFleets() throws Exception {
        String window = ",\"fromNanos\":" + T0 + ",\"toNanos\":" + (T0 + 60_000_000_000L);
        assertThat(problem(post("/api/v1/whatif", investigatorB, "{\"sessionId\":\"" + A1 + "\"" + window + "}"), 404))
                .isEqualTo("no session '" + A1 + "' in your fleet");
        problem(post("/api/v1/whatif", investigatorA, "{\"sessionId\":\"nope\"" + window + "}"), 404);
        assertThat(problem(post("/api/v1/whatif", investigatorA, "{\"sessionId\":\"" + A1 + "\",\"fromNanos\":" + (T0 + 1) + ",\"toNanos\":"
                + T0 + "}"), 400)).contains("time range is inverted");
        assertThat(problem(post("/api/v1/whatif", investigatorA, "{\"sessionId\":\"" + A1 + "\"" + window
                + ",\"thresholds\":{\"forwardCollision.ttcRaise\":1.9}}"), 400)).contains("unknown thresholds [forwardCollision.ttcRaise]");
        assertThat(problem(post("/api/v1/whatif", investigatorA, "{\"fromNanos\":1,\"toNanos\":2}"), 400)).contains("sessionId is required");
    }

    // ---------------------------------------------------------------- roles and fleets across every endpoint

    record Call(String method, String path, String body) {
    }

    List<Call> everyEndpoint() {
        String review = "{\"verdict\":\"TRUE_POSITIVE\"}";
        return List.of(
                new Call("GET", "/api/v1/alerts", null),
                new Call("GET", "/api/v1/alerts/" + A1_ALERT_2, null),
                new Call("GET", "/api/v1/alerts/" + A1_ALERT_2 + "/trace", null),
                new Call("GET", "/api/v1/alerts/" + A1_ALERT_2 + "/trace?format=dot", null),
                new Call("GET", "/api/v1/alerts/" + A1_ALERT_2 + "/trace?format=html", null),
                new Call("GET", "/api/v1/alerts/" + A1_ALERT_2 + "/trace?format=svg", null),
                new Call("GET", "/api/v1/alerts/" + A1_ALERT_2 + "/narrative", null),
                new Call("GET", "/api/v1/sessions/" + A1 + "/events", null),
                new Call("POST", "/api/v1/alerts/" + A1_ALERT_2 + "/review", review),
                new Call("POST", "/api/v1/sessions/" + A1 + "/missed-events", "{\"kind\":\"CUT_IN\",\"occurredAtNanos\":" + T0 + "}"),
                new Call("POST", "/api/v1/whatif", "{\"sessionId\":\"" + A1 + "\",\"fromNanos\":" + T0 + ",\"toNanos\":" + (T0 + 1) + "}"));
    }

    HttpResponse<String> call(Call c, String bearer) throws Exception {
        return c.method().equals("GET") ? get(c.path(), bearer) : post(c.path(), bearer, c.body());
    }

    @Test
    void everyEndpointNeedsAValidInvestigatorToken() throws Exception {
        long before = storedEvents();
        Instant issued = Instant.now().minus(Duration.ofHours(2));
        // Expired beyond the validator's 60 s clock-skew allowance.
        String expired = jwtEncoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), JwtClaimsSet.builder()
                .subject("ana@fleet-a").issuedAt(issued).expiresAt(issued.plus(Duration.ofMinutes(10)))
                .claim(Roles.FLEET_CLAIM, "fleet-a").claim(Roles.ROLES_CLAIM, List.of(Roles.INVESTIGATOR)).build())).getTokenValue();
        for (Call c : everyEndpoint()) {
            assertThat(call(c, null).statusCode()).as("no token: " + c).isEqualTo(401);
            assertThat(call(c, expired).statusCode()).as("expired token: " + c).isEqualTo(401);
            assertThat(call(c, "not.a.jwt").statusCode()).as("garbage token: " + c).isEqualTo(401);
            for (String role : List.of(Roles.AUDITOR, Roles.SAFETY_APP, Roles.ADMIN)) {
                String token = tokens.mint("someone", "fleet-a", Duration.ofMinutes(5), role);
                assertThat(call(c, token).statusCode()).as(role + ": " + c).isEqualTo(403);
            }
        }
        assertThat(storedEvents()).as("refused calls store nothing").isEqualTo(before);
    }

    @Test
    void anotherFleetSeesNothingThroughAnyEndpoint() throws Exception {
        long before = storedEvents();
        for (Call c : everyEndpoint()) {
            HttpResponse<String> response = call(c, investigatorB);
            if (c.path().equals("/api/v1/alerts")) {
                assertThat(response.body()).as("fleet-b's list").doesNotContain(A1, A2, "fleet-a");
            } else {
                problem(response, 404);
                assertThat(response.body()).as(c.toString()).doesNotContain("fleet-a", "veh-1", "FORWARD_COLLISION");
            }
        }
        assertThat(storedEvents()).isEqualTo(before);
    }

    @Test
    void openApiDescribesTheInvestigatorApi() throws Exception {
        HttpResponse<String> docs = get("/v3/api-docs", null);
        assertThat(docs.statusCode()).as(docs.body()).isEqualTo(200);
        JsonNode paths = json(docs).get("paths");
        assertThat(paths.has("/api/v1/alerts")).isTrue();
        assertThat(paths.has("/api/v1/whatif")).isTrue();
        assertThat(docs.body()).contains("Review an alert", "A session's events in sequence order");
        assertThat(json(docs).at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
        // Ids with slashes are captured whole, so the sub-resources share one documented path each.
        assertThat(paths.has("/api/v1/alerts/{path}")).isTrue();
        assertThat(paths.has("/api/v1/sessions/{path}")).isTrue();
    }

    // ---------------------------------------------------------------- replay keeps reviews

    @Test
    void alertsProcessorSequencesAReviewLogWithItsSession() {
        var policy = processing.sequencingPolicy(AlertsProjection.NAME);
        Object session = policy.getSequenceIdentifierFor(new GenericDomainEventMessage<>("DriveSession", A1, 5, "x"));
        Object reviews = policy.getSequenceIdentifierFor(new GenericDomainEventMessage<>("SessionReviewLog", A1 + "/reviews", 0, "x"));
        assertThat(reviews).isEqualTo(session).isEqualTo(A1);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void rebuildingTheAlertsProjectionKeepsTheVerdicts() throws Exception {
        HttpResponse<String> review = post("/api/v1/alerts/" + B1 + "/alert/1/review", investigatorB, "{\"verdict\":\"UNSURE\"}");
        assertThat(review.statusCode()).as(review.body()).isEqualTo(201);
        await("review of " + B1, () -> count("select count(*) from alerts where alert_id = ? and verdict = 'UNSURE'", B1 + "/alert/1") == 1);
        String rows = "select alert_id, verdict, reviewer, reviewed_at_nanos from alerts order by alert_id";
        List<Map<String, Object>> before = jdbc.queryForList(rows);

        PooledStreamingEventProcessor processor = processing.eventProcessor(AlertsProjection.NAME, PooledStreamingEventProcessor.class)
                .orElseThrow();
        processor.shutDown();
        processor.resetTokens();
        assertThat(count("select count(*) from alerts")).isZero();
        processor.start();
        await("replayed verdicts", () -> jdbc.queryForList(rows).equals(before));
    }
}
