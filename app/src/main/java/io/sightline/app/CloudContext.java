package io.sightline.app;

import io.sightline.cloud.SightlineCloudApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts the cloud side (store, ingestion) in this JVM for commands that need it. */
final class CloudContext {

    private CloudContext() {
    }

    static ConfigurableApplicationContext start(String jdbcUrl, String... extraProperties) {
        SpringApplicationBuilder builder = new SpringApplicationBuilder(SightlineCloudApplication.class)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false);
        java.util.List<String> props = new java.util.ArrayList<>(java.util.List.of(extraProperties));
        if (jdbcUrl != null && !jdbcUrl.isBlank()) {
            props.add("spring.datasource.url=" + jdbcUrl);
        }
        builder.properties(props.toArray(String[]::new));
        return builder.run();
    }
}
