package io.sightline.app.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.app.CliRun;
import io.sightline.app.TestCloudArgs;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.inference.ProjectHome;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.testkit.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/** {@code registry keygen|add-model|add-policy} against a running cloud that trusts the generated key (issue 17 §1). */
@ExtendWith(ProjectHomeExtension.class)
class RegistryCliTest {

    static TestPostgres.Database db;
    static ConfigurableApplicationContext cloud;
    static CliRun keygen;

    @TempDir
    static Path dir;

    @BeforeAll
    static void keyAndCloud() {
        keygen = CliRun.of("registry", "keygen", "--out", dir.resolve("keys").toString());
        db = TestPostgres.freshDatabase("registry_cli");
        cloud = new SpringApplicationBuilder(SightlineCloudApplication.class).web(WebApplicationType.SERVLET)
                .run(TestCloudArgs.of(db, "--server.port=0", "--sightline.registry.dir=" + dir.resolve("blobs"),
                        "--sightline.registry.trusted-key-files=" + dir.resolve("keys/release.pub")));
    }

    @AfterAll
    static void stop() {
        if (cloud != null) {
            cloud.close();
        }
        TestPostgres.drop(db);
    }

    private String url() {
        return "http://localhost:" + cloud.getEnvironment().getProperty("local.server.port");
    }

    private Path token(String name, String role) throws Exception {
        return Files.writeString(dir.resolve(name + "-token"), cloud.getBean(DemoTokens.class).mint(name, "fleet-a", Duration.ofMinutes(10), role));
    }

    private long events(String aggregateId) {
        return cloud.getBean(JdbcTemplate.class).queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ?",
                Long.class, aggregateId);
    }

    @Test
    void keygenWritesAPrivateKeyOnlyItsOwnerCanReadAndNeverPrintsIt() throws Exception {
        assertThat(keygen.exit()).as(keygen.err()).isZero();
        Path privateKey = dir.resolve("keys/release.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateKey))).isEqualTo("rw-------");
        String privateText = Files.readString(privateKey, StandardCharsets.US_ASCII);
        assertThat(privateText).startsWith("-----BEGIN PRIVATE KEY-----");
        String keyBody = privateText.lines().skip(1).findFirst().orElseThrow();
        assertThat(keygen.out() + keygen.err()).doesNotContain(keyBody);
        String keyId = ReleaseStatement.keyId(ReleaseStatement.publicKey(Files.readString(dir.resolve("keys/release.pub"))));
        assertThat(keygen.out()).contains("release key " + keyId);

        CliRun again = CliRun.of("registry", "keygen", "--out", dir.resolve("keys").toString());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("already holds a release key");
        assertThat(Files.readString(privateKey, StandardCharsets.US_ASCII)).as("the old key is kept").isEqualTo(privateText);
    }

    @Test
    void addModelAndAddPolicySignAndRegisterOnce() throws Exception {
        Path models = ProjectHome.get().resolve("models/fastestdet");
        String admin = token("release-pipeline", Roles.ADMIN).toString();
        String key = dir.resolve("keys/release.key").toString();
        String[] addModel = {"registry", "add-model", models.resolve("FastestDet.onnx").toString(), "--manifest",
                models.resolve("manifest.json").toString(), "--key", key, "--cloud-url", url(), "--token-file", admin};
        CliRun first = CliRun.of(addModel);
        assertThat(first.exit()).as(first.out() + first.err()).isZero();
        String sha = ReleaseStatement.sha256Hex(Files.readAllBytes(models.resolve("FastestDet.onnx")));
        assertThat(first.out()).contains("registered: model fastestdet 50473cd sha256 " + sha + " (998169 bytes, event ");
        CliRun second = CliRun.of(addModel);
        assertThat(second.exit()).as(second.err()).isZero();
        assertThat(second.out()).startsWith("already registered: model fastestdet 50473cd");
        assertThat(events("registry/model/fastestdet/50473cd")).isEqualTo(1);
        assertThat(dir.resolve("blobs").resolve(sha.substring(0, 2)).resolve(sha)).hasBinaryContent(Files.readAllBytes(models.resolve("FastestDet.onnx")));

        RiskPolicy d = RiskPolicy.defaults();
        Path policy = Files.writeString(dir.resolve("policy.json"),
                new RiskPolicy("sightline-risk-cli-1", d.egoHalfWidthM(), d.forwardCollision(), d.followingDistance(), d.vulnerableRoadUser()).toJson());
        CliRun addPolicy = CliRun.of("registry", "add-policy", policy.toString(), "--key", key, "--cloud-url", url(), "--token-file", admin);
        assertThat(addPolicy.exit()).as(addPolicy.err()).isZero();
        assertThat(addPolicy.out()).contains("registered: policy sightline-risk-cli-1 sha256 ");
        assertThat(events("registry/policy/sightline-risk-cli-1")).isEqualTo(1);
    }

    @Test
    void anUntrustedKeyOrANonAdminIsRefusedAndNothingIsStored() throws Exception {
        assertThat(CliRun.of("registry", "keygen", "--out", dir.resolve("other-keys").toString()).exit()).isZero();
        Path policy = Files.writeString(dir.resolve("other-policy.json"), new RiskPolicy("sightline-risk-cli-untrusted", 0.9,
                RiskPolicy.defaults().forwardCollision(), RiskPolicy.defaults().followingDistance(), RiskPolicy.defaults().vulnerableRoadUser()).toJson());
        CliRun untrusted = CliRun.of("registry", "add-policy", policy.toString(), "--key", dir.resolve("other-keys/release.key").toString(),
                "--cloud-url", url(), "--token-file", token("release-pipeline", Roles.ADMIN).toString());
        assertThat(untrusted.exit()).isEqualTo(1);
        assertThat(untrusted.err()).contains("the cloud answered HTTP 400: key id ed25519:").contains("is not a trusted release key");

        CliRun investigator = CliRun.of("registry", "add-policy", policy.toString(), "--key", dir.resolve("keys/release.key").toString(),
                "--cloud-url", url(), "--token-file", token("ivan", Roles.INVESTIGATOR).toString());
        assertThat(investigator.exit()).isEqualTo(1);
        assertThat(investigator.err()).contains("the cloud answered HTTP 403").contains("an admin token is needed");
        assertThat(events("registry/policy/sightline-risk-cli-untrusted")).isZero();

        CliRun mismatched = CliRun.of("registry", "add-policy", policy.toString(), "--key", dir.resolve("other-keys/release.key").toString(),
                "--public-key", dir.resolve("keys/release.pub").toString(), "--cloud-url", url(), "--token-file", token("release-pipeline", Roles.ADMIN).toString());
        assertThat(mismatched.exit()).isEqualTo(1);
        assertThat(mismatched.err()).contains("are not one key pair");
    }
}
