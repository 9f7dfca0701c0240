package io.sightline.app.cloud;

import io.sightline.app.WrongSettingException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * Checks the settings that reach outside the process before Spring starts, so that a wrong one is
 * one line naming it, in seconds: Spring's own failure would arrive after the pool's 30 s timeout,
 * wrapped in bean-creation errors that name a bean rather than the setting.
 */
final class CloudPreflight {

    /** Long enough for a database or broker across a data-centre network, short enough for a typo. */
    static final int CONNECT_TIMEOUT_SECONDS = 5;

    private CloudPreflight() {
    }

    static void check(CloudSettings settings) {
        checkPort(settings.port());
        if (!settings.embeddedDatabase()) {
            checkDatabase(settings);
        }
        if (settings.ingestBroker() != null) {
            checkBroker(settings.ingestBroker());
        }
        if (settings.alertsBroker() != null && settings.alertsBroker() != settings.ingestBroker()) {
            checkBroker(settings.alertsBroker());
        }
        if (settings.jwkSetUri().present()) {
            checkJwkSet(settings.jwkSetUri());
        }
    }

    static void checkPort(CloudSettings.Setting port) {
        int n = Integer.parseInt(port.value().trim());
        if (n == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            // As Tomcat binds: a socket lingering in TIME_WAIT from our last run must not count as taken.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(n));
        } catch (IOException e) {
            String who = CloudSettings.NO_SETTING.equals(port.origin()) ? "the default port" : port.origin();
            throw new WrongSettingException(who + " " + n + ": the port is taken (" + e.getMessage()
                    + "); stop what listens there, or choose another port with --port");
        }
    }

    static void checkDatabase(CloudSettings settings) {
        CloudSettings.Setting url = settings.jdbcUrl();
        Properties props = new Properties();
        if (settings.jdbcUser().present()) {
            props.setProperty("user", settings.jdbcUser().value());
        }
        if (settings.jdbcPassword().value() != null) {
            props.setProperty("password", settings.jdbcPassword().value());
        }
        props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        props.setProperty("loginTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        props.setProperty("socketTimeout", Integer.toString(2 * CONNECT_TIMEOUT_SECONDS));
        try (Connection c = DriverManager.getConnection(url.value(), props)) {
            c.isValid(CONNECT_TIMEOUT_SECONDS);
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            String why = oneLine(e.getMessage());
            if (state.startsWith("28")) {
                // Invalid authorisation: the URL is right, the credentials are not.
                throw new WrongSettingException("the database at " + CloudCommand.redact(url.value()) + " refused the login (" + why
                        + "); check " + credentialsOrigin(settings));
            }
            if (state.equals("3D000")) {
                throw new WrongSettingException(name(url) + " " + CloudCommand.redact(url.value()) + ": " + why
                        + "; create the database or correct the URL");
            }
            throw new WrongSettingException(name(url) + " " + CloudCommand.redact(url.value()) + ": cannot connect (" + why
                    + "); check the URL and that PostgreSQL is running and reachable");
        }
    }

    static void checkBroker(CloudSettings.Setting broker) {
        URI uri = URI.create(broker.value());
        int port = uri.getPort() > 0 ? uri.getPort() : "ssl".equals(uri.getScheme()) ? 8883 : 1883;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), port), CONNECT_TIMEOUT_SECONDS * 1000);
        } catch (IOException e) {
            throw new WrongSettingException(name(broker) + " " + broker.value() + ": the MQTT broker is unreachable (" + oneLine(e.toString())
                    + "); check the URL and that the broker is running, or start without a broker (HTTP ingestion only)");
        }
    }

    static void checkJwkSet(CloudSettings.Setting jwk) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(CONNECT_TIMEOUT_SECONDS)).build();
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(jwk.value()))
                    .timeout(Duration.ofSeconds(CONNECT_TIMEOUT_SECONDS)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new WrongSettingException(name(jwk) + " " + jwk.value() + ": the identity provider answered HTTP " + response.statusCode()
                        + "; check the URL (it ends in the provider's JWK set path, e.g. /.well-known/jwks.json)");
            }
            if (com.nimbusds.jose.jwk.JWKSet.parse(response.body()).getKeys().isEmpty()) {
                throw new WrongSettingException(name(jwk) + " " + jwk.value() + ": the JWK set holds no key, so no token could be verified");
            }
        } catch (IOException e) {
            throw new WrongSettingException(name(jwk) + " " + jwk.value() + ": unreachable (" + oneLine(e.toString())
                    + "); check the URL and the network to the identity provider");
        } catch (java.text.ParseException e) {
            throw new WrongSettingException(name(jwk) + " " + jwk.value() + ": not a JWK set (" + oneLine(e.getMessage()) + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WrongSettingException("interrupted while checking " + name(jwk));
        }
    }

    private static String credentialsOrigin(CloudSettings settings) {
        String user = settings.jdbcUser().present() ? settings.jdbcUser().origin() : "SPRING_DATASOURCE_USERNAME";
        String password = settings.jdbcPassword().value() != null ? settings.jdbcPassword().origin() : "SPRING_DATASOURCE_PASSWORD";
        return user + " and " + password;
    }

    private static String name(CloudSettings.Setting s) {
        return s.origin();
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
