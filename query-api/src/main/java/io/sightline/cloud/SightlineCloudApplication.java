package io.sightline.cloud;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The cloud side: ingestion, event store, projections and (later) the query API. */
@SpringBootApplication
public class SightlineCloudApplication {

    public static void main(String[] args) {
        SpringApplication.run(SightlineCloudApplication.class, args);
    }
}
