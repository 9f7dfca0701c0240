package io.sightline.app.cloud;

import io.sightline.app.WrongSettingException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * What {@code ./sightline cloud} will run with, and where each setting came from. Flags win over
 * the environment, the environment wins over the defaults; the flags become Spring properties of
 * the highest rank, so the application itself reads every setting the way it always has.
 *
 * <p>Each resolved value keeps its origin ({@code --jdbc-url}, {@code SPRING_DATASOURCE_URL},
 * {@code -Dspring.datasource.url}) so that an error names the setting the operator actually set.
 */
public final class CloudSettings {

    /** What a replica does; {@code docs/deployment.md} "Ingestion replicas and projection replicas". */
    public enum Role {
        /** Ingestion, projections and alert notifications in one process. */
        ALL,
        /** Stores batches (HTTP and MQTT) and serves the API; runs no projection. */
        INGEST,
        /** Runs the projections and the alert notifier and serves the API; takes no batches. */
        PROJECTIONS;

        static Role parse(String text) {
            try {
                return Role.valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new WrongSettingException("--role must be all, ingest or projections, got '" + text + "'");
            }
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A value and the setting it came from. */
    public record Setting(String value, String origin) {
        boolean present() {
            return value != null && !value.isBlank();
        }
    }

    /** HS256 secrets shorter than this are refused, as the application does (RFC 7518 §3.2). */
    public static final int MIN_SECRET_BYTES = 32;
    static final int DEFAULT_PORT = 8080;
    static final String NO_SETTING = "default";

    public record Flags(String jdbcUrl, String mqttUrl, Integer port, String role, Path jwtSecretFile, String jwkSetUri) {
    }

    private final Role role;
    private final boolean roleGiven;
    private final Setting jdbcUrl;
    private final Setting jdbcUser;
    private final Setting jdbcPassword;
    private final Setting port;
    private final Setting mqttUrl;
    private final boolean mqttIngest;
    private final boolean mqttAlerts;
    private final Setting alertsMqttUrl;
    private final boolean projections;
    private final boolean httpIngest;
    /** Not final: a trial on the embedded database gets a local key after resolution ({@link #useLocalSecret}). */
    private Setting jwtSecret;
    private final Setting jwkSetUri;
    private final Map<String, String> properties = new LinkedHashMap<>();

    private CloudSettings(Flags flags, UnaryOperator<String> env, UnaryOperator<String> systemProperties) {
        Lookup lookup = new Lookup(env, systemProperties);
        this.roleGiven = flags.role() != null;
        this.role = roleGiven ? Role.parse(flags.role()) : Role.ALL;

        this.jdbcUrl = flags.jdbcUrl() != null ? new Setting(flags.jdbcUrl(), "--jdbc-url") : lookup.get("spring.datasource.url");
        this.jdbcUser = lookup.get("spring.datasource.username");
        this.jdbcPassword = lookup.get("spring.datasource.password");
        if (flags.jdbcUrl() != null) {
            if (!flags.jdbcUrl().startsWith("jdbc:postgresql://")) {
                throw new WrongSettingException("--jdbc-url must be a PostgreSQL URL (jdbc:postgresql://host:port/database), got '"
                        + flags.jdbcUrl() + "'");
            }
            properties.put("spring.datasource.url", flags.jdbcUrl());
        }

        if (flags.port() != null) {
            if (flags.port() < 0 || flags.port() > 65_535) {
                throw new WrongSettingException("--port must be 0..65535 (0 picks a free port), got " + flags.port());
            }
            this.port = new Setting(Integer.toString(flags.port()), "--port");
            properties.put("server.port", port.value());
        } else {
            Setting fromEnv = lookup.get("server.port");
            this.port = fromEnv.present() ? fromEnv : new Setting(Integer.toString(DEFAULT_PORT), NO_SETTING);
        }

        // The role decides which transports and processors run; an explicit role wins over the
        // environment's switches, an absent one leaves them as they are.
        boolean envMqttIngest = lookup.flag("sightline.ingest.mqtt.enabled");
        boolean envAlerts = lookup.flag("sightline.alerts.mqtt.enabled");
        boolean envProjections = !"false".equalsIgnoreCase(lookup.get("sightline.projections.enabled").value());
        boolean envHttpIngest = !"false".equalsIgnoreCase(lookup.get("sightline.ingest.http.enabled").value());
        Setting envMqttUrl = lookup.get("sightline.ingest.mqtt.url");
        if (flags.mqttUrl() != null) {
            validateMqttUrl(flags.mqttUrl());
            this.mqttUrl = new Setting(flags.mqttUrl(), "--mqtt-url");
            this.mqttIngest = role != Role.PROJECTIONS;
            this.mqttAlerts = role != Role.INGEST;
            properties.put("sightline.ingest.mqtt.url", flags.mqttUrl());
            properties.put("sightline.ingest.mqtt.enabled", Boolean.toString(mqttIngest));
            properties.put("sightline.alerts.mqtt.enabled", Boolean.toString(mqttAlerts));
            // An alerts broker set apart in the environment stays; otherwise alerts go where batches come from.
            Setting envAlertsUrl = lookup.get("sightline.alerts.mqtt.url");
            this.alertsMqttUrl = envAlertsUrl.present() ? envAlertsUrl : mqttUrl;
        } else {
            this.mqttUrl = envMqttUrl.present() ? envMqttUrl : new Setting("tcp://127.0.0.1:1883", NO_SETTING);
            this.mqttIngest = envMqttIngest && (!roleGiven || role != Role.PROJECTIONS);
            this.mqttAlerts = envAlerts && (!roleGiven || role != Role.INGEST);
            Setting envAlertsUrl = lookup.get("sightline.alerts.mqtt.url");
            this.alertsMqttUrl = envAlertsUrl.present() ? envAlertsUrl : mqttUrl;
            if (roleGiven) {
                properties.put("sightline.ingest.mqtt.enabled", Boolean.toString(mqttIngest));
                properties.put("sightline.alerts.mqtt.enabled", Boolean.toString(mqttAlerts));
            }
        }
        if (roleGiven) {
            this.projections = role != Role.INGEST;
            this.httpIngest = role != Role.PROJECTIONS;
            properties.put("sightline.projections.enabled", Boolean.toString(projections));
            properties.put("sightline.ingest.http.enabled", Boolean.toString(httpIngest));
        } else {
            this.projections = envProjections;
            this.httpIngest = envHttpIngest;
        }

        if (flags.jwtSecretFile() != null) {
            this.jwtSecret = new Setting(readSecret(flags.jwtSecretFile(), "--jwt-secret-file"), "--jwt-secret-file " + flags.jwtSecretFile());
            properties.put("sightline.security.jwt-secret", jwtSecret.value());
        } else {
            Setting s = lookup.get("sightline.security.jwt-secret");
            if (s.present() && s.value().getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
                throw new WrongSettingException(s.origin() + " must be at least " + MIN_SECRET_BYTES + " bytes for HS256, got "
                        + s.value().getBytes(StandardCharsets.UTF_8).length + "; make one with: head -c 32 /dev/urandom | base64");
            }
            this.jwtSecret = s;
        }
        if (flags.jwkSetUri() != null) {
            if (!flags.jwkSetUri().startsWith("https://") && !flags.jwkSetUri().startsWith("http://")) {
                throw new WrongSettingException("--jwk-set-uri must be an http(s) URL of the identity provider's JWK set, got '"
                        + flags.jwkSetUri() + "'");
            }
            this.jwkSetUri = new Setting(flags.jwkSetUri(), "--jwk-set-uri");
            properties.put("spring.security.oauth2.resourceserver.jwt.jwk-set-uri", flags.jwkSetUri());
        } else {
            this.jwkSetUri = lookup.get("spring.security.oauth2.resourceserver.jwt.jwk-set-uri");
        }
    }

    /** Resolves the flags against this process's environment and system properties. */
    public static CloudSettings resolve(Flags flags) {
        return resolve(flags, System::getenv, System::getProperty);
    }

    static CloudSettings resolve(Flags flags, UnaryOperator<String> env, UnaryOperator<String> systemProperties) {
        return new CloudSettings(flags, env, systemProperties);
    }

    /**
     * Without an external database the cloud is a trial on this machine; it gets an HS256 key of
     * its own, kept in a file so that tokens minted with it outlive a restart.
     */
    void useLocalSecret(Path file) {
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                byte[] random = new byte[32];
                new java.security.SecureRandom().nextBytes(random);
                Files.writeString(file, java.util.Base64.getEncoder().encodeToString(random) + "\n");
                try {
                    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // Not a POSIX file system: the folder's own permissions apply.
                }
            }
        } catch (IOException e) {
            throw new WrongSettingException("cannot create the local token key " + file + " (" + e.getMessage()
                    + "); give --jwt-secret-file FILE instead");
        }
        String secret = readSecret(file, "the local token key");
        properties.put("sightline.security.jwt-secret", secret);
        this.jwtSecret = new Setting(secret, "the local key " + file);
    }

    static String readSecret(Path file, String setting) {
        String secret;
        try {
            secret = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new WrongSettingException(setting + " " + file + ": no such file; make one with: head -c 32 /dev/urandom | base64 > " + file);
        } catch (IOException e) {
            throw new WrongSettingException(setting + " " + file + ": cannot read it (" + e.getMessage() + ")");
        }
        int bytes = secret.getBytes(StandardCharsets.UTF_8).length;
        if (bytes < MIN_SECRET_BYTES) {
            throw new WrongSettingException(setting + " " + file + " holds " + bytes + " bytes; HS256 needs at least " + MIN_SECRET_BYTES
                    + ": make one with: head -c 32 /dev/urandom | base64 > " + file);
        }
        return secret;
    }

    private static void validateMqttUrl(String url) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new WrongSettingException("--mqtt-url is not a URL: '" + url + "' (" + e.getReason() + "); e.g. tcp://broker:1883");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        if (!scheme.equals("tcp") && !scheme.equals("ssl") || uri.getHost() == null) {
            throw new WrongSettingException("--mqtt-url must be tcp://host:port or ssl://host:port, got '" + url + "'");
        }
    }

    public Role role() {
        return role;
    }

    public Setting jdbcUrl() {
        return jdbcUrl;
    }

    public boolean embeddedDatabase() {
        return !jdbcUrl.present();
    }

    public Setting jdbcUser() {
        return jdbcUser;
    }

    public Setting jdbcPassword() {
        return jdbcPassword;
    }

    public Setting port() {
        return port;
    }

    /** The broker, when this replica uses one for ingestion or alerts; null otherwise. */
    public Setting ingestBroker() {
        return mqttIngest ? mqttUrl : null;
    }

    public Setting alertsBroker() {
        return mqttAlerts ? alertsMqttUrl : null;
    }

    public boolean projections() {
        return projections;
    }

    public boolean httpIngest() {
        return httpIngest;
    }

    /** The HS256 secret and its origin, when one is configured. */
    public Setting jwtSecret() {
        return jwtSecret;
    }

    public Setting jwkSetUri() {
        return jwkSetUri;
    }

    public boolean hasTokenKey() {
        return jwtSecret().present() || jwkSetUri.present();
    }

    /** The flags as Spring properties, to be passed with the highest rank. */
    public Map<String, String> properties() {
        return Map.copyOf(properties);
    }

    /** Environment variables and system properties, in the names Spring itself reads them by. */
    private record Lookup(UnaryOperator<String> env, UnaryOperator<String> systemProperties) {

        Setting get(String key) {
            String fromProperty = systemProperties.apply(key);
            if (fromProperty != null) {
                return new Setting(fromProperty, "-D" + key);
            }
            // Spring's form for environment variables: dots and dashes to underscores, upper case.
            String name = key.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
            String fromEnv = env.apply(name);
            return new Setting(fromEnv, fromEnv != null ? name : NO_SETTING);
        }

        boolean flag(String key) {
            return "true".equalsIgnoreCase(get(key).value());
        }
    }
}
