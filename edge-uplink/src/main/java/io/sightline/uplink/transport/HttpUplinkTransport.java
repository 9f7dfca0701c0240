package io.sightline.uplink.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.uplink.sign.SignedBatch;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * POSTs batches to the cloud's {@code /api/v1/ingest}. 200 is an ack; 409 with reason
 * SEQUENCE_GAP a gap; 5xx, 429 and network errors are retried; any other 4xx problem detail
 * (RFC 9457) is a refusal a resend cannot fix.
 */
public final class HttpUplinkTransport implements UplinkTransport {

    private final HttpClient client;
    private final URI endpoint;
    private final Duration timeout;
    private final ObjectMapper mapper;
    private volatile boolean deflate;

    /** @param baseUrl e.g. {@code http://cloud:8080}; the path {@code /api/v1/ingest} is appended */
    public HttpUplinkTransport(String baseUrl, Duration timeout, ObjectMapper mapper) {
        this.endpoint = URI.create(baseUrl.replaceAll("/+$", "") + "/api/v1/ingest");
        this.timeout = timeout;
        this.mapper = mapper;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** Sends each body zlib-compressed (ADR-0027); the cloud must be at least as new as that. */
    public HttpUplinkTransport deflate(boolean on) {
        this.deflate = on;
        return this;
    }

    @Override
    public UplinkReply send(SignedBatch batch) throws TransportException {
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("Content-Type", batch.contentType(deflate))
                .header("Accept", "application/json, application/problem+json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(batch.toWireBytes(mapper, deflate)))
                .build();
        HttpResponse<byte[]> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new TransportException("POST " + endpoint + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while sending to " + endpoint, e);
        }
        int code = response.statusCode();
        JsonNode body;
        try {
            body = response.body().length == 0 ? mapper.createObjectNode() : mapper.readTree(response.body());
        } catch (IOException e) {
            if (code >= 500 || code == 429) {
                throw new TransportException("cloud answered " + code + " with an unreadable body");
            }
            return UplinkReply.rejected(batch.sessionId(), batch.firstSequence(), "HTTP_" + code, "unreadable reply body");
        }
        if (code == 200) {
            return UplinkReply.fromJson(body);
        }
        String reason = body.path("reason").asText("HTTP_" + code);
        String detail = body.path("detail").asText("");
        if (code >= 500 || code == 429) {
            throw new TransportException("cloud answered " + code + " " + reason + ": " + detail);
        }
        if (code == 409 && "SEQUENCE_GAP".equals(reason)) {
            return UplinkReply.gap(batch.sessionId(), batch.firstSequence(), body.path("nextExpectedSequence").asLong(-1), detail);
        }
        return UplinkReply.rejected(batch.sessionId(), batch.firstSequence(), reason, code + ": " + detail);
    }
}
