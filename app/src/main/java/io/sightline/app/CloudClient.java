package io.sightline.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The cloud's HTTP API as the remote commands call it ({@code rollout}, {@code registry},
 * {@code shadow --cloud-url}): {@code --cloud-url URL} with a bearer token from {@code --token-file FILE}
 * or {@code SIGHTLINE_TOKEN}. Every failure is an {@link IllegalArgumentException} whose message names
 * the option and what to do: an unreachable cloud, a missing token, a refused one, the cloud's own
 * problem detail.
 */
public final class CloudClient {

    /** The environment variable read when no {@code --token-file} is given. */
    public static final String TOKEN_ENV = "SIGHTLINE_TOKEN";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String cloudUrl;
    private final Path tokenFile;
    private final String role;
    private final String forbidden;

    /**
     * @param role      the role the calls need, for the hint how to mint a token ({@code ./sightline token --role R})
     * @param forbidden what a 403 means for these calls, e.g. "acting on a rollout needs an admin token"
     */
    public CloudClient(String cloudUrl, Path tokenFile, String role, String forbidden) {
        this.cloudUrl = cloudUrl;
        this.tokenFile = tokenFile;
        this.role = role;
        this.forbidden = forbidden;
    }

    public String url() {
        return cloudUrl;
    }

    /** The token, read once per call so a rotated file is picked up by a long-running caller. */
    String token() {
        String token;
        try {
            token = tokenFile != null ? Files.readString(tokenFile, StandardCharsets.UTF_8).strip() : System.getenv(TOKEN_ENV);
        } catch (IOException e) {
            throw new IllegalArgumentException("--token-file " + tokenFile + ": cannot read it (" + e.getMessage() + ")");
        }
        if (token == null || token.isBlank()) {
            String article = "aeiou".indexOf(role.charAt(0)) >= 0 ? "an " : "a ";
            throw new IllegalArgumentException(article + role + " token is needed: --token-file FILE or " + TOKEN_ENV
                    + " (./sightline token --role " + role + " ...)");
        }
        return token;
    }

    /** A JSON call; {@code path} is relative to the cloud's root (no leading slash). */
    public JsonNode call(String method, String path, JsonNode body, Duration timeout) throws IOException, InterruptedException {
        String token = token();
        URI cloud;
        try {
            cloud = URI.create(cloudUrl.endsWith("/") ? cloudUrl : cloudUrl + "/");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--cloud-url " + cloudUrl + " is not a URL, e.g. http://localhost:8080 (" + e.getMessage() + ")");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(cloud.resolve(path)).timeout(timeout)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
        request = body == null ? request.method(method, HttpRequest.BodyPublishers.noBody())
                : request.method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        HttpResponse<String> response;
        try {
            response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--cloud-url " + cloudUrl + ": cannot reach it (" + e
                    + "); check the address and that the cloud runs (./sightline cloud)");
        }
        if (response.statusCode() / 100 != 2) {
            String detail = response.body();
            try {
                JsonNode p = JSON.readTree(detail);
                if (p != null && p.hasNonNull("detail")) {
                    detail = p.get("detail").asText();
                }
            } catch (IOException notJson) {
                // the body as it came
            }
            String hint = switch (response.statusCode()) {
                case 401 -> " (the cloud refused the token: expired, or not minted for this cloud; ./sightline token --role " + role + " ...)";
                case 403 -> " (" + forbidden + ")";
                default -> "";
            };
            throw new IllegalArgumentException("--cloud-url " + cloudUrl + ": the cloud answered HTTP " + response.statusCode()
                    + (detail == null || detail.isBlank() ? "" : ": " + detail) + hint);
        }
        return JSON.readTree(response.body());
    }
}
