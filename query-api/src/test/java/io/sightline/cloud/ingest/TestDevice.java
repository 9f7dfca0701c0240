package io.sightline.cloud.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.CameraCalibration;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.ingest.EventCodec;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A device for cloud-side tests: its own Ed25519 key, and signed request bodies built as the edge builds them. */
final class TestDevice {

    static final String YOLOX_SHA = "695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14";
    static final long T0 = 1_764_000_000_000_000_000L;

    final String deviceId;
    final KeyPair keys;
    private final EventCodec codec = new EventCodec();

    TestDevice(String deviceId) throws Exception {
        this.deviceId = deviceId;
        this.keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(keys.getPublic().getEncoded());
    }

    ObjectMapper mapper() {
        return codec.mapper();
    }

    static EventEnvelope env(String session, long seq, SightlineEvent payload) {
        return new EventEnvelope(session + "/" + seq, seq, T0 + seq * 1_000_000L, payload);
    }

    /** A valid session: start, model, then frames and detections alternating. */
    List<EventEnvelope> session(String id, int n) {
        List<EventEnvelope> out = new ArrayList<>();
        out.add(env(id, 0, new DriveSessionStarted(id, "fleet-t", "veh-" + deviceId, deviceId, "0.1.0", T0,
                new CameraCalibration("cal", 700, 700, 480, 270, 960, 540, 1.3, 0, true), "policy-v1", Map.of("fcw.ttcWarnS", 2.1))));
        out.add(env(id, 1, new ModelActivated("yolox-nano", "0.1.1rc0", YOLOX_SHA, "primary", "images", List.of(1, 3, 416, 416),
                "NCHW", "BGR 0..255", "yolox", List.of("person", "car"), "Apache-2.0", "src", T0)));
        for (int seq = 2; seq < n; seq++) {
            out.add(env(id, seq, seq % 2 == 0
                    ? new FrameCaptured("f" + seq, seq, seq * 40_000_000L, 960, 540, "clip.mp4")
                    : new DetectionObserved("d" + seq, "f" + (seq - 1), 2, "car", 0.9 - seq * 1e-4, new BoxPx(1.5, 2, 30, 40.25),
                            "yolox-nano", "0.1.1rc0", YOLOX_SHA, List.of(id + "/" + (seq - 1)))));
        }
        return out;
    }

    ArrayNode eventsJson(List<EventEnvelope> events) {
        ArrayNode array = mapper().createArrayNode();
        events.forEach(e -> array.add(codec.encode(e)));
        return array;
    }

    /** The request body for these events, signed over the canonical form. */
    ObjectNode body(String sessionId, long firstSequence, JsonNode events) throws Exception {
        String canonical = mapper().writeValueAsString(events);
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(keys.getPrivate());
        s.update(BatchSignatureVerifier.canonicalBytes(sessionId, firstSequence, canonical));
        ObjectNode body = mapper().createObjectNode();
        body.put("batchId", UUID.randomUUID().toString());
        body.put("deviceId", deviceId);
        body.put("sessionId", sessionId);
        body.put("firstSequence", firstSequence);
        body.put("signature", Base64.getEncoder().encodeToString(s.sign()));
        body.set("events", events);
        return body;
    }

    ObjectNode body(String sessionId, List<EventEnvelope> events) throws Exception {
        return body(sessionId, events.get(0).sequence(), eventsJson(events));
    }

    /** The binary body (ADR-0030) for these events, as the edge's BatchSigner builds it: CBOR, zstd, signature version 3. */
    byte[] binaryBody(String sessionId, List<EventEnvelope> events) throws Exception {
        return io.sightline.domain.ingest.BinaryBatch.encode(binaryEnvelope(sessionId, events));
    }

    io.sightline.domain.ingest.BinaryBatch.Envelope binaryEnvelope(String sessionId, List<EventEnvelope> events) throws Exception {
        List<String> rows = new ArrayList<>();
        events.forEach(e -> rows.add(codec.encode(e).toString()));
        byte[] cbor = io.sightline.domain.ingest.BinaryBatch.eventsCbor(rows);
        byte[] compressed = io.sightline.domain.ingest.BinaryBatch.zstd(cbor);
        long first = events.get(0).sequence();
        return new io.sightline.domain.ingest.BinaryBatch.Envelope(UUID.randomUUID().toString(), deviceId, sessionId, first, 3,
                signRaw(io.sightline.domain.ingest.BatchCanonicalForm.compressedDigestBytes(sessionId, first, "zstd", events.size(),
                        cbor.length, compressed)), "zstd", events.size(), cbor.length, compressed);
    }

    byte[] signRaw(byte[] bytes) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(keys.getPrivate());
        s.update(bytes);
        return s.sign();
    }
}
