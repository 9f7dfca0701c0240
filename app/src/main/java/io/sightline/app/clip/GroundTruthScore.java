package io.sightline.app.clip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.uplink.journal.EdgeJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Scores a session's alerts against the ground truth written beside a composited clip
 * ({@link HazardClipCommand#TRUTH_SUFFIX}): was the expected alert raised, at what true TTC
 * (against the pass criterion), and did anything else alert. Reads the journal, so it scores
 * exactly what the edge decided, before any upload.
 */
public final class GroundTruthScore {

    /** One alert as decided: when (frame), on what estimate, and what the truth was at that frame. */
    public record ScoredAlert(String alertId, String kind, long frameIndex, double estimatedTtcS, double estimatedRangeM,
                              double trueTtcS, double trueGapM, boolean leadInEgoPath) {
    }

    /**
     * @param expected the expected alert, or null when it was not raised
     * @param others   alerts of another kind, or raised while the lead was not in the ego path
     */
    public record Score(String expectedKind, double minWarningTtcS, ScoredAlert expected, List<ScoredAlert> others) {
        public boolean passed() {
            return expected != null && expected.trueTtcS() >= minWarningTtcS && others.isEmpty();
        }

        public String format() {
            StringBuilder b = new StringBuilder();
            if (expected == null) {
                b.append(String.format(Locale.ROOT, "  ground truth  FAIL: no %s alert; the clip's lead vehicle called for one%n",
                        expectedKind));
            } else {
                b.append(String.format(Locale.ROOT,
                        "  ground truth  %s: %s raised at frame %d, true TTC %.2f s (gap %.1f m), estimated %.2f s (%.1f m);"
                                + " minimum %.1f s%n",
                        passed() ? "PASS" : "FAIL", expected.kind(), expected.frameIndex(), expected.trueTtcS(), expected.trueGapM(),
                        expected.estimatedTtcS(), expected.estimatedRangeM(), minWarningTtcS));
            }
            for (ScoredAlert o : others) {
                b.append(String.format(Locale.ROOT, "                unexpected %s at frame %d (lead %s the ego path)%n", o.kind(),
                        o.frameIndex(), o.leadInEgoPath() ? "in" : "not in"));
            }
            return b.toString();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private GroundTruthScore() {
    }

    /** The ground truth beside a video, when it has one. */
    public static Optional<JsonNode> truthFor(String videoLocation) {
        Path truth = Path.of(videoLocation + HazardClipCommand.TRUTH_SUFFIX);
        if (!Files.isRegularFile(truth)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readTree(truth.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("ground truth " + truth + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    public static Score score(JsonNode truth, EdgeJournal journal, String sessionId) {
        Map<String, JsonNode> risk = new HashMap<>();
        Map<String, Long> frameIndexById = new HashMap<>();
        List<JsonNode> raised = new ArrayList<>();
        long from = 0;
        for (List<EdgeJournal.StoredEvent> page; !(page = journal.read(sessionId, from, 5000, 64L << 20)).isEmpty(); ) {
            for (EdgeJournal.StoredEvent e : page) {
                JsonNode wire;
                try {
                    wire = JSON.readTree(e.wireJson());
                } catch (IOException ex) {
                    throw new UncheckedIOException("journal event " + e.eventId() + " is not JSON", ex);
                }
                JsonNode payload = wire.path("payload");
                switch (wire.path("type").asText()) {
                    case "FrameCaptured" -> frameIndexById.put(payload.path("frameId").asText(), payload.path("frameIndex").asLong());
                    case "RiskAssessed" -> risk.put(payload.path("assessmentId").asText(), payload);
                    case "AlertRaised" -> raised.add(payload);
                    default -> { }
                }
            }
            from = page.get(page.size() - 1).sequence() + 1;
        }
        JsonNode frames = truth.path("frames");
        String expectedKind = truth.path("expectedAlert").asText();
        ScoredAlert expected = null;
        List<ScoredAlert> others = new ArrayList<>();
        for (JsonNode alert : raised) {
            JsonNode assessment = null;
            for (JsonNode cause : alert.path("causes")) {
                assessment = risk.get(cause.asText());
                if (assessment != null) {
                    break;
                }
            }
            if (assessment == null) {
                throw new IllegalStateException("alert " + alert.path("alertId").asText() + " names no RiskAssessed of its session");
            }
            long frameIndex = frameIndexById.getOrDefault(assessment.path("frameId").asText(), -1L);
            JsonNode t = frameIndex >= 0 && frameIndex < frames.size() ? frames.get((int) frameIndex) : null;
            ScoredAlert scored = new ScoredAlert(alert.path("alertId").asText(), alert.path("kind").asText(), frameIndex,
                    assessment.path("ttcS").asDouble(), assessment.path("rangeM").asDouble(),
                    t == null ? Double.NaN : t.path("ttcS").asDouble(), t == null ? Double.NaN : t.path("gapM").asDouble(),
                    t != null && t.path("inEgoPath").asBoolean());
            if (expected == null && scored.kind().equals(expectedKind) && scored.leadInEgoPath()) {
                expected = scored;
            } else {
                others.add(scored);
            }
        }
        return new Score(expectedKind, truth.path("minWarningTtcS").asDouble(), expected, List.copyOf(others));
    }
}
