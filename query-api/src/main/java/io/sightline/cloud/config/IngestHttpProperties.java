package io.sightline.cloud.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code sightline.ingest.http.*}: whether this replica takes batches and evidence over HTTP.
 *
 * @param enabled false on projection replicas ({@code ./sightline cloud --role projections}): {@code POST /api/v1/ingest}
 *                and evidence uploads then answer 503 with a problem detail that sends the edge to an ingest replica,
 *                instead of storing on a replica sized and scaled for projections
 */
@ConfigurationProperties("sightline.ingest.http")
public record IngestHttpProperties(@DefaultValue("true") boolean enabled) {
}
