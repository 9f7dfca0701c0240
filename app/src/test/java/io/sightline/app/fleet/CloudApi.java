package io.sightline.app.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.inference.ProjectHome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A running cloud's HTTP API as one fleet's users call it, for the tests that start a cloud in their
 * JVM and drive real edges against it (assignment, shadow and rollout tests).
 */
public record CloudApi(ConfigurableApplicationContext cloud, String fleet) {

    public String url() {
        return "http://localhost:" + cloud.getEnvironment().getProperty("local.server.port");
    }

    public String token(String role) {
        return cloud.getBean(DemoTokens.class).mint("ada", fleet, Duration.ofMinutes(30), role);
    }

    /** A request as the fleet's admin. */
    public HttpResponse<String> send(String method, String path, String json) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + path)).header("Authorization", "Bearer " + token(Roles.ADMIN))
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Registers a bundled model ({@code models/<dirName>/<file>} with its manifest) signed by {@code release}; returns its sha256. */
    public String registerModel(KeyPair release, String dirName, String file) throws Exception {
        Path models = ProjectHome.get().resolve("models").resolve(dirName);
        byte[] model = Files.readAllBytes(models.resolve(file));
        HttpResponse<String> r = send("POST", "/api/v1/registry/models",
                FleetCloud.modelRegistration(release, model, Files.readAllBytes(models.resolve("manifest.json"))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return ReleaseStatement.sha256Hex(model);
    }

    /** Registers a release of bytes and manifest signed by {@code release}; returns its sha256. */
    public String registerModel(KeyPair release, FleetCloud.Release r) throws Exception {
        HttpResponse<String> response = send("POST", "/api/v1/registry/models", FleetCloud.modelRegistration(release, r.model(), r.manifest()));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return ReleaseStatement.sha256Hex(r.model());
    }
}
