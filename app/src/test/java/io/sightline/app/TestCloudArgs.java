package io.sightline.app;

import io.sightline.testkit.TestPostgres;
import java.util.ArrayList;
import java.util.List;

/** Command-line arguments of a cloud started in an app test: its own database, a small pool, quiet frameworks. */
public final class TestCloudArgs {

    private TestCloudArgs() {
    }

    public static String[] of(TestPostgres.Database db, String... extra) {
        List<String> args = new ArrayList<>(List.of("--spring.datasource.url=" + db.jdbcUrl(), "--spring.datasource.username=" + db.user(),
                "--spring.datasource.password=" + db.password(), "--spring.datasource.hikari.maximum-pool-size=5",
                "--logging.level.org.springframework=WARN", "--logging.level.org.axonframework=WARN"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }
}
