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
    private final CloudCredential credential;
    private final ReleasedModelInstaller installer;
    private final SessionConfig config;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private String etag;
    private long revision;
    private ActivatedModel serving;
    private String shadowChallengerSha256;
    private String lastEventId;

    public AssignmentFollower(URI cloud, String fleetId, String vehicleId, Supplier<String> bearerToken, ReleasedModelInstaller installer,
                              SessionConfig config, ActivatedModel serving) {
        this(cloud, fleetId, vehicleId, CloudCredential.bearer(bearerToken), installer, config, serving);
    }

    public AssignmentFollower(URI cloud, String fleetId, String vehicleId, CloudCredential credential, ReleasedModelInstaller installer,
                              SessionConfig config, ActivatedModel serving) {
        String base = cloud.toString().endsWith("/") ? cloud.toString() : cloud + "/";
        this.assignmentUri = URI.create(base).resolve("api/v1/assignments/" + fleetId + "/" + vehicleId);
        this.credential = credential;
        this.installer = installer;
        this.config = config;
        this.serving = serving;
    }

    /** The revision held after the last poll that was not refused (0 before any). */
    public long revision() {
        return revision;
    }

    /** The id of the cloud's {@code VehicleAssigned} event last read, or null. */
    public String lastEventId() {
        return lastEventId;
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

    /**
     * One assignment as read over HTTP or MQTT: its JSON ({@code VehicleAssigned}'s fields), the ETag
     * (null over MQTT) and the id of the cloud's {@code VehicleAssigned} event (null from a cloud that
     * does not send it).
     */
    public record Fetched(JsonNode assignment, String etag, String eventId) {

        public long revision() {
            return assignment.path("revision").asLong();
        }
    }

    /** Reads the assignment once; empty when the cloud answers 304 to {@code ifNoneMatch} (null: ask unconditionally). */
    public Optional<Fetched> fetch(String ifNoneMatch) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(assignmentUri).timeout(Duration.ofSeconds(30))
                .header("Authorization", credential.authorization("GET", assignmentUri)).GET();
        if (ifNoneMatch != null) {
            request.header("If-None-Match", ifNoneMatch);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 304) {
            return Optional.empty();
        }
        if (response.statusCode() != 200) {
            throw new IOException(assignmentUri + " answered HTTP " + response.statusCode() + ": " + response.body());
        }
        return Optional.of(new Fetched(JSON.readTree(response.body()), response.headers().firstValue("ETag").orElse(null),
                response.headers().firstValue("Sightline-Event-Id").orElse(null)));
    }

    public Poll pollOnce() throws IOException, InterruptedException {
        Optional<Fetched> fetched = fetch(etag);
        if (fetched.isEmpty()) {
            return new Poll(revision, false, Optional.empty());
        }
        JsonNode a = fetched.get().assignment();
        lastEventId = fetched.get().eventId();
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
        etag = fetched.get().etag();
        revision = a.path("revision").asLong();
        return new Poll(revision, true, Optional.empty());
    }
}
