package io.sightline.runtime.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.domain.event.ModelRejected;
import io.sightline.inference.ActivatedModel;
import io.sightline.inference.SessionConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Polls a vehicle's assignment with its ETag (issue 17 §2) and activates the assigned champion
 * model through {@link ReleasedModelInstaller}. A vehicle that was offline converges on its next
 * poll: the cloud answers the current revision, whatever came between. A refused model leaves the
 * last known good serving and the revision unacknowledged, so the next poll tries again.
 */
public final class AssignmentFollower {

    /** One poll: the revision now held, whether it changed, and the rejection when the new model was refused. */
    public record Poll(long revision, boolean changed, Optional<ModelRejected> rejected) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI assignmentUri;
    private final Supplier<String> bearerToken;
    private final ReleasedModelInstaller installer;
    private final SessionConfig config;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private String etag;
    private long revision;
    private ActivatedModel serving;
    private String shadowChallengerSha256;

    public AssignmentFollower(URI cloud, String fleetId, String vehicleId, Supplier<String> bearerToken, ReleasedModelInstaller installer,
                              SessionConfig config, ActivatedModel serving) {
        String base = cloud.toString().endsWith("/") ? cloud.toString() : cloud + "/";
        this.assignmentUri = URI.create(base).resolve("api/v1/assignments/" + fleetId + "/" + vehicleId);
        this.bearerToken = bearerToken;
        this.installer = installer;
        this.config = config;
        this.serving = serving;
    }

    public ActivatedModel serving() {
        return serving;
    }

    /**
     * The challenger model the last assignment read asks this vehicle to run in shadow mode
     * ({@code challengerMode} {@code shadow}), or null; the caller installs it (issue 17 §3).
     */
    public String shadowChallengerSha256() {
        return shadowChallengerSha256;
    }

    public Poll pollOnce() throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(assignmentUri).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + bearerToken.get()).GET();
        if (etag != null) {
            request.header("If-None-Match", etag);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 304) {
            return new Poll(revision, false, Optional.empty());
        }
        if (response.statusCode() != 200) {
            throw new IOException(assignmentUri + " answered HTTP " + response.statusCode() + ": " + response.body());
        }
        JsonNode a = JSON.readTree(response.body());
        String model = a.path("championModelSha256").asText(null);
        String challenger = a.path("challengerModelSha256").asText(null);
        shadowChallengerSha256 = challenger != null && !challenger.isBlank() && "shadow".equals(a.path("challengerMode").asText(null))
                ? challenger : null;
        ReleasedModelInstaller.Outcome outcome = serving != null && model != null && model.equals(serving.event().modelSha256())
                ? new ReleasedModelInstaller.Outcome(serving, Optional.empty())
                : installer.activateOrKeep(serving, model, "primary", config);
        if (outcome.rejected().isPresent()) {
            return new Poll(revision, false, outcome.rejected());
        }
        if (outcome.serving() != serving && serving != null) {
            serving.detector().close();
        }
        serving = outcome.serving();
        etag = response.headers().firstValue("ETag").orElse(null);
        revision = a.path("revision").asLong();
        return new Poll(revision, true, Optional.empty());
    }
}
