package io.sightline.cloud.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.AlertReviewed;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.ShadowAlertRaised;
import io.sightline.domain.event.ShadowDetectionsObserved;
import io.sightline.domain.event.ShadowRiskAssessed;
import io.sightline.edge.shadow.AlertAgreement;
import io.sightline.edge.shadow.DetectionAgreement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * A shadow step's evidence (issue 17 §3): for each canary session that ran the rollout's challenger in
 * shadow mode (its {@code ModelActivated} with role {@code shadow}), the challenger's {@code Shadow…}
 * events read back from the session's stream and compared with the champion's events on the same
 * frames, by the rules of the offline {@code shadow} command ({@link DetectionAgreement},
 * {@link AlertAgreement}, shared from edge-projector):
 * <ul>
 *   <li>a frame is compared when its {@code ShadowDetectionsObserved} and its {@code FrameCaptured} are
 *       both stored (a tiered upload may leave either out), the champion's boxes being its
 *       {@code DetectionObserved} of the primary model;</li>
 *   <li>alerts: every {@code AlertRaised} against every {@code ShadowAlertRaised}, with the TTC of the
 *       {@code RiskAssessed} that raised each champion alert (a {@code ShadowAlertRaised} carries its own).</li>
 * </ul>
 * A session's comparison is kept per (session, last stored sequence): a session only grows (a late
 * window of a tiered upload), so an unchanged session is never read twice. Its reviews are joined at
 * every call: they are stored in the session's review log, not in the session.
 */
@Component
public class ShadowEvidenceReader {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CACHED_SESSIONS = 4096;

    private final JdbcTemplate jdbc;
    private final Map<String, Cached> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            return size() > CACHED_SESSIONS;
        }
    };

    private record Cached(long lastSequence, GateContext.ShadowSession session) {
    }

    public ShadowEvidenceReader(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The comparisons of those {@code sessions} that shadowed {@code challengerSha256}; the others are left out. */
    public List<GateContext.ShadowSession> read(List<GateContext.SessionStats> sessions, String challengerSha256) {
        return read(sessions, challengerSha256, null);
    }

    /**
     * The comparisons of those {@code sessions} whose shadow ran {@code challengerSha256} and, when
     * {@code challengerPolicyVersion} is not null, decided with that policy: at least one of their
     * {@code ShadowRiskAssessed} or {@code ShadowAlertRaised} records it as {@code policyVersion}
     * (ADR-0043 as amended), and only the {@code ShadowAlertRaised} that record it are the challenger's
     * alerts. A policy-only challenger's shadow names the champion's model, so the model alone cannot
     * tell it from another policy-only shadow on the same model; its decisions can.
     */
    public List<GateContext.ShadowSession> read(List<GateContext.SessionStats> sessions, String challengerSha256, String challengerPolicyVersion) {
        String key = challengerSha256 + "\n" + challengerPolicyVersion;
        List<GateContext.ShadowSession> out = new ArrayList<>();
        for (GateContext.SessionStats s : sessions) {
            Long last = jdbc.queryForObject("select max(sequence_number) from domain_event_entry where aggregate_identifier = ?", Long.class,
                    s.sessionId());
            if (last == null) {
                continue;
            }
            Cached hit;
            synchronized (cache) {
                hit = cache.get(s.sessionId() + "\n" + key);
            }
            if (hit == null || hit.lastSequence() != last) {
                hit = new Cached(last, compare(s, challengerSha256, challengerPolicyVersion));
                synchronized (cache) {
                    cache.put(s.sessionId() + "\n" + key, hit);
                }
            }
            if (hit.session() != null) {
                out.add(withReviews(hit.session(), s));
            }
        }
        return out;
    }

    private record Row(String eventId, String type, JsonNode payload) {
    }

    private List<Row> rows(String sessionId, List<Class<?>> types) {
        String[] names = types.stream().map(Class::getName).toArray(String[]::new);
        return jdbc.query("select event_identifier, payload_type, convert_from(payload, 'UTF8') as p from domain_event_entry"
                        + " where aggregate_identifier = ? and payload_type = any (?) order by sequence_number",
                (rs, i) -> new Row(rs.getString(1), rs.getString(2), json(rs.getString(3))), sessionId, names);
    }

    /** Null when the session did not shadow this challenger (its model, and its policy when one is given). */
    GateContext.ShadowSession compare(GateContext.SessionStats s, String challengerSha256, String challengerPolicyVersion) {
        String primarySha = null;
        boolean shadowed = false;
        for (Row r : rows(s.sessionId(), List.of(ModelActivated.class))) {
            String role = r.payload().path("role").asText();
            String sha = r.payload().path("modelSha256").asText();
            if ("primary".equals(role) && primarySha == null) {
                primarySha = sha;
            } else if ("shadow".equals(role) && sha.equals(challengerSha256)) {
                shadowed = true;
            }
        }
        // A policy-only challenger (ADR-0043) activates no model of its own: its shadow decides on the primary's boxes, and its
        // ShadowDetectionsObserved name the primary. Detection F1 is then 1 by construction; alert agreement and TTC say what differs.
        boolean policyOnly = !shadowed && challengerSha256.equals(primarySha);
        if (!shadowed && !policyOnly) {
            return null;
        }
        if (challengerPolicyVersion != null && !decidedWith(s.sessionId(), challengerSha256, challengerPolicyVersion)) {
            return null;
        }
        Set<String> storedFrames = new HashSet<>(jdbc.queryForList("select event_identifier from domain_event_entry"
                + " where aggregate_identifier = ? and payload_type = ?", String.class, s.sessionId(), FrameCaptured.class.getName()));
        Map<String, List<DetectionAgreement.Box>> champion = new HashMap<>();
        Map<String, List<DetectionAgreement.Box>> challenger = new LinkedHashMap<>();
        Map<String, String> shadowEventOfFrame = new HashMap<>();
        Map<String, Long> detectNanos = new LinkedHashMap<>();
        List<AlertAgreement.Alert> championAlerts = new ArrayList<>();
        List<AlertAgreement.Alert> challengerAlerts = new ArrayList<>();
        Map<String, String[]> alertCauses = new LinkedHashMap<>();
        for (Row r : rows(s.sessionId(), List.of(DetectionObserved.class, ShadowDetectionsObserved.class, AlertRaised.class,
                ShadowAlertRaised.class))) {
            JsonNode p = r.payload();
            if (r.type().equals(DetectionObserved.class.getName())) {
                if (primarySha == null || primarySha.equals(p.path("modelSha256").asText())) {
                    champion.computeIfAbsent(p.path("frameId").asText(), k -> new ArrayList<>()).add(box(p));
                }
            } else if (r.type().equals(ShadowDetectionsObserved.class.getName())) {
                if (!challengerSha256.equals(p.path("modelSha256").asText())) {
                    continue;
                }
                String frame = p.path("frameId").asText();
                List<DetectionAgreement.Box> boxes = new ArrayList<>();
                p.path("detections").forEach(d -> boxes.add(box(d)));
                challenger.put(frame, boxes);
                shadowEventOfFrame.put(frame, r.eventId());
                detectNanos.put(r.eventId(), p.path("detectCpuNanos").asLong());
            } else if (r.type().equals(AlertRaised.class.getName())) {
                List<String> causes = new ArrayList<>();
                p.path("causes").forEach(c -> causes.add(c.asText()));
                alertCauses.put(r.eventId(), causes.toArray(String[]::new));
                championAlerts.add(new AlertAgreement.Alert(r.eventId(), p.path("kind").asText(), p.path("raisedAtNanos").asLong(), Double.NaN,
                        -1));
            } else if (challengerSha256.equals(p.path("modelSha256").asText())
                    && (challengerPolicyVersion == null || challengerPolicyVersion.equals(p.path("policyVersion").asText(null)))) {
                challengerAlerts.add(new AlertAgreement.Alert(r.eventId(), p.path("kind").asText(), p.path("raisedAtNanos").asLong(),
                        p.path("ttcS").asDouble(Double.NaN), -1));
            }
        }
        // The champion's TTC at each alert: the RiskAssessed that raised it.
        Set<String> assessmentIds = new HashSet<>();
        alertCauses.values().forEach(c -> assessmentIds.addAll(List.of(c)));
        Map<String, Double> ttcs = new HashMap<>();
        if (!assessmentIds.isEmpty()) {
            jdbc.query("select event_identifier, convert_from(payload, 'UTF8') from domain_event_entry where aggregate_identifier = ?"
                    + " and payload_type = ? and event_identifier = any (?)", rs -> {
                ttcs.put(rs.getString(1), json(rs.getString(2)).path("ttcS").asDouble(Double.NaN));
            }, s.sessionId(), RiskAssessed.class.getName(), assessmentIds.toArray(String[]::new));
        }
        List<AlertAgreement.Alert> champ = new ArrayList<>();
        for (AlertAgreement.Alert a : championAlerts) {
            double ttc = Double.NaN;
            for (String c : alertCauses.get(a.alertId())) {
                Double t = ttcs.get(c);
                if (t != null) {
                    ttc = t;
                    break;
                }
            }
            champ.add(new AlertAgreement.Alert(a.alertId(), a.kind(), a.raisedAtNanos(), ttc, a.frameIndex()));
        }

        if (policyOnly && challenger.isEmpty()) {
            return null;
        }
        DetectionAgreement agreement = new DetectionAgreement();
        List<String> disagreeing = new ArrayList<>();
        List<String> compared = new ArrayList<>();
        long frames = 0;
        for (Map.Entry<String, List<DetectionAgreement.Box>> e : challenger.entrySet()) {
            if (!storedFrames.contains(e.getKey())) {
                continue;
            }
            frames++;
            DetectionAgreement.Counts before = agreement.overall();
            agreement.onFrame(champion.getOrDefault(e.getKey(), List.of()), e.getValue());
            DetectionAgreement.Counts after = agreement.overall();
            String shadowEvent = shadowEventOfFrame.get(e.getKey());
            compared.add(shadowEvent);
            if (after.falsePositives() + after.falseNegatives() > before.falsePositives() + before.falseNegatives()) {
                disagreeing.add(shadowEvent);
            }
        }
        long[] times = compared.stream().mapToLong(detectNanos::get).toArray();
        List<String> slowest = compared.stream().sorted(Comparator.comparingLong((String id) -> detectNanos.get(id)).reversed())
                .limit(Gates.MAX_CAUSES).toList();
        long[] championP99 = s.windowP99Micros().getOrDefault("detect", List.of()).stream().mapToLong(GateContext.WindowP99::p99Micros)
                .toArray();
        return new GateContext.ShadowSession(s.sessionId(), s.vehicleId(), frames, agreement.perClass(),
                disagreeing.subList(0, Math.min(disagreeing.size(), Gates.MAX_CAUSES)), AlertAgreement.of(champ, challengerAlerts), times,
                slowest, championP99);
    }

    /** Whether some shadow decision of the session on {@code modelSha256} records {@code policyVersion} as the policy that decided. */
    private boolean decidedWith(String sessionId, String modelSha256, String policyVersion) {
        return Boolean.TRUE.equals(jdbc.queryForObject("select exists (select 1 from domain_event_entry where aggregate_identifier = ?"
                        + " and payload_type = any (?) and convert_from(payload, 'UTF8')::jsonb ->> 'modelSha256' = ?"
                        + " and convert_from(payload, 'UTF8')::jsonb ->> 'policyVersion' = ?)", Boolean.class, sessionId,
                new String[] {ShadowRiskAssessed.class.getName(), ShadowAlertRaised.class.getName()}, modelSha256, policyVersion));
    }

    /** The comparison with the session's reviews as they are now: reviews arrive in their own log, long after the session. */
    private GateContext.ShadowSession withReviews(GateContext.ShadowSession c, GateContext.SessionStats s) {
        return new GateContext.ShadowSession(c.sessionId(), c.vehicleId(), c.frames(), c.perClass(), c.disagreeingFrames(), c.alerts(),
                c.shadowDetectNanos(), c.slowestShadowFrames(), c.championDetectP99Micros(), reviewedTruePositives(s, c.alerts()));
    }

    /**
     * The session's champion alerts a reviewer confirmed, each with whether the challenger raised it
     * too: the shadow ran on the same frames, so a confirmed alert it did not raise is one the
     * challenger would have missed had it been champion. The confirmations are the session's latest
     * TRUE_POSITIVE verdicts ({@link GateContext.SessionStats#truePositives()}, read fresh at every
     * check); each review's AlertRaised is its cause.
     */
    private List<GateContext.ReviewedAlert> reviewedTruePositives(GateContext.SessionStats s, AlertAgreement.Result alerts) {
        if (s.truePositives().isEmpty()) {
            return List.of();
        }
        Set<String> raisedByChallenger = new HashSet<>();
        alerts.agreed().forEach(p -> raisedByChallenger.add(p.champion().alertId()));
        Map<String, String> alertOfReview = new LinkedHashMap<>();
        jdbc.query("select event_identifier, convert_from(payload, 'UTF8') from domain_event_entry where event_identifier = any (?)"
                + " and payload_type = ?", rs -> {
            JsonNode causes = json(rs.getString(2)).path("causes");
            if (causes.size() > 0) {
                alertOfReview.put(rs.getString(1), causes.get(0).asText());
            }
        }, s.truePositives().toArray(String[]::new), AlertReviewed.class.getName());
        List<GateContext.ReviewedAlert> out = new ArrayList<>();
        for (String review : s.truePositives()) {
            String alert = alertOfReview.get(review);
            if (alert != null) {
                out.add(new GateContext.ReviewedAlert(alert, review, raisedByChallenger.contains(alert)));
            }
        }
        return out;
    }

    private static DetectionAgreement.Box box(JsonNode d) {
        JsonNode b = d.path("boxPx");
        return new DetectionAgreement.Box(d.path("className").asText(), (float) d.path("score").asDouble(), (float) b.path("x1").asDouble(),
                (float) b.path("y1").asDouble(), (float) b.path("x2").asDouble(), (float) b.path("y2").asDouble());
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("a stored payload is not JSON", e);
        }
    }
}
