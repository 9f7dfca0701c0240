package io.sightline.cloud;

import io.sightline.cloud.config.AlertsMqttProperties;
import io.sightline.cloud.config.IngestHttpProperties;
import io.sightline.cloud.config.IngestMqttProperties;
import io.sightline.cloud.config.IngestProperties;
import io.sightline.cloud.config.ProjectionProperties;
import io.sightline.cloud.config.StreamProperties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/** The cloud side: ingestion, event store, projections and (later) the query API. */
@SpringBootApplication
// One record per area of settings, with its defaults; the keys are those deployments already set.
@EnableConfigurationProperties({IngestProperties.class, IngestHttpProperties.class, IngestMqttProperties.class, AlertsMqttProperties.class, ProjectionProperties.class,
        StreamProperties.class})
public class SightlineCloudApplication {

    public static void main(String[] args) {
        SpringApplication.run(SightlineCloudApplication.class, args);
    }
}
