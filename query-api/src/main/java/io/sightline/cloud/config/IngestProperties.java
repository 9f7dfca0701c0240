package io.sightline.cloud.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code sightline.ingest.*}: ingestion of signed edge batches, whatever the transport.
 *
 * @param maxRequestBytes       largest accepted batch request (HTTP body or MQTT payload), bytes; larger ones get
 *                              REQUEST_TOO_LARGE (413). The edge uploader's default batch, 500 events or 1 MiB of wire
 *                              JSON, is well inside it
 * @param deviceKeyCacheSeconds how long a replica trusts its cached copy of a device key; bounds how late a revocation bites
 */
@ConfigurationProperties("sightline.ingest")
public record IngestProperties(@DefaultValue("8388608") long maxRequestBytes, @DefaultValue("30") long deviceKeyCacheSeconds) {
}
