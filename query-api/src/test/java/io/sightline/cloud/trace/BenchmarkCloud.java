package io.sightline.cloud.trace;

import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.testkit.TestPostgres;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The cloud as the query benchmarks run it: on the database of {@code --jdbc-url}, or a fresh one on
 * the tests' server, with a web server on a free port and quiet logs. {@link #fresh()} says whether
 * the benchmark has to fill it.
 */
public final class BenchmarkCloud {

    private final Map<String, String> options;
    private final boolean fresh;
    private final ConfigurableApplicationContext context;

    private BenchmarkCloud(Map<String, String> options, boolean fresh, ConfigurableApplicationContext context) {
        this.options = options;
        this.fresh = fresh;
        this.context = context;
    }

    /** {@code --name value} pairs. */
    public static Map<String, String> options(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i], args[i + 1]);
        }
        return opts;
    }

    public static BenchmarkCloud start(Map<String, String> options, String purpose, Map<String, String> extraProperties) {
        String url = options.get("--jdbc-url");
        String user = "postgres";
        String password = "";
        boolean fresh = url == null;
        if (fresh) {
            TestPostgres.Database db = TestPostgres.freshDatabase(purpose);
            url = db.jdbcUrl();
            user = db.user();
            password = db.password();
        }
        System.out.println("database: " + url);
        Map<String, Object> properties = new HashMap<>(Map.of(
                "spring.datasource.url", url, "spring.datasource.username", user, "spring.datasource.password", password,
                "sightline.embedded-postgres.enabled", "false", "server.port", "0",
                "logging.level.root", "WARN", "logging.level.org.axonframework", "ERROR"));
        properties.putAll(extraProperties);
        SpringApplication app = new SpringApplication(SightlineCloudApplication.class);
        app.setDefaultProperties(properties);
        return new BenchmarkCloud(options, fresh, app.run());
    }

    public ConfigurableApplicationContext context() {
        return context;
    }

    public boolean fresh() {
        return fresh;
    }

    public int intOption(String name, int defaultValue) {
        return Integer.parseInt(options.getOrDefault(name, Integer.toString(defaultValue)));
    }
}
