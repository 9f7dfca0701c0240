package io.sightline.cloud.testing;

import io.sightline.cloud.security.DemoTokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.springframework.context.ApplicationContext;

/**
 * Requests to the application under test, on the port it listens on, with or without a bearer
 * token ({@link #token} mints one as the running application signs them). One JDK client for the
 * whole test class; {@link #request} is there for what the shorthands do not cover.
 */
public final class CloudHttp {

    private final ApplicationContext context;
    private final HttpClient client = HttpClient.newHttpClient();

    CloudHttp(ApplicationContext context) {
        this.context = context;
    }

    /** The application's base URL; read when asked, because the port is only known once the server started. */
    public String base() {
        String port = context.getEnvironment().getProperty("local.server.port");
        if (port == null) {
            throw new IllegalStateException("no server port: the test runs without a web server (webEnvironment)");
        }
        return "http://localhost:" + port;
    }

    public URI uri(String path) {
        return URI.create(base() + path);
    }

    /** A token for {@code subject} in {@code fleetId} with {@code roles}, valid 30 minutes. */
    public String token(String subject, String fleetId, String... roles) {
        return context.getBean(DemoTokens.class).mint(subject, fleetId, Duration.ofMinutes(30), roles);
    }

    /** A request builder for {@code path}, with {@code bearer} when not null. */
    public HttpRequest.Builder request(String path, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return b;
    }

    public HttpResponse<String> get(String path, String bearer) throws IOException, InterruptedException {
        return send(request(path, bearer).GET().build());
    }

    public HttpResponse<String> postJson(String path, String bearer, String json) throws IOException, InterruptedException {
        return send(request(path, bearer).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) throws IOException, InterruptedException {
        return client.send(request, body);
    }
}
