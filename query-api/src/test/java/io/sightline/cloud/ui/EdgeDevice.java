package io.sightline.cloud.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.cloud.ingest.BatchSignatureVerifier;
import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.domain.ingest.EvidenceCanonicalForm;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import javax.imageio.ImageIO;

/**
 * An edge device as the cloud sees it: its own Ed25519 key, signed event batches to
 * {@code POST /api/v1/ingest} and signed evidence JPEGs to {@code PUT /api/v1/evidence/{sha256}},
 * byte for byte what the edge uplink sends.
 */
final class EdgeDevice {

    final String deviceId;
    private final KeyPair keys;
    private final EventCodec codec = new EventCodec();
    private final HttpClient http = HttpClient.newHttpClient();
    private final String baseUrl;

    EdgeDevice(String deviceId, String baseUrl) throws Exception {
        this.deviceId = deviceId;
        this.baseUrl = baseUrl;
        this.keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    /** The {@code publicKeyX509} an administrator registers for this device. */
    String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(keys.getPublic().getEncoded());
    }

    private String sign(byte[] canonical) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(keys.getPrivate());
        s.update(canonical);
        return Base64.getEncoder().encodeToString(s.sign());
    }

    /** Sends the session in signed batches, as the uplink does, and insists on every acknowledgement. */
    void ingest(String sessionId, List<EventEnvelope> events, int batchSize) throws Exception {
        for (int i = 0; i < events.size(); i += batchSize) {
            List<EventEnvelope> batch = events.subList(i, Math.min(events.size(), i + batchSize));
            ArrayNode array = codec.mapper().createArrayNode();
            batch.forEach(e -> array.add(codec.encode(e)));
            long first = batch.get(0).sequence();
            ObjectNode body = codec.mapper().createObjectNode();
            body.put("batchId", UUID.randomUUID().toString());
            body.put("deviceId", deviceId);
            body.put("sessionId", sessionId);
            body.put("firstSequence", first);
            body.put("signature", sign(BatchSignatureVerifier.canonicalBytes(sessionId, first, codec.mapper().writeValueAsString(array))));
            body.set("events", array);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/ingest"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(codec.mapper().writeValueAsBytes(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("batch at " + first + " of " + sessionId + ": " + r.body()).isEqualTo(200);
            JsonNode reply = codec.mapper().readTree(r.body());
            assertThat(reply.get("status").asText()).as(r.body()).isEqualTo("ACKNOWLEDGED");
        }
    }

    /** Uploads one evidence JPEG; returns its sha256. */
    String uploadEvidence(String sessionId, String frameId, byte[] jpeg) throws Exception {
        String sha = sha256(jpeg);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/evidence/" + sha))
                .header("Content-Type", "image/jpeg")
                .header("X-Sightline-Device", deviceId)
                .header("X-Sightline-Session", sessionId)
                .header("X-Sightline-Frame", frameId)
                .header("X-Sightline-Signature", sign(EvidenceCanonicalForm.bytes(sessionId, frameId, sha)))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(jpeg)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("evidence of " + frameId + ": " + r.body()).isEqualTo(201);
        return sha;
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /**
     * An evidence frame as the edge draws it: the camera picture, here a real road photo with a
     * real car cut-out placed where the detector saw the lead vehicle, then the detector's boxes
     * and labels drawn over it, and a caption.
     */
    static byte[] evidenceJpeg(BufferedImage road, BufferedImage car, String caption, List<Detection> detections) throws Exception {
        int widthPx = road.getWidth();
        int heightPx = road.getHeight();
        BufferedImage image = new BufferedImage(widthPx, heightPx, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.drawImage(road, 0, 0, null);
            for (Detection d : detections) {
                BoxPx b = d.boxPx();
                int x = (int) Math.round(b.x1());
                int y = (int) Math.round(b.y1());
                int w = (int) Math.round(b.widthPx());
                int h = (int) Math.round(b.heightPx());
                g.setColor(new Color(0, 0, 0, 90));
                g.fillOval(x - w / 20, y + h - h / 12, w + w / 10, h / 6);
                g.drawImage(car, x, y, w, h, null);
                g.setColor(new Color(0x22, 0xd3, 0xee));
                g.setStroke(new BasicStroke(2.5f));
                g.drawRect(x, y, w, h);
                String label = String.format(Locale.ROOT, "%s %.2f", d.className(), d.score());
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
                int labelWidthPx = g.getFontMetrics().stringWidth(label) + 8;
                g.fillRect(x - 1, y - 20, labelWidthPx, 20);
                g.setColor(Color.BLACK);
                g.drawString(label, x + 3, y - 5);
            }
            g.setFont(new Font(Font.MONOSPACED, Font.BOLD, 15));
            g.setColor(new Color(0, 0, 0, 160));
            g.fillRect(0, 0, g.getFontMetrics().stringWidth(caption) + 16, 26);
            g.setColor(Color.WHITE);
            g.drawString(caption, 8, 18);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, "jpg", out)).as("a JPEG writer").isTrue();
        return out.toByteArray();
    }

    record Detection(String className, double score, BoxPx boxPx) {
    }
}
