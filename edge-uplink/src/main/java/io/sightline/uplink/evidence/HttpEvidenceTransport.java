package io.sightline.uplink.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.uplink.transport.TransportException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * {@code PUT /api/v1/evidence/{sha256}} with the JPEG as the body ({@code image/jpeg}) and the
 * device's claim in headers: {@value #DEVICE_HEADER}, {@value #SESSION_HEADER}, {@value #FRAME_HEADER}
 * and {@value #SIGNATURE_HEADER}. 200/201 mean stored; 409 (session not ingested yet), 429 and 5xx
 * are retried; any other 4xx problem detail is a refusal.
 */
public final class HttpEvidenceTransport implements EvidenceTransport {

    public static final String DEVICE_HEADER = "X-Sightline-Device";
    public static final String SESSION_HEADER = "X-Sightline-Session";
    public static final String FRAME_HEADER = "X-Sightline-Frame";
    public static final String SIGNATURE_HEADER = "X-Sightline-Signature";

    private final HttpClient client;
    private final String base;
    private final Duration timeout;
    private final ObjectMapper mapper;

    /** @param baseUrl e.g. {@code http://cloud:8080}; the path {@code /api/v1/evidence/<sha256>} is appended */
    public HttpEvidenceTransport(String baseUrl, Duration timeout, ObjectMapper mapper) {
        this.base = baseUrl.replaceAll("/+$", "") + "/api/v1/evidence/";
        this.timeout = timeout;
        this.mapper = mapper;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    @Override
    public EvidenceReply put(EvidenceUpload upload) throws TransportException {
        URI uri = URI.create(base + upload.sha256());
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", EvidenceStore.contentTypeOf(upload.jpeg()))
                .header("Accept", "application/json, application/problem+json")
                .header(DEVICE_HEADER, upload.deviceId())
                .header(SESSION_HEADER, upload.sessionId())
                .header(FRAME_HEADER, upload.frameId())
                .header(SIGNATURE_HEADER, upload.signature())
                .PUT(HttpRequest.BodyPublishers.ofByteArray(upload.jpeg()))
                .build();
        HttpResponse<byte[]> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new TransportException("PUT " + uri + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while sending to " + uri, e);
        }
        int code = response.statusCode();
        if (code == 200 || code == 201) {
            return EvidenceReply.stored();
        }
        String reason = "HTTP_" + code;
        String detail = "";
        try {
            if (response.body().length > 0) {
                JsonNode body = mapper.readTree(response.body());
                reason = body.path("reason").asText(reason);
                detail = body.path("detail").asText("");
            }
        } catch (IOException unreadable) {
            detail = "unreadable reply body";
        }
        if (code >= 500 || code == 429 || code == 409) {
            return EvidenceReply.retry(reason, code + ": " + detail);
        }
        return EvidenceReply.rejected(reason, code + ": " + detail);
    }
}
