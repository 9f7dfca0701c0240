package io.sightline.app.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.app.WrongSettingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flags win over the environment, the environment over the defaults; every value knows where it came from. */
class CloudSettingsTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef-secret";
    private final Map<String, String> env = new HashMap<>();
    private final Map<String, String> sys = new HashMap<>();

    private CloudSettings resolve(CloudSettings.Flags flags) {
        return CloudSettings.resolve(flags, env::get, sys::get);
    }

    private static CloudSettings.Flags flags(String jdbc, String mqtt, Integer port, String role) {
        return new CloudSettings.Flags(jdbc, mqtt, port, role, null, null);
    }

    @Test
    void defaultsWithNothingSet() {
        CloudSettings s = resolve(flags(null, null, null, null));
        assertThat(s.embeddedDatabase()).isTrue();
        assertThat(s.port().value()).isEqualTo("8080");
        assertThat(s.port().origin()).isEqualTo("default");
        assertThat(s.role()).isEqualTo(CloudSettings.Role.ALL);
        assertThat(s.ingestBroker()).isNull();
        assertThat(s.alertsBroker()).isNull();
        assertThat(s.projections()).isTrue();
        assertThat(s.httpIngest()).isTrue();
        assertThat(s.hasTokenKey()).isFalse();
        // Nothing given, nothing imposed: the application's own defaults and the environment apply.
        assertThat(s.properties()).isEmpty();
    }

    @Test
    void theEnvironmentWinsOverDefaults() {
        env.put("SPRING_DATASOURCE_URL", "jdbc:postgresql://db:5432/sightline");
        env.put("SERVER_PORT", "9000");
        env.put("SIGHTLINE_INGEST_MQTT_ENABLED", "true");
        env.put("SIGHTLINE_INGEST_MQTT_URL", "tcp://broker:1883");
        env.put("SIGHTLINE_SECURITY_JWT_SECRET", SECRET);
        CloudSettings s = resolve(flags(null, null, null, null));
        assertThat(s.jdbcUrl()).isEqualTo(new CloudSettings.Setting("jdbc:postgresql://db:5432/sightline", "SPRING_DATASOURCE_URL"));
        assertThat(s.embeddedDatabase()).isFalse();
        assertThat(s.port()).isEqualTo(new CloudSettings.Setting("9000", "SERVER_PORT"));
        assertThat(s.ingestBroker()).isEqualTo(new CloudSettings.Setting("tcp://broker:1883", "SIGHTLINE_INGEST_MQTT_URL"));
        assertThat(s.jwtSecret().origin()).isEqualTo("SIGHTLINE_SECURITY_JWT_SECRET");
        assertThat(s.properties()).isEmpty();
    }

    @Test
    void flagsWinOverTheEnvironment() {
        env.put("SPRING_DATASOURCE_URL", "jdbc:postgresql://db:5432/sightline");
        env.put("SERVER_PORT", "9000");
        env.put("SIGHTLINE_INGEST_MQTT_ENABLED", "false");
        env.put("SIGHTLINE_INGEST_MQTT_URL", "tcp://broker:1883");
        env.put("SIGHTLINE_PROJECTIONS_ENABLED", "false");
        CloudSettings s = resolve(flags("jdbc:postgresql://other:5432/x", "tcp://flag-broker:1883", 7000, "all"));
        assertThat(s.jdbcUrl().origin()).isEqualTo("--jdbc-url");
        assertThat(s.port()).isEqualTo(new CloudSettings.Setting("7000", "--port"));
        assertThat(s.ingestBroker()).isEqualTo(new CloudSettings.Setting("tcp://flag-broker:1883", "--mqtt-url"));
        assertThat(s.alertsBroker().value()).isEqualTo("tcp://flag-broker:1883");
        assertThat(s.projections()).isTrue();
        assertThat(s.properties()).containsEntry("spring.datasource.url", "jdbc:postgresql://other:5432/x")
                .containsEntry("server.port", "7000")
                .containsEntry("sightline.ingest.mqtt.enabled", "true")
                .containsEntry("sightline.ingest.mqtt.url", "tcp://flag-broker:1883")
                .containsEntry("sightline.alerts.mqtt.enabled", "true")
                .containsEntry("sightline.projections.enabled", "true");
    }

    @Test
    void systemPropertiesAreNamedAsSuch() {
        sys.put("spring.datasource.url", "jdbc:postgresql://sys:5432/x");
        env.put("SPRING_DATASOURCE_URL", "jdbc:postgresql://env:5432/x");
        assertThat(resolve(flags(null, null, null, null)).jdbcUrl())
                .isEqualTo(new CloudSettings.Setting("jdbc:postgresql://sys:5432/x", "-Dspring.datasource.url"));
    }

    @Test
    void theIngestRoleRunsNoProjectionsAndAnnouncesNoAlerts() {
        env.put("SIGHTLINE_ALERTS_MQTT_ENABLED", "true");
        CloudSettings s = resolve(flags(null, "tcp://broker:1883", null, "ingest"));
        assertThat(s.role()).isEqualTo(CloudSettings.Role.INGEST);
        assertThat(s.projections()).isFalse();
        assertThat(s.httpIngest()).isTrue();
        assertThat(s.ingestBroker()).isNotNull();
        assertThat(s.alertsBroker()).isNull();
        assertThat(s.properties()).containsEntry("sightline.projections.enabled", "false")
                .containsEntry("sightline.ingest.mqtt.enabled", "true")
                .containsEntry("sightline.alerts.mqtt.enabled", "false")
                .containsEntry("sightline.ingest.http.enabled", "true");
    }

    @Test
    void theProjectionsRoleTakesNoBatchesOnAnyTransport() {
        // Even with the environment's ingestion switched on: the explicit role wins.
        env.put("SIGHTLINE_INGEST_MQTT_ENABLED", "true");
        env.put("SIGHTLINE_ALERTS_MQTT_ENABLED", "true");
        CloudSettings s = resolve(flags(null, null, null, "projections"));
        assertThat(s.ingestBroker()).isNull();
        assertThat(s.alertsBroker()).isNotNull();
        assertThat(s.projections()).isTrue();
        assertThat(s.httpIngest()).isFalse();
        assertThat(s.properties()).containsEntry("sightline.ingest.mqtt.enabled", "false")
                .containsEntry("sightline.ingest.http.enabled", "false")
                .containsEntry("sightline.alerts.mqtt.enabled", "true");
    }

    @Test
    void aSecretFileIsReadAndChecked(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("jwt"), SECRET + "\n");
        env.put("SIGHTLINE_SECURITY_JWT_SECRET", "another-secret-from-the-environment-0123456789");
        CloudSettings s = CloudSettings.resolve(new CloudSettings.Flags(null, null, null, null, file, null), env::get, sys::get);
        assertThat(s.jwtSecret().value()).isEqualTo(SECRET);
        assertThat(s.jwtSecret().origin()).startsWith("--jwt-secret-file");
        assertThat(s.properties()).containsEntry("sightline.security.jwt-secret", SECRET);

        Path shortOne = Files.writeString(dir.resolve("short"), "too-short");
        assertThatThrownBy(() -> CloudSettings.resolve(new CloudSettings.Flags(null, null, null, null, shortOne, null), env::get, sys::get))
                .isInstanceOf(WrongSettingException.class).hasMessageStartingWith("--jwt-secret-file " + shortOne + " holds 9 bytes");
        assertThatThrownBy(() -> CloudSettings.resolve(new CloudSettings.Flags(null, null, null, null, dir.resolve("none"), null), env::get,
                sys::get)).isInstanceOf(WrongSettingException.class).hasMessageContaining("no such file");
    }

    @Test
    void aShortSecretInTheEnvironmentIsNamed() {
        env.put("SIGHTLINE_SECURITY_JWT_SECRET", "short");
        assertThatThrownBy(() -> resolve(flags(null, null, null, null)))
                .isInstanceOf(WrongSettingException.class).hasMessageStartingWith("SIGHTLINE_SECURITY_JWT_SECRET must be at least 32 bytes");
    }

    @Test
    void aTrialOnTheEmbeddedDatabaseKeepsOneLocalKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(".sightline/cloud-jwt-secret");
        CloudSettings first = resolve(flags(null, null, null, null));
        first.useLocalSecret(file);
        CloudSettings second = resolve(flags(null, null, null, null));
        second.useLocalSecret(file);
        assertThat(first.jwtSecret().value()).hasSizeGreaterThanOrEqualTo(CloudSettings.MIN_SECRET_BYTES)
                .isEqualTo(second.jwtSecret().value());
        assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    }

    @Test
    void malformedFlagsAreRefusedByName() {
        assertThatThrownBy(() -> resolve(flags("jdbc:mysql://db/x", null, null, null))).hasMessageStartingWith("--jdbc-url must be a PostgreSQL URL");
        assertThatThrownBy(() -> resolve(flags(null, "http://broker", null, null))).hasMessageStartingWith("--mqtt-url must be tcp://");
        assertThatThrownBy(() -> resolve(flags(null, null, 70_000, null))).hasMessageStartingWith("--port must be 0..65535");
        assertThatThrownBy(() -> resolve(flags(null, null, null, "everything"))).hasMessageStartingWith("--role must be all, ingest or projections");
        assertThatThrownBy(() -> CloudSettings.resolve(new CloudSettings.Flags(null, null, null, null, null, "file:/jwks"), env::get, sys::get))
                .hasMessageStartingWith("--jwk-set-uri must be an http(s) URL");
    }

    @Test
    void aPasswordInAJdbcUrlIsNeverPrinted() {
        assertThat(CloudCommand.redact("jdbc:postgresql://db/x?user=a&password=s3cret&ssl=true"))
                .isEqualTo("jdbc:postgresql://db/x?user=a&password=***&ssl=true");
    }
}
