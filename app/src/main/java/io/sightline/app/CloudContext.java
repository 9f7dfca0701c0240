package io.sightline.app;

import io.sightline.cloud.SightlineCloudApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts the cloud side (store, ingestion) in this JVM for commands that need it. */
public final class CloudContext {

    private CloudContext() {
    }

    public static ConfigurableApplicationContext start(String jdbcUrl, String... extraProperties) {
        SpringApplicationBuilder builder = new SpringApplicationBuilder(SightlineCloudApplication.class)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false);
        builder.properties(extraProperties);
        if (jdbcUrl != null && !jdbcUrl.isBlank()) {
            // An argument, not a builder default: defaults rank below the embedded server's lazy
            // datasource source, so a --jdbc-url given that way was silently ignored.
            return builder.run("--spring.datasource.url=" + jdbcUrl);
        }
        return builder.run();
    }
}
