package io.sightline.app.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.app.TestCloudArgs;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.rollout.RolloutService;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.testkit.TestBroker;
import io.sightline.testkit.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The real cloud as the app tests start it (its own PostgreSQL database, a blob store and a trusted
 * release key in {@code dir}), ingesting over the real broker on a topic root of its own (another
 * test's cloud on the same broker must not take its batches), with the rollout scheduler off so the
 * test decides when a rollout is checked. {@link #restart()} stops it and starts a new one on the same
 * database and blob store: everything it knows afterwards comes from the stored events.
 */
public final class FleetCloud implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TestPostgres.Database db;
    private final Path dir;
    private final KeyPair release;
    private final String topicRoot = "sightline-fleet-" + UUID.randomUUID().toString().substring(0, 8);
    private final String jwtSecret = UUID.randomUUID() + "-" + UUID.randomUUID();
    private ConfigurableApplicationContext context;

    private FleetCloud(TestPostgres.Database db, Path dir, KeyPair release) {
        this.db = db;
        this.dir = dir;
        this.release = release;
    }

    /** A fresh database and a new release key pair; {@code release.pub} in {@code dir} is what the vehicles trust. */
    public static FleetCloud start(String name, Path dir) {
        try {
            KeyPair release = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("release.pub"), ReleaseStatement.pem("PUBLIC KEY", release.getPublic().getEncoded()));
            FleetCloud cloud = new FleetCloud(TestPostgres.freshDatabase(name), dir, release);
            cloud.context = cloud.boot();
            return cloud;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private ConfigurableApplicationContext boot() {
        return new SpringApplicationBuilder(SightlineCloudApplication.class).web(WebApplicationType.SERVLET)
                .run(TestCloudArgs.of(db, "--server.port=0", "--sightline.registry.dir=" + dir.resolve("blobs"),
                        "--sightline.registry.trusted-key-files=" + dir.resolve("release.pub"), "--sightline.rollouts.scheduler.enabled=false",
                        // a fixed token key, as a deployment sets one: the vehicles' tokens outlive a restart
                        "--sightline.security.jwt-secret=" + jwtSecret,
                        "--sightline.ingest.mqtt.enabled=true", "--sightline.ingest.mqtt.url=" + TestBroker.url(),
                        "--sightline.ingest.mqtt.topic-root=" + topicRoot, "--sightline.ingest.mqtt.share-group=" + topicRoot));
    }

    /** Stops the cloud and starts another on the same database and blob store (a new HTTP port). */
    public void restart() {
        context.close();
        context = boot();
    }

    public Path releasePublicKey() {
        return dir.resolve("release.pub");
    }

    public String url() {
        return "http://localhost:" + context.getEnvironment().getProperty("local.server.port");
    }

    public String brokerUrl() {
        return TestBroker.url();
    }

    public String topicRoot() {
        return topicRoot;
    }

    public JdbcTemplate jdbc() {
        return context.getBean(JdbcTemplate.class);
    }

    public RolloutService rollouts() {
        return context.getBean(RolloutService.class);
    }

    public String token(String fleetId, String role) {
        return context.getBean(DemoTokens.class).mint("ada", fleetId, Duration.ofMinutes(30), role);
    }

    public HttpResponse<String> send(String fleetId, String method, String path, String json) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + path))
                    .header("Authorization", "Bearer " + token(fleetId, Roles.ADMIN)).header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Signs and registers a model (its bytes and manifest) with the release key; returns its sha256. */
    public String registerModel(byte[] model, byte[] manifest) {
        HttpResponse<String> r = send("registry", "POST", "/api/v1/registry/models", modelRegistration(release, model, manifest));
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
        return ReleaseStatement.sha256Hex(model);
    }

    /** The body of {@code POST /api/v1/registry/models}: the model and its manifest, signed as the release pipeline signs them. */
    public static String modelRegistration(KeyPair release, byte[] model, byte[] manifest) {
        try {
            JsonNode m = JSON.readTree(manifest);
            String sha = ReleaseStatement.sha256Hex(model);
            ObjectNode body = JSON.createObjectNode();
            body.put("manifestBase64", Base64.getEncoder().encodeToString(manifest));
            body.put("artifactBase64", Base64.getEncoder().encodeToString(model));
            body.put("keyId", ReleaseStatement.keyId(release.getPublic()));
            body.put("signatureBase64", new ReleaseStatement(ReleaseStatement.MODEL, m.get("name").asText(), m.get("version").asText(), sha,
                    model.length, ReleaseStatement.sha256Hex(manifest)).sign(release.getPrivate()));
            return body.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The release signature of a model statement, as the release pipeline makes it. */
    public String sign(String name, String version, String sha256, long sizeBytes, String manifestSha256) {
        return new ReleaseStatement(ReleaseStatement.MODEL, name, version, sha256, sizeBytes, manifestSha256).sign(release.getPrivate());
    }

    /**
     * Registers the policy the edge runs (it does not download policies yet, docs/rollouts.md), so the
     * vehicles' sessions are on the rollout's champion policy; returns its sha256.
     */
    public String registerDefaultPolicy() {
        RiskPolicy d = RiskPolicy.defaults();
        byte[] bytes = d.toJson().getBytes(StandardCharsets.UTF_8);
        String sha = ReleaseStatement.sha256Hex(bytes);
        ObjectNode body = JSON.createObjectNode();
        body.put("artifactBase64", Base64.getEncoder().encodeToString(bytes));
        body.put("keyId", ReleaseStatement.keyId(release.getPublic()));
        body.put("signatureBase64", new ReleaseStatement(ReleaseStatement.POLICY, ReleaseStatement.POLICY, d.version(), sha, bytes.length, "-")
                .sign(release.getPrivate()));
        HttpResponse<String> r = send("registry", "POST", "/api/v1/registry/policies", body.toString());
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
        return sha;
    }

    @Override
    public void close() {
        if (context != null) {
            context.close();
        }
        TestPostgres.drop(db);
    }

    /**
     * FastestDet-like release of {@code onnx} under other bytes ({@link #repackaged}): its manifest with
     * version {@code <version>-<tag>}, the new sha256 and size, and optionally another decoder report
     * score (how an honestly worse challenger is made: it hides the boxes at or below that score).
     */
    public record Release(byte[] model, byte[] manifest) {
    }

    public static Release repackagedRelease(byte[] onnx, byte[] manifest, String tag, double reportScore) {
        try {
            byte[] bytes = repackaged(onnx, "sightline.release", tag);
            ObjectNode m = (ObjectNode) JSON.readTree(manifest);
            m.put("version", m.get("version").asText() + "-" + tag);
            m.put("sha256", ReleaseStatement.sha256Hex(bytes));
            m.put("bytes", bytes.length);
            if (!Double.isNaN(reportScore)) {
                ((ObjectNode) m.get("decoder")).put("reportScore", reportScore);
            }
            return new Release(bytes, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The same ONNX graph under other bytes: a {@code metadata_props} entry (ModelProto field 14, a
     * {@code StringStringEntryProto}) appended to the serialized model, which protobuf reads as one
     * more entry of the repeated field. ONNX Runtime runs the graph unchanged; the sha256 differs, so
     * the registry can name it as a release of its own (an artifact is named by its sha256).
     */
    public static byte[] repackaged(byte[] onnx, String key, String value) {
        ByteArrayOutputStream entry = new ByteArrayOutputStream();
        field(entry, 1, key.getBytes(StandardCharsets.UTF_8));
        field(entry, 2, value.getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(onnx);
        field(out, 14, entry.toByteArray());
        return out.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, int number, byte[] bytes) {
        varint(out, (number << 3) | 2);
        varint(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
