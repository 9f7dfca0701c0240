package io.sightline.app.shadow;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.app.CloudClient;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The reviewed true-positive alerts of a clip as the cloud holds them, for {@code shadow --cloud-url}
 * (ADR-0040, amendment of 2026-12-07). The clip is matched by its bytes: {@code --video} must be an alert
 * window's evidence clip as the cloud stores it ({@code GET /api/v1/alerts/{alertId}/evidence}, a clip's
 * {@code url}), and its sha256 finds the alerts the clip covers ({@code GET /api/v1/alerts?clip=SHA256}).
 * Those whose latest verdict is {@code TRUE_POSITIVE} are placed in the clip at their deciding frame:
 * {@code atS = (alertFrameIndex - firstFrameIndex) / frameRateHz}, the time of that frame in the clip,
 * whose first frame decodes at 0 (ClipCutter).
 */
final class CloudReviewedAlerts {

    static final String VERDICT = "TRUE_POSITIVE";
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    /**
     * @param alerts   in the order of {@code alertIds}
     * @param others   the clip's alerts not confirmed, alert id to verdict (UNREVIEWED when none)
     * @param unplaced confirmed alerts whose deciding frame the cloud cannot name in the clip (not in {@code alerts})
     */
    record Found(String clipSha256, List<String> sessionIds, List<String> alertIds, List<ShadowComparison.ReviewedAlert> alerts,
                 Map<String, String> others, List<String> unplaced) {
    }

    private CloudReviewedAlerts() {
    }

    static Found read(CloudClient cloud, Path video) {
        String sha256 = sha256(video);
        List<JsonNode> ofClip = new ArrayList<>();
        try {
            String cursor = null;
            do {
                JsonNode page = cloud.call("GET", "api/v1/alerts?limit=500&clip=" + sha256
                        + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)), null, TIMEOUT);
                page.path("items").forEach(ofClip::add);
                cursor = page.path("nextCursor").isTextual() ? page.path("nextCursor").asText() : null;
            } while (cursor != null);
        } catch (IOException e) {
            throw new IllegalArgumentException("--cloud-url " + cloud.url() + ": cannot read its alerts (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the reviewed alerts", e);
        }
        if (ofClip.isEmpty()) {
            throw new IllegalArgumentException("--cloud-url " + cloud.url() + ": your fleet holds no evidence clip with the sha256 of --video "
                    + video + " (" + sha256 + "); give an alert's clip as the cloud stores it (GET /api/v1/alerts/{alertId}/evidence,"
                    + " clips[].url), or its reviewed alerts with --reviewed-alerts FILE");
        }
        // Oldest first: the order of the clip.
        ofClip.sort(java.util.Comparator.comparingLong(a -> a.path("raisedAtNanos").asLong()));
        List<String> sessions = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<ShadowComparison.ReviewedAlert> alerts = new ArrayList<>();
        Map<String, String> others = new LinkedHashMap<>();
        List<String> unplaced = new ArrayList<>();
        for (JsonNode a : ofClip) {
            String alertId = a.path("alertId").asText();
            if (!sessions.contains(a.path("sessionId").asText())) {
                sessions.add(a.path("sessionId").asText());
            }
            if (!VERDICT.equals(a.path("verdict").asText(null))) {
                others.put(alertId, a.path("verdict").isTextual() ? a.path("verdict").asText() : "UNREVIEWED");
                continue;
            }
            double atS = atS(cloud, alertId, sha256);
            if (Double.isNaN(atS)) {
                unplaced.add(alertId);
                continue;
            }
            ids.add(alertId);
            alerts.add(new ShadowComparison.ReviewedAlert(a.path("kind").asText(), atS));
        }
        if (alerts.isEmpty()) {
            throw new IllegalArgumentException("--cloud-url " + cloud.url() + ": no alert in clip " + sha256.substring(0, 12) + "… (session "
                    + String.join(", ", sessions) + ") is reviewed TRUE_POSITIVE" + (others.isEmpty() ? "" : ": " + describe(others))
                    + (unplaced.isEmpty() ? "" : "; " + unplaced.size() + " confirmed without their deciding frame in the stored trace")
                    + "; review them first (POST /api/v1/alerts/{alertId}/review) or give --reviewed-alerts FILE");
        }
        return new Found(sha256, sessions, ids, alerts, others, unplaced);
    }

    /** The confirmed alert's time in the clip: its deciding frame's offset at the clip's rate; NaN when the cloud cannot name it. */
    private static double atS(CloudClient cloud, String alertId, String sha256) {
        JsonNode evidence;
        try {
            // Alert ids hold slashes: they are the path, as the API says ({alertId}/evidence).
            evidence = cloud.call("GET", "api/v1/alerts/" + alertId + "/evidence", null, TIMEOUT);
        } catch (IOException e) {
            throw new IllegalArgumentException("--cloud-url " + cloud.url() + ": cannot read the evidence of alert " + alertId + " ("
                    + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the evidence of " + alertId, e);
        }
        for (JsonNode clip : evidence.path("clips")) {
            if (sha256.equals(clip.path("sha256").asText()) && clip.path("alertFrameIndex").asLong(-1) >= 0
                    && clip.path("frameRateHz").asDouble() > 0) {
                return (clip.path("alertFrameIndex").asLong() - clip.path("firstFrameIndex").asLong()) / clip.path("frameRateHz").asDouble();
            }
        }
        return Double.NaN;
    }

    static String describe(Map<String, String> others) {
        Map<String, Integer> byVerdict = new java.util.TreeMap<>();
        others.values().forEach(v -> byVerdict.merge(v, 1, Integer::sum));
        List<String> parts = new ArrayList<>();
        byVerdict.forEach((v, n) -> parts.add(String.format(Locale.ROOT, "%d %s", n, v)));
        return String.join(", ", parts);
    }

    private static String sha256(Path video) {
        if (!Files.isRegularFile(video)) {
            // The comparison names a missing video the same way; here it is found first.
            throw new IllegalArgumentException("video file not found: " + video.toAbsolutePath());
        }
        try (java.io.InputStream in = Files.newInputStream(video)) {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new IllegalArgumentException("--video " + video + ": cannot read it (" + e.getMessage() + ")", e);
        }
    }
}
